// `aml-doctor explain` as a user runs it: a real child process over the CLI entry, files and stdin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'logs');

// Without a language chosen the CLI speaks English, whatever locale the machine running the tests has.
const ENGLISH_ENV = { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'C' };

function cli(args: string[], input?: string, env: NodeJS.ProcessEnv = ENGLISH_ENV) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), 'explain', ...args], {
    cwd: REPO,
    input,
    env,
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

  it('--lang zh-tw: the diagnosis and the report in Traditional Chinese; ids, categories, JSON keys and log text stay', () => {
    const file = path.join(FIXTURES, 'missing-dependency.log');
    const en = cli([file]);
    const zh = cli(['--lang', 'zh-tw', file]);
    assert.equal(zh.code, 0, zh.stderr);
    assert.equal(zh.stderr, '');
    assert.match(en.stdout, /: A Python package is missing or incompatible in the environment.* \[missing_dependency\]\nConfidence: /);
    assert.match(zh.stdout, /: 環境中缺少某個 Python 套件，或其版本不相容.* \[missing_dependency\]\n信賴度：(高|中|低) \(0\.\d\d\)\n/);
    assert.match(zh.stdout, /\n修正方式：\n  1\. 將缺少的套件（固定版本）加入環境的 conda\.yml \/ requirements，然後重新建置。\n/);
    assert.match(zh.stdout, /\n指南：https:\/\/learn\.microsoft\.com\//);
    assert.doesNotMatch(zh.stdout, /Confidence:|Fix:|Evidence:|lines? read/);
    // JSON: the same ids, categories and keys as in English; the texts a person reads in Chinese.
    const enJson = JSON.parse(cli(['--format', 'json', file]).stdout);
    const zhJson = JSON.parse(cli(['--format', 'json', '--lang=zh-tw', file]).stdout);
    assert.deepEqual(Object.keys(zhJson.primary).sort(), Object.keys(enJson.primary).sort());
    assert.equal(zhJson.primary.id, enJson.primary.id);
    assert.equal(zhJson.primary.category, 'missing_dependency');
    assert.deepEqual(zhJson.findings.map((f: { id: string }) => f.id), enJson.findings.map((f: { id: string }) => f.id));
    assert.deepEqual(zhJson.primary.evidence, enJson.primary.evidence);
    assert.match(zhJson.primary.title, /^環境中缺少某個 Python 套件/);
    assert.match(zhJson.primary.explanation, /\p{Script=Han}/u);
    for (const f of zhJson.primary.fix) assert.match(f, /\p{Script=Han}/u);
    // The environment's locale, when --lang is not given.
    const fromEnv = cli([file], undefined, { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_TW.UTF-8' });
    assert.equal(fromEnv.stdout, zh.stdout);
    // Its own messages too.
    const missing = cli(['--lang', 'zh-tw', '/nonexistent/deploy.log']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^aml-doctor explain: 無法讀取 \/nonexistent\/deploy\.log：ENOENT\n$/);
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
