// Runtime findings (issue 11 item 4), the pure part: which local entry script a traceback frame stands for,
// which line of it raised, the message, and how the finding follows edits. Frame paths are log text: the
// mapping only ever answers with one of the candidate files it was given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainText } from '../../../src/logs/classifier';
import { lineSpan, mapFramePath, placeFrame, runtimeMessage, runtimeSubject, shiftSpan, type EntryCandidate, type LineSpan, type TextEdit } from '../../../src/logs/runtimeFindings';
import { rng } from '../../helpers/rng';

const ws = (rel: string, preferred = false): EntryCandidate => ({ file: `/home/me/proj/${rel}`, rel, ...(preferred ? { preferred } : {}) });
const chosen = (r: ReturnType<typeof mapFramePath>) => (r.ok ? r.candidate.rel : `none: ${r.reason}`);

/** A scoring container's log: the harness calls init(), which raises three frames down from score.py. */
function initLog(opts: { path?: string; line?: number; source?: string; exception?: string } = {}): string {
  const p = opts.path ?? '/var/azureml-app/score.py';
  return [
    '2026-12-01 10:00:01,100 | root | INFO | Invoking user\'s init function',
    '2026-12-01 10:00:01,200 | root | ERROR | User\'s init function failed',
    'Traceback (most recent call last):',
    '  File "/var/aml-doctor/aml_harness.py", line 96, in __init__',
    '    self.module.init()',
    `  File "${p}", line ${opts.line ?? 20}, in init`,
    `    ${opts.source ?? 'weights = np.load(model_path)'}`,
    '  File "/usr/lib/python3/dist-packages/numpy/lib/npyio.py", line 405, in load',
    '    fid = stack.enter_context(open(os_fspath(file), "rb"))',
    opts.exception ?? "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/m/1/weights.npz'",
    '[2026-12-01 10:00:01 +0000] [1] [INFO] Reason: Worker failed to boot.',
  ].join('\n');
}

const SCORE = ['import numpy as np', '', 'def init():', '    global model', '    model_path = "weights.npz"', '    weights = np.load(model_path)', '    model = weights'];

describe('runtime findings: frame path -> local entry script (unit)', () => {
  it('a local deployment: only the recorded entry script, at exactly its path under AML_APP_ROOT', () => {
    const recorded = [{ file: '/src/app/score.py', rel: 'score.py', preferred: true }];
    assert.equal(chosen(mapFramePath('/var/azureml-app/score.py', recorded, { exact: true })), 'score.py');
    const nested = [{ file: '/src/app/src/score.py', rel: 'src/score.py', preferred: true }];
    assert.equal(chosen(mapFramePath('/var/azureml-app/src/score.py', nested, { exact: true })), 'src/score.py');
    // The same name elsewhere in the container is another file.
    assert.match(chosen(mapFramePath('/var/azureml-app/other/score.py', nested, { exact: true })), /^none/);
    assert.match(chosen(mapFramePath('/tmp/score.py', recorded, { exact: true })), /^none: \/tmp\/score\.py is not under/);
    assert.equal(chosen(mapFramePath('/opt/app/score.py', recorded, { exact: true, remoteRoot: '/opt/app/' })), 'score.py');
  });

  it('Azure places the code folder under /var/azureml-app: the workspace file whose path ends with it wins', () => {
    const candidates = [ws('cli/endpoints/online/onlinescoring/score.py'), ws('other/score.py'), ws('score.py')];
    assert.equal(chosen(mapFramePath('/var/azureml-app/onlinescoring/score.py', candidates)), 'cli/endpoints/online/onlinescoring/score.py');
    // The workspace folder is the code folder itself: its score.py is the tail of the container path.
    assert.equal(chosen(mapFramePath('/var/azureml-app/proj/score.py', [ws('score.py')])), 'score.py');
    // Same file name, different folder: not the same file.
    assert.match(chosen(mapFramePath('/var/azureml-app/onlinescoring/score.py', [ws('other/score.py')])), /^none: no entry script/);
  });

  it('several matches: the one the deployment YAML names, then the entry script the log names, else none', () => {
    const two = [ws('a/score.py'), ws('b/score.py')];
    assert.match(chosen(mapFramePath('/var/azureml-app/score.py', two)), /^none: .*matches 2 entry scripts \(a\/score\.py, b\/score\.py\)/);
    assert.equal(chosen(mapFramePath('/var/azureml-app/score.py', [ws('a/score.py'), ws('b/score.py', true)])), 'b/score.py');
    // The YAML's file wins over a longer shared path elsewhere.
    assert.equal(chosen(mapFramePath('/var/azureml-app/x/score.py', [ws('y/x/score.py'), ws('score.py', true)])), 'score.py');
    assert.equal(chosen(mapFramePath('/var/azureml-app/score.py', two, { entryScript: '/var/azureml-app/b/score.py' })), 'b/score.py');
  });

  it('a pasted log from another machine: its absolute path shares the tail with one workspace file', () => {
    const candidates = [ws('src/score.py'), ws('drafts/score.py')];
    assert.equal(chosen(mapFramePath('C:\\Users\\me\\proj\\src\\score.py', candidates)), 'src/score.py');
    assert.equal(chosen(mapFramePath('/home/ci/build/proj/drafts/score.py', candidates)), 'drafts/score.py');
  });

  it('refuses what is not a plain path: climbing, empty, absurdly long', () => {
    const candidates = [ws('score.py')];
    assert.match(chosen(mapFramePath('/var/azureml-app/../../home/me/proj/score.py', candidates)), /^none: the frame path/);
    assert.match(chosen(mapFramePath('', candidates)), /^none/);
    assert.match(chosen(mapFramePath(`/var/azureml-app/${'a/'.repeat(5000)}score.py`, candidates)), /^none: the frame path/);
  });

  it('whatever the log says, the answer is one of the candidates or none (10,000 generated paths)', () => {
    const rand = rng(11);
    const parts = ['var', 'azureml-app', 'score.py', '..', '.', '', 'src', 'C:', '\\', 'score.py\u0000', 'proj', '%2e%2e', '~', '/'];
    const candidates = [ws('score.py'), ws('src/score.py'), ws('proj/src/score.py', true)];
    const files = new Set(candidates.map((c) => c.file));
    for (let i = 0; i < 10_000; i++) {
      const p = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => parts[Math.floor(rand() * parts.length)]).join(rand() < 0.5 ? '/' : '\\');
      const r = mapFramePath(p, candidates);
      if (r.ok) {
        assert.ok(files.has(r.candidate.file), p);
        assert.ok(!p.split(/[\\/]/).includes('..'), `a climbing path was mapped: ${p}`);
      }
    }
  });
});

