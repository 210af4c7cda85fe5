// Log diagnoses in the user's language: English is the source, Traditional Chinese (zh-tw) comes from
// l10n/bundle.l10n.zh-tw.json. The catalogue is module data, loaded before the locale is chosen (the CLI and the
// language server choose it after start-up), so each text must be translated when a diagnosis is made. Ids,
// categories and phases stay as they are in every language; the log text (evidence, exceptions) is never translated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import * as l10n from '../../../src/common/l10n';
import { BUILD_SIGNATURES } from '../../../src/logs/buildSignatures';
import { COLLECT, IMAGE_BUILT, NO_FAILURE, SIGNATURES, UNRECOGNISED } from '../../../src/logs/catalogue';
import { LogClassifier, explainText } from '../../../src/logs/classifier';
import { diagnoseException, diagnoseTraceback, type Diagnosis } from '../../../src/logs/exceptions';
import { phaseLabel, reportText } from '../../../src/logs/report';
import { runtimeMessage } from '../../../src/logs/runtimeFindings';
import { PHASES, type Finding, type LogLine, type Phase, type Traceback } from '../../../src/logs/types';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'logs');
const ZH = JSON.parse(readFileSync(path.join(REPO, 'l10n', 'bundle.l10n.zh-tw.json'), 'utf8')) as Record<string, string>;
const HAN = /\p{Script=Han}/u;
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** Every text of a diagnosis a user reads (title, explanation, each fix, what to collect). */
function texts(f: Pick<Finding, 'title' | 'explanation' | 'fix' | 'collect'>): string[] {
  return [f.title, f.explanation, ...f.fix, ...(f.collect ?? []).map((c) => c.what)];
}

function assertChinese(where: string, f: Pick<Finding, 'title' | 'explanation' | 'fix' | 'collect'>) {
  for (const t of texts(f)) assert.match(t, HAN, `${where}: left in English: ${JSON.stringify(t)}`);
}

function assertEnglish(where: string, f: Pick<Finding, 'title' | 'explanation' | 'fix' | 'collect'>) {
  for (const t of texts(f)) assert.doesNotMatch(t, HAN, `${where}: ${JSON.stringify(t)}`);
}

/** Exceptions of every family, and ones that say nothing by themselves (their phase names the cause). */
const EXCEPTIONS = [
  { type: 'ModuleNotFoundError', message: "No module named 'sklearn'" },
  { type: 'ModuleNotFoundError', message: "No module named 'score'" },
  { type: 'MemoryError', message: 'Unable to allocate 3.2 GiB for an array' },
  { type: 'RuntimeError', message: 'Found no NVIDIA driver on your system.' },
  { type: 'AttributeError', message: "module 'score' has no attribute 'run'" },
  { type: 'FileNotFoundError', message: "[Errno 2] No such file or directory: '/var/azureml-app/azureml-models/churn/1/model.pkl'" },
  { type: 'TypeError', message: 'Object of type ndarray is not JSON serializable' },
  { type: 'ClientAuthenticationError', message: 'AuthorizationPermissionMismatch' },
  { type: 'ValueError', message: 'weights.npz is truncated' },
];

