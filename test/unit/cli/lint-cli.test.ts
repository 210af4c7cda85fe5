// The bundled CLI as a CI pipeline runs it: real process, real files, exit codes and the stable JSON shape.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
// English unless a test asks for another language: the machine's locale must not choose the messages.
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO, env: { ...process.env, LC_ALL: 'C' } });

describe('aml-doctor lint (bundled CLI)', () => {
  it('finds missing-run in the examples draft and exits 1, in the stable JSON shape', () => {
    const r = cli('lint', 'examples/drafts/score_draft.py', '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    const reports = JSON.parse(r.stdout);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].file, 'examples/drafts/score_draft.py');
    const f = reports[0].findings.find((x: { rule: string }) => x.rule === 'missing-run');
    assert.ok(f, r.stdout);
    assert.deepEqual(Object.keys(f).sort(), ['column', 'endColumn', 'endLine', 'line', 'message', 'rule', 'severity']);
    assert.equal(f.severity, 'error');
    assert.equal(f.line, 1, 'lines are 1-based');
  });
  it('exits 0 on a clean script', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-cli-'));
    const file = path.join(dir, 'score.py');
    writeFileSync(file, 'def init():\n    pass\n\ndef run(data):\n    try:\n        return {"ok": 1}\n    except Exception:\n        return {"error": "failed"}\n');
    const r = cli('lint', file);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
  it('a reader that stops early (| head) ends the run quietly with lint\'s own exit code, no EPIPE stack trace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-cli-pipe-'));
    for (let i = 0; i < 300; i++) writeFileSync(path.join(dir, `score${i}.py`), 'def init():\n    model = 1\n\ndef run(d):\n    return model.predict(d)\n');
    const child = spawn(process.execPath, [CLI, 'lint', dir], { cwd: REPO, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first chunk, then close the pipe as head does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 1, 'the findings are errors: exit 1, as without the pipe');
  });
  it('says clearly when a path does not exist, with exit 2', () => {
    const r = cli('lint', 'no/such/dir');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot read no\/such\/dir: ENOENT/);
  });
  it('rejects an unknown format with exit 2', () => {
    const r = cli('lint', 'examples', '--format', 'xml');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--format/);
  });
  it('--lang zh-tw: the finding, its severity and the summary in Traditional Chinese; rule id and position as they are', () => {
    const r = cli('--lang', 'zh-tw', 'lint', 'examples/drafts/score_draft.py');
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines.find((l) => l.includes('[missing-run]')) ?? '', /^examples\/drafts\/score_draft\.py:1:1: 錯誤 \[missing-run\] score_draft\.py 沒有最上層的 run\(\) 函式。/);
    assert.match(lines.at(-1)!, /^1 個檔案中有 \d+ 個發現項目$/);
  });
});