describe('runtime findings: the line that raised (unit)', () => {
  it('the frame line when it holds the source line Python printed', () => {
    assert.deepEqual(placeFrame({ line: 6, source: 'weights = np.load(model_path)' }, SCORE), { ok: true, line: 6 });
  });

  it('lines added or removed above since the log: the nearest line holding the statement', () => {
    const edited = ['# a comment', '# another', ...SCORE];
    assert.deepEqual(placeFrame({ line: 6, source: 'weights = np.load(model_path)' }, edited), { ok: true, line: 8 });
    assert.deepEqual(placeFrame({ line: 6, source: 'weights = np.load(model_path)' }, SCORE.slice(2)), { ok: true, line: 4 });
  });

  it('a file that does not hold the statement is not the code that ran: nothing placed', () => {
    const r = placeFrame({ line: 6, source: 'weights = joblib.load(model_path)' }, SCORE);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /not the code that ran/);
  });

  it('without a source line in the log: the line must exist and not be blank', () => {
    assert.deepEqual(placeFrame({ line: 6 }, SCORE), { ok: true, line: 6 });
    assert.equal(placeFrame({ line: 2 }, SCORE).ok, false);
    assert.equal(placeFrame({ line: 99 }, SCORE).ok, false);
    assert.equal(placeFrame({ line: 0 }, SCORE).ok, false);
  });

  it('a statement holding a secret matches the redacted line of the log', () => {
    const lines = ['def init():', '    conn = connect("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abcd1234efgh5678==")'];
    const log = initLog({ line: 2, source: lines[1]!.trim() });
    const e = explainText(log);
    const frame = runtimeSubject(e)!.frame;
    assert.ok(!frame.source!.includes('abcd1234'), `the log engine redacts the source line: ${frame.source}`);
    assert.deepEqual(placeFrame(frame, lines), { ok: true, line: 2 });
  });
});