describe('log diagnoses in zh-tw and English (unit)', () => {
  after(() => l10n.useLocale('en'));

  it('explains a fixture log in Traditional Chinese with zh-tw, in English by default; ids, categories and log text stay', () => {
    const log = fixture('init-exception.log');
    l10n.useLocale('en');
    const en = explainText(log);
    assert.equal(en.primary.title, 'init() raised an exception');
    assertEnglish('English primary', en.primary);
    assert.match(reportText(en, 'init-exception.log'), /\[init_exception\]\nConfidence: high \(0\.\d\d\)\n[\s\S]*\nFix:\n  1\. Open the frame shown under Where/);

    assert.equal(l10n.useLocale('zh-tw').locale, 'zh-tw');
    const zh = explainText(log);
    assert.equal(zh.primary.id, en.primary.id);
    assert.equal(zh.primary.category, 'init_exception');
    assert.equal(zh.primary.phase, 'init');
    assert.equal(zh.primary.title, 'init() 擲回例外狀況');
    assert.equal(zh.primary.explanation, ZH[en.primary.explanation]);
    assert.deepEqual(zh.primary.fix, en.primary.fix.map((f) => ZH[f]));
    assertChinese('zh-tw primary', zh.primary);
    for (const f of zh.findings) assertChinese(`zh-tw finding ${f.id}`, f);
    for (const n of zh.noise) assert.match(n.title, HAN, n.id);
    // What the log says is the log's: evidence and the exception are not translated.
    assert.deepEqual(zh.primary.evidence, en.primary.evidence);
    assert.deepEqual(zh.primary.exception, en.primary.exception);
    const report = reportText(zh, 'init-exception.log');
    assert.match(report, /^init-exception\.log: init\(\) 擲回例外狀況 \[init_exception\]\n信賴度：高 \(0\.\d\d\)\n/);
    assert.match(report, /\n階段：init\(\)\n例外狀況：ValueError: weights\.npz is truncated/);
    assert.match(report, /\n證據：\n  第 21 行：ValueError: weights\.npz/);
    assert.match(report, /\n修正方式：\n  1\. 開啟「位置」下顯示的框架/);
    assert.match(report, /\n已讀取 24 行。\n$/);
    assert.match(runtimeMessage(zh.primary), /^init\(\) 擲回例外狀況：ValueError: weights\.npz is truncated/);
  });

  it('translates when the diagnosis is made, not when the catalogue was loaded or the lines were read', () => {
    // Signatures, a traceback, exception lines outside a traceback: all read in English, explained in zh-tw.
    const logs = [fixture('oom-reboot-loop.log'), fixture('init-exception.log'), fixture('missing-dependency.log'), "ModuleNotFoundError: No module named 'sklearn'\n".repeat(50)];
    for (const log of logs) {
      l10n.useLocale('en');
      const c = new LogClassifier();
      c.push(log);
      const en = c.explain();
      l10n.useLocale('zh-tw');
      const zh = c.explain();
      assert.equal(zh.primary.id, en.primary.id);
      assert.equal(zh.primary.title, ZH[en.primary.title] ?? zh.primary.title, en.primary.title);
      assertChinese(`same classifier after the switch (${en.primary.id})`, zh.primary);
      for (const f of zh.findings) assertChinese(`same classifier after the switch (${f.id})`, f);
      l10n.useLocale('en');
      assert.equal(c.end().primary.title, en.primary.title);
    }
  });

  it('every signature of the catalogue and of image builds, and every honest answer, has its zh-tw text', () => {
    l10n.useLocale('zh-tw');
    const zh = [...SIGNATURES, ...BUILD_SIGNATURES].map((s) => ({ id: s.id, title: s.title, explanation: s.explanation, fix: s.fix, collect: s.collect }));
    for (const s of zh) assertChinese(s.id, s);
    for (const answer of [UNRECOGNISED, NO_FAILURE]) assertChinese(answer.id, { ...answer, fix: [...answer.fix] });
    assertChinese(IMAGE_BUILT.id, { ...IMAGE_BUILT, fix: [] });
    for (const [name, step] of Object.entries(COLLECT)) assert.match(step.what, HAN, name);
    for (const phase of PHASES) if (phase !== 'init') assert.match(phaseLabel(phase), HAN, phase);
    l10n.useLocale('en');
    const en = [...SIGNATURES, ...BUILD_SIGNATURES];
    en.forEach((s, i) => {
      assertEnglish(s.id, s);
      // The same text, by key: zh-tw is the English text's translation, not another signature's.
      assert.equal(zh[i]!.title, ZH[s.title], s.id);
      assert.deepEqual(zh[i]!.fix, s.fix.map((f) => ZH[f]), s.id);
    });
  });

  it('every exception family and every phase gives its diagnosis in zh-tw, with the phase in the title', () => {
    const seen = new Map<string, Diagnosis>();
    const diagnose = () => {
      const out: Diagnosis[] = [];
      for (const exception of EXCEPTIONS) {
        for (const phase of [undefined, ...PHASES] as (Phase | undefined)[]) {
          const tb: Traceback = { frames: [], truncated: false, line: 1, endLine: 3, exception, ...(phase ? { phase } : {}) };
          for (const d of [diagnoseTraceback(tb, {}), diagnoseTraceback({ ...tb, exception: undefined, truncated: true }, {}), diagnoseException(exception, phase, {})]) if (d) out.push(d);
        }
      }
      return out;
    };
    l10n.useLocale('zh-tw');
    const zh = diagnose();
    for (const d of zh) {
      assertChinese(`${d.id} (${d.phase ?? 'no phase'})`, d);
      seen.set(d.id, d);
    }
    assert.deepEqual([...seen.keys()].sort(), [
      'entry-import-exception',
      'entry-script-not-found',
      'gpu-unavailable',
      'image-build-exception',
      'init-exception-traceback',
      'missing-dependency',
      'missing-function',
      'model-not-found',
      'oom-exception',
      'return-not-serializable',
      'run-exception-traceback',
      'server-start-failure',
      'storage-permission',
      'unexplained-exception',
    ]);
    const oomInInit = zh.find((d) => d.id === 'oom-exception' && d.phase === 'init')!;
    assert.equal(oomInInit.title, '處理序記憶體不足（在 init() 中）');
    assert.equal(zh.find((d) => d.id === 'unexplained-exception')!.title, '擲回了例外狀況 (ValueError)');
    l10n.useLocale('en');
    const en = diagnose();
    assert.equal(en.length, zh.length);
    en.forEach((d, i) => {
      assertEnglish(d.id, d);
      assert.equal(zh[i]!.id, d.id);
      assert.equal(zh[i]!.category, d.category);
    });
    assert.equal(en.find((d) => d.id === 'oom-exception' && d.phase === 'init')!.title, 'The process ran out of memory (in init())');
  });

  it('the honest answers (no failure, unrecognised, image built) and the notes the classifier adds are translated', () => {
    l10n.useLocale('zh-tw');
    const lines: LogLine[] = [];
    const cut = new LogClassifier({ maxLineBytes: 256, onLine: (l) => lines.push(l) });
    cut.push('x'.repeat(1000) + '\n');
    cut.end();
    assert.equal(lines[0]!.text, `${'x'.repeat(256)} … [此行已截斷：太長，其餘部分已略過]`);
    const none = explainText('all good\nnothing to see\n');
    assert.equal(none.primary.category, 'no_failure');
    assert.equal(none.primary.title, '這段文字中沒有失敗');
    assert.match(none.primary.explanation, /。它看起來不像部署記錄。$/);
    assertChinese('no failure', none.primary);
    const built = explainText('Step 1/2 : FROM python:3.11\nERROR: pip is being weird\nStep 2/2 : RUN true\nSuccessfully built 0123456789ab\nSuccessfully tagged scoring:1\n');
    assert.equal(built.primary.id, 'image-built');
    assertChinese('image built', built.primary);
    // Two sentences of Chinese: no space between them.
    assert.match(built.primary.explanation, /（請看它們的記錄）。過程中有一行看起來像錯誤（第 2 行），但建置越過它繼續進行。$/);
    const both = explainText('Failed to pull image: ImagePullBackOff\nstorage-initializer: Model download failed: AuthorizationPermissionMismatch 403\n');
    const pull = both.findings.find((f) => f.id === 'acr-pull-denied')!;
    assert.match(pull.explanation, /映像提取和模型下載都失敗了/);
    assertChinese('pull + download', pull);
  });
});
