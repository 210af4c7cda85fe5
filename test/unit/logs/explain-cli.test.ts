// `aml-doctor explain` as a user runs it: a real child process over the CLI entry, files and stdin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'logs');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), 'explain', ...args], {
    cwd: REPO,
    input,
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aml-doctor explain (unit, CLI process)', () => {
  it('prints the JSON contract for a file', () => {
    const r = cli([path.join(FIXTURES, 'init-exception.log'), '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.primary.category, 'init_exception');
    assert.equal(out.primary.id, 'init-exception-traceback');
    assert.ok(Array.isArray(out.primary.fix) && out.primary.fix.length > 0);
    assert.equal(typeof out.primary.explanation, 'string');
    assert.deepEqual(out.primary.evidence[0], { line: 21, text: 'ValueError: weights.npz is truncated: expected 4096 bytes, read 12' });
    assert.equal(out.primary.location.path, '/var/azureml-app/src/score.py');
    assert.ok(out.findings.some((f: { category: string }) => f.category === 'init_exception'));
    // The structure behind it: phase, exception, the entry script's frame, the traceback, a confidence.
    assert.equal(out.primary.phase, 'init');
    assert.deepEqual(out.primary.exception, { type: 'ValueError', message: 'weights.npz is truncated: expected 4096 bytes, read 12' });
    assert.deepEqual(out.primary.entryFrame, { path: '/var/azureml-app/src/score.py', line: 17, function: 'init', source: 'with open(os.path.join(model_dir, "weights.npz"), "rb") as fh:', origin: 'entry' });
    assert.deepEqual(out.primary.traceback.frames.map((f: { origin: string }) => f.origin), ['server', 'server', 'entry']);
    assert.equal(out.primary.traceback.truncated, false);
    assert.ok(out.primary.confidence >= 0.8 && out.primary.confidence <= 1);
  });

  it('reads stdin with -, and says "no failure in this text" with what to collect next', () => {
    const r = cli(['-', '--format=json'], 'all good\nnothing to see\n');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.primary.category, 'no_failure');
    assert.deepEqual(out.findings, []);
    assert.deepEqual(out.primary.evidence, [{ line: 1, text: 'all good' }, { line: 2, text: 'nothing to see' }]);
    assert.ok(out.primary.collect.length > 0);
    const text = cli([], 'all good\nnothing to see\n');
    assert.match(text.stdout, /No failure in this text \[no_failure\]\nConfidence: low/);
    assert.match(text.stdout, /Collect next:\n  - .*\n      az ml online-deployment get-logs/);
  });

  it('prints a readable text report with the fix and evidence line numbers', () => {
    const r = cli([], "[2026-03-02 10:00:00 +0000] [1] [INFO] Booting worker with pid: 9\nWorker with pid 9 was terminated due to signal 9\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[out_of_memory\]/);
    assert.match(r.stdout, /line 2: Worker with pid 9 was terminated due to signal 9/);
    assert.match(r.stdout, /Fix:\n  1\. Raise the memory/);
  });

  it('redacts secrets in evidence', () => {
    const r = cli(['--format', 'json'], 'Authorization: Bearer abcdefghijklmnop.qrstuvwxyz\nHTTP 401 Unauthorized: key-based authentication failed, api_key=SECRETSECRET\n');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /SECRETSECRET/);
    assert.equal(JSON.parse(r.stdout).primary.category, 'identity_permission');
  });

  it('fails clearly on bad usage and unreadable files', () => {
    const missing = cli(['/nonexistent/deploy.log']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read \/nonexistent\/deploy\.log: ENOENT/);
    const dir = cli([FIXTURES]);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /cannot read .*EISDIR/);
    const fmt = cli(['--format', 'xml', path.join(FIXTURES, 'noise-only.log')]);
    assert.equal(fmt.code, 2);
    assert.match(fmt.stderr, /--format must be text or json/);
  });
});