describe('runtime findings: what a log says (unit)', () => {
  it('a traceback through score.py in init(): the entry frame, the diagnosis and the exception as message', () => {
    const s = runtimeSubject(explainText(initLog()))!;
    assert.ok(s);
    assert.equal(s.frame.path, '/var/azureml-app/score.py');
    assert.equal(s.frame.line, 20);
    assert.equal(s.frame.function, 'init');
    assert.equal(s.finding.category, 'model_not_found');
    assert.match(s.message, /^The model could not be found.*: FileNotFoundError: \[Errno 2\] No such file or directory/);
    assert.equal(s.logLine, 3);
  });

  it('no entry-script frame, or no failure: no runtime finding', () => {
    assert.equal(runtimeSubject(explainText('Booting worker with pid: 10\n"GET / HTTP/1.1" 200 7')), undefined);
    const libraryOnly = ['Traceback (most recent call last):', '  File "/usr/lib/python3/dist-packages/flask/app.py", line 10, in run', '    x()', 'ValueError: bad'].join('\n');
    assert.equal(runtimeSubject(explainText(libraryOnly)), undefined);
  });

  it('a log read again or growing keeps its key; another traceback, or the same one elsewhere, changes it', () => {
    const once = runtimeSubject(explainText(initLog()))!;
    assert.equal(runtimeSubject(explainText(initLog()))!.key, once.key);
    // The worker tried again and raised the same: the same diagnosis of the same log.
    assert.equal(runtimeSubject(explainText(`${initLog()}\n${initLog()}`))!.key, once.key);
    assert.notEqual(runtimeSubject(explainText(initLog({ line: 21, source: 'model = weights' })))!.key, once.key);
    assert.notEqual(runtimeSubject(explainText(`Booting worker with pid: 10\n${initLog()}`))!.key, once.key, 'a new run: the traceback starts elsewhere');
  });

  it('the message is one short line: control characters gone, secrets redacted, clipped', () => {
    const m = runtimeMessage({ title: 'init() raised', exception: { type: 'ValueError', message: `token=\u001b[31mabc\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl ${'x'.repeat(2000)}` } });
    assert.ok(m.length <= 300, `${m.length}`);
    assert.ok(!/[\u0000-\u001f]/.test(m));
    assert.ok(!m.includes('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0'), m);
    assert.match(m, /^init\(\) raised: ValueError: token=abc Authorization: /);
  });
});

describe('runtime findings follow the text (unit)', () => {
  const span: LineSpan = lineSpan(5, '    weights = np.load(model_path)'); // line 6 of SCORE, 0-based 5
  const edit = (startLine: number, startCol: number, endLine: number, endCol: number, text: string): TextEdit => ({ startLine, startCol, endLine, endCol, text });

  it('the span is the statement, from its first character to the end of the line', () => {
    assert.deepEqual(span, { line: 5, startCol: 4, endCol: 33 });
  });

  it('an edit on the line clears it: typing in it, at its end, replacing it, deleting it', () => {
    assert.equal(shiftSpan(span, edit(5, 10, 5, 10, 'x')), undefined);
    assert.equal(shiftSpan(span, edit(5, 33, 5, 33, '  # fixed')), undefined);
    assert.equal(shiftSpan(span, edit(5, 4, 5, 33, 'weights = np.load("w.npz")')), undefined);
    assert.equal(shiftSpan(span, edit(4, 0, 6, 0, '')), undefined);
    assert.equal(shiftSpan(span, edit(5, 4, 5, 4, 'x')), undefined, 'typing in front of the statement edits it');
  });

  it('edits elsewhere leave it or move it with the text', () => {
    assert.deepEqual(shiftSpan(span, edit(6, 0, 6, 0, 'print(1)\n')), span, 'after it');
    assert.deepEqual(shiftSpan(span, edit(1, 0, 1, 0, '# one\n# two\n')), { ...span, line: 7 }, 'two lines inserted above');
    assert.deepEqual(shiftSpan(span, edit(1, 0, 3, 0, '')), { ...span, line: 3 }, 'two lines deleted above');
    assert.deepEqual(shiftSpan(span, edit(5, 4, 5, 4, '\n    ')), { line: 6, startCol: 4, endCol: 33 }, 'Enter in front of it (auto-indent)');
    assert.deepEqual(shiftSpan(span, edit(5, 0, 5, 0, '  ')), { line: 5, startCol: 6, endCol: 35 }, 'indentation added');
    const top = lineSpan(3, 'raise ValueError("x")');
    assert.deepEqual(shiftSpan(top, edit(2, 0, 3, 0, '')), { ...top, line: 2 }, 'the line above a top-level statement deleted');
    assert.deepEqual(shiftSpan(top, edit(3, 0, 3, 0, '\n')), { ...top, line: 4 }, 'Enter at the start of a top-level statement');
  });
});
