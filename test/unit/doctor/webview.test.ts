// The Run Doctor report page (media/doctor/main.js, as shipped) in a DOM without a browser (linkedom), with the
// words the extension hands it (views/doctorPageStrings.ts) from the real bundles: in zh-TW every word of the page
// itself is Traditional Chinese, in English it reads as before; the report's own text is shown as it comes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as vm from 'node:vm';
import * as l10n from '../../../src/common/l10n';
import { runDoctor } from '../../../src/doctor/engine';
import { readTarget } from '../../../src/doctor/project';
import type { DoctorReport } from '../../../src/doctor/report';
import { doctorPageStringsJson } from '../../../src/views/doctorPageStrings';
import { HEALTHY_CONDA, writeProject } from '../../helpers/doctorProjects';

// linkedom is an ES module: loaded once before the tests.
let parseHTML: (html: string) => { document: Document };

const SCRIPT = readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'doctor', 'main.js'), 'utf8');
const HAN = /\p{Script=Han}/u;

/** The page as doctorPanel.ts writes it: the toolbar, the header, the steps and the strings' JSON element. */
function page(stringsJson: string) {
  const { document } = parseHTML(`<!DOCTYPE html><html><body data-state="running">
<div class="toolbar" role="toolbar"><button id="copy" type="button" disabled></button><button id="rerun" class="secondary" type="button" disabled></button></div>
<section id="header" class="header outcome-running" aria-live="polite"></section>
<ol id="steps" class="steps"></ol>
<script type="application/json" id="strings">${stringsJson}</script></body></html>`);
  let onMessage: ((e: { data: unknown }) => void) | undefined;
  const context = vm.createContext({
    document,
    window: { addEventListener: (type: string, fn: (e: { data: unknown }) => void) => type === 'message' && (onMessage = fn) },
    acquireVsCodeApi: () => ({ postMessage: () => undefined }),
  });
  vm.runInContext(SCRIPT, context);
  const texts = (selector: string) => Array.from(document.querySelectorAll(selector)).map((e) => e.textContent ?? '');
  return { document, texts, show: (report: unknown, running = false) => onMessage!({ data: { type: 'report', report, running } }) };
}

/** The words the page itself writes (badges, labels, verdict, buttons, table heads...), not the report's text. */
const CHROME = ['#copy', '#rerun', '.verdict', '.badge', '.label', '.time', 'a.docs', '.notes > summary', 'th', 'p.restricted', '#header h1'];

describe('Run Doctor report page (unit, linkedom, real bundles)', () => {
  const dirs: string[] = [];
  let report: DoctorReport;
  before(async () => {
    parseHTML = ((await import('linkedom')) as unknown as { parseHTML: typeof parseHTML }).parseHTML;
  });
  after(() => {
    l10n.useLocale('en');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A static run (as in Restricted Mode) whose step 2 fails: evidence, fixes, a guide link and skipped steps. */
  const failingReport = async (): Promise<DoctorReport> => {
    const yml = writeProject({ conda: HEALTHY_CONDA.replace('      - azureml-defaults>=1.0.45\n', '      - inference-schema\n') });
    dirs.push(path.dirname(yml));
    return runDoctor(await readTarget(yml, { baseImage: 'test-image:1' }), {}, { mode: 'static' });
  };

  it('zh-tw: the page before a report, the report, the running state: every word of the page is Traditional Chinese', async () => {
    l10n.useLocale('zh-tw');
    report = await failingReport();
    const p = page(doctorPageStringsJson());
    assert.deepEqual([p.texts('#copy')[0], p.texts('#rerun')[0], p.texts('#header h1')[0], p.texts('.verdict')[0]], ['複製為 Markdown', '再次執行', '執行 Doctor', '正在啟動…']);

    p.show({ ...report, steps: report.steps.map((s, i) => (i < 2 ? s : { ...s, status: i === 2 ? 'running' : 'pending', summary: '' })) }, true);
    assert.equal(p.texts('.verdict')[0], '正在執行…');
    assert.deepEqual(p.texts('.badge').slice(2, 4), ['執行中…', '等候中']);

    p.show(report);
    assert.equal(p.texts('#header h1')[0], `執行 Doctor: ${report.target.name}`);
    assert.equal(p.texts('.verdict')[0], '步驟 2 (環境) 失敗。');
    assert.deepEqual(p.texts('.badge'), ['通過', '失敗', '通過', '已略過', '已略過', '已略過', '已略過', '已略過']);
    assert.deepEqual(p.texts('.step .title').slice(0, 4), ['1. 輸入指令碼', '2. 環境', '3. 模型', '4. 映像']);
    assert.deepEqual(p.texts('.label'), ['證據', '修正方式']);
    assert.deepEqual(p.texts('a.docs'), ['疑難排解指南']);
    assert.match(p.texts('p.where')[0]!, /^位置：conda\.yml:4$/);
    assert.match(p.texts('p.restricted')[0]!, /^受限模式：只執行了靜態步驟/);
    assert.match(p.texts('.meta')[0]!, /^部署 YAML · deployment\.yml · 映像 test-image:1 · [\d.]+ 秒$/);
    for (const selector of CHROME) for (const text of p.texts(selector)) assert.ok(!text.trim() || HAN.test(text) || /^[\d.]+ 秒$/.test(text), `${selector}: "${text}" is not translated`);
    // The report's own text is shown as the engine wrote it (in the same language).
    assert.equal(p.texts('.step .summary')[3], report.steps[3]!.summary);
    assert.match(report.steps[3]!.summary, HAN);
  });

  it('English by default: the page reads as it always did', async () => {
    l10n.useLocale('en');
    const en = await failingReport();
    const p = page(doctorPageStringsJson());
    assert.deepEqual([p.texts('#copy')[0], p.texts('#rerun')[0], p.texts('.verdict')[0]], ['Copy as Markdown', 'Run Again', 'Starting…']);
    p.show(en);
    assert.equal(p.texts('.verdict')[0], 'Step 2 (Environment) failed.');
    assert.deepEqual(p.texts('.badge').slice(0, 4), ['passed', 'failed', 'passed', 'skipped']);
    assert.deepEqual(p.texts('.label'), ['Evidence', 'Fix']);
    assert.deepEqual(p.texts('a.docs'), ['Troubleshooting guide']);
    assert.match(p.texts('.meta')[0]!, /^deployment YAML · deployment\.yml · image test-image:1 · [\d.]+ s$/);
    for (const selector of CHROME) for (const text of p.texts(selector)) assert.ok(!HAN.test(text), `${selector}: "${text}"`);
  });

  it('the strings element cannot be ended by a text in it: "<" is escaped, the page still reads the text', () => {
    const attack = '</script><img src=x onerror=alert(1)>';
    l10n.useBundle({ 'Copy as Markdown': attack, 'Run Again': '{0}' }, 'xx');
    try {
      const json = doctorPageStringsJson();
      assert.ok(!json.includes('<'), json.slice(0, 200));
      const p = page(json);
      assert.equal(p.texts('#copy')[0], attack, 'shown as text');
      assert.equal(p.document.querySelectorAll('img').length, 0, 'never parsed as HTML');
    } finally {
      l10n.useLocale('en');
    }
  });
});
