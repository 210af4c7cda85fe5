// The log panel's webview script (media/logPanel/main.js, as shipped) in a DOM without a browser (linkedom):
// a live feed of thousands of groups of harmless lines must stay within the row and character limits (a
// collapsed noise group is one DOM element but may hold any number of rows, issue 12 item 7), and the
// diagnosis card shows what the diagnosis rests on (issue 11).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as vm from 'node:vm';
import { explainText } from '../../../src/logs/classifier';

// linkedom is an ES module: loaded once before the tests.
let parseHTML: (html: string) => { document: Document };

const SCRIPT = readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'logPanel', 'main.js'), 'utf8');

interface Line {
  n: number;
  text: string;
  severity: string;
  noise?: boolean;
}

/** The page; `strings`: the translation table the host puts on <body data-l10n> (none: English). */
function webview(strings?: Record<string, unknown>) {
  const l10nAttr = strings ? ` data-l10n="${JSON.stringify(strings).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"` : '';
  const { document } = parseHTML(`<!DOCTYPE html><html><body${l10nAttr}>
    <section id="card"></section><input id="filter"><input id="follow" type="checkbox" checked>
    <button id="pause"></button><button id="copy"></button><span id="status"></span><main id="log"></main></body></html>`);
  const posted: unknown[] = [];
  let onMessage: ((e: { data: unknown }) => void) | undefined;
  const context = vm.createContext({
    document,
    window: { addEventListener: (type: string, fn: (e: { data: unknown }) => void) => type === 'message' && (onMessage = fn) },
    acquireVsCodeApi: () => ({ postMessage: (m: unknown) => posted.push(m) }),
    setTimeout,
    clearTimeout,
  });
  vm.runInContext(SCRIPT, context);
  const log = document.getElementById('log')!;
  const card = document.getElementById('card')!;
  return {
    card: () => ({ text: card.textContent ?? '', className: card.className, html: card.innerHTML }),
    send: (data: unknown) => onMessage!({ data }),
    rows: () => log.querySelectorAll('.row').length,
    // Log text only: a row is its line number (span.n) and the text.
    chars: () => Array.from(log.querySelectorAll('.row')).reduce((s, r) => s + r.textContent!.length - r.firstChild!.textContent!.length, 0),
    groups: () => Array.from(log.querySelectorAll('details.noise')) as HTMLElement[],
    lastRowText: () => (log.querySelectorAll('.row')[log.querySelectorAll('.row').length - 1] as HTMLElement).textContent,
    posted,
  };
}

function feed(groups: number, perGroup: number, width = 40): Line[][] {
  const batches: Line[][] = [];
  let n = 0;
  for (let g = 0; g < groups; g++) {
    const batch: Line[] = [];
    for (let k = 0; k < perGroup; k++) batch.push({ n: ++n, text: `SPARK_HOME not set ${g}.${k} `.padEnd(width, '.'), severity: 'info', noise: true });
    batch.push({ n: ++n, text: `[ERROR] request ${g} failed`, severity: 'error' });
    batches.push(batch);
  }
  return batches;
}

describe('log panel webview rows (unit, linkedom)', () => {
  before(async () => {
    ({ parseHTML } = (await import('linkedom')) as unknown as { parseHTML: typeof parseHTML });
  });

  it('counts the rows inside noise groups against the row limit during a live feed', () => {
    const w = webview();
    assert.deepEqual(JSON.parse(JSON.stringify(w.posted)), [{ type: 'ready' }]);
    w.send({ type: 'reset', lines: [], filter: '', live: true, title: 't', limits: { rows: 500, chars: 1_000_000 } });
    // 300 flushes of 30 harmless lines and one error each: 9,300 rows in 600 top-level elements.
    for (const batch of feed(300, 30)) w.send({ type: 'lines', lines: batch });
    assert.ok(w.rows() <= 500, `${w.rows()} rows in the DOM`);
    assert.ok(w.rows() >= 490, `${w.rows()} rows: the newest are kept`);
    assert.equal(w.lastRowText(), '9300[ERROR] request 299 failed');
    // Each group's summary counts the rows it still holds.
    for (const g of w.groups()) {
      const held = g.querySelectorAll('.row').length;
      assert.ok(held > 0);
      assert.equal(g.querySelector('summary')!.textContent, `${held} harmless line${held === 1 ? '' : 's'} (noise, not the cause)`);
    }
  });

  it('keeps the characters of log text in the DOM within the limit', () => {
    const w = webview();
    w.send({ type: 'reset', lines: [], filter: '', live: true, title: 't', limits: { rows: 5000, chars: 200_000 } });
    for (const batch of feed(100, 10, 1000)) w.send({ type: 'lines', lines: batch });
    assert.ok(w.chars() <= 200_000, `${w.chars()} characters in the DOM`);
    assert.ok(w.chars() > 150_000, 'the newest rows fill the budget');
    assert.match(w.lastRowText()!, /request 99 failed/);
  });

  it('one huge group is trimmed row by row, not dropped whole', () => {
    const w = webview();
    w.send({ type: 'reset', lines: [], filter: '', live: true, title: 't', limits: { rows: 200, chars: 1_000_000 } });
    w.send({ type: 'lines', lines: feed(1, 1000)[0]!.slice(0, 1000) });
    assert.equal(w.rows(), 200);
    assert.equal(w.groups().length, 1);
    assert.equal(w.groups()[0]!.querySelector('summary')!.textContent, '200 harmless lines (noise, not the cause)');
  });
});

describe('log panel diagnosis card (unit, linkedom)', () => {
  before(async () => {
    ({ parseHTML } = (await import('linkedom')) as unknown as { parseHTML: typeof parseHTML });
  });

  const show = (log: string) => {
    const w = webview();
    // As the panel posts it: JSON through postMessage.
    w.send({ type: 'diagnosis', explanation: JSON.parse(JSON.stringify(explainText(log))) });
    return w.card();
  };

  it('shows the confidence, the phase, the exception and where in the entry script', () => {
    const c = show(
      [
        'Traceback (most recent call last):',
        '  File "/azureml-envs/e/lib/python3.10/site-packages/azureml_inference_server_http/server/user_script.py", line 117, in invoke_init',
        '    self._user_init()',
        '  File "/var/azureml-app/src/score.py", line 14, in init',
        '    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))',
        "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/churn/3/model.pkl'",
      ].join('\n'),
    );
    assert.match(c.className, /sev-failure/);
    assert.match(c.text, /model_not_found/);
    assert.match(c.text, /high confidence \(0\.\d\d\)/);
    assert.match(c.text, /Phase: init\(\)/);
    assert.match(c.text, /Exception: FileNotFoundError: \[Errno 2\]/);
    assert.match(c.text, /Where: \/var\/azureml-app\/src\/score\.py, line 14 in init\(\)/);
    assert.match(c.text, /model = joblib\.load/);
    assert.match(c.text, /Evidence:line 6: FileNotFoundError/);
  });

  it('says "no failure in this text" with what to collect next', () => {
    const c = show('Booting worker with pid: 9\n127.0.0.1 - - [02/Mar/2026:09:00:00 +0000] "GET / HTTP/1.0" 200 7');
    assert.match(c.className, /sev-none/);
    assert.match(c.text, /No failure in this text/);
    assert.match(c.text, /low confidence|medium confidence/);
    assert.match(c.text, /Collect next:/);
    assert.match(c.text, /az ml online-deployment get-logs .*--container storage-initializer/);
  });
});

describe('log panel page in Traditional Chinese (unit, linkedom)', () => {
  before(async () => {
    ({ parseHTML } = (await import('linkedom')) as unknown as { parseHTML: typeof parseHTML });
  });

  it('shows its labels, phases, confidence, noise groups and status from the table the host hands over (the zh-tw bundle)', () => {
    // What the host sends is vscode.l10n.t of each English text: with the zh-tw bundle, the bundle's entries.
    const zh = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'l10n', 'bundle.l10n.zh-tw.json'), 'utf8')) as Record<string, string>;
    const w = webview(zh);
    w.send({ type: 'reset', lines: [], filter: '', live: false, title: 't', limits: { rows: 500, chars: 1_000_000 } });
    w.send({ type: 'lines', lines: feed(1, 3)[0] });
    w.send({ type: 'status', state: 'ended', text: zh['End of log'], lines: 4, kept: 4, dropped: 0 });
    const log = ['Traceback (most recent call last):', '  File "/var/azureml-app/score.py", line 9, in init', '    model = load()', 'ValueError: weights.npz is truncated'].join('\n');
    w.send({ type: 'diagnosis', explanation: JSON.parse(JSON.stringify(explainText(log))) });
    const c = w.card();
    assert.match(c.text, /高信賴度 \(0\.\d\d\)|中信賴度 \(0\.\d\d\)/);
    assert.match(c.text, /階段: init\(\)/);
    assert.match(c.text, /例外狀況: ValueError: weights\.npz is truncated/);
    assert.match(c.text, /位置: \/var\/azureml-app\/score\.py，第 9 行，位於 init\(\)/);
    assert.match(c.text, /疑難排解指南/);
    // The page's own labels (the diagnosis's title, explanation and fixes come from src/logs, translated there).
    assert.doesNotMatch(c.text, /confidence \(|Phase:|Exception:|Where:|Evidence:|Fix:|Troubleshooting guide/);
    assert.equal(w.groups()[0]!.querySelector('summary')!.textContent, '3 行無害內容 (雜訊，不是原因)');
  });
});
