// The language server speaks the client's display language: LSP's initialize `locale` (vscode-languageclient sends
// vscode.env.language) chooses l10n/bundle.l10n.<locale>.json for everything it translates.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CodeAction } from 'vscode-languageserver-protocol';
import * as l10n from '../../src/common/l10n';
import { startLspPair } from '../helpers/lspPair';

describe('language server locale (in-process, real LSP wire format)', () => {
  after(() => l10n.useLocale('en'));

  it('a zh-tw client gets the zh-tw bundle; an en client, or one that sends no locale, gets English', async () => {
    const zh = await startLspPair({ locale: 'zh-tw', initializationOptions: { scanWorkspace: false } });
    try {
      assert.equal(l10n.currentLocale(), 'zh-tw');
      assert.match(l10n.t('unknown option {0}', '-x'), /^未知的選項 -x$/);
    } finally {
      zh.dispose();
    }
    for (const locale of ['en', undefined, '../../../etc/passwd']) {
      const pair = await startLspPair({ locale, initializationOptions: { scanWorkspace: false } });
      try {
        assert.equal(l10n.currentLocale(), 'en', `locale ${locale}`);
        assert.equal(l10n.t('unknown option {0}', '-x'), 'unknown option -x');
      } finally {
        pair.dispose();
      }
    }
  });

  it('diagnostics and quick-fix titles come out in Traditional Chinese for a zh-tw client, in English by default', async () => {
    // init() assigns model without `global`: an error with a quick fix; run() reads it.
    const text = ['import joblib', '', 'model = None', '', 'def init():', '    model = joblib.load("m.pkl")', '', 'def run(raw_data):', '    try:', '        return {"y": model.predict(raw_data).tolist()}', '    except Exception:', '        return {"error": "failed"}', ''].join('\n');
    const uri = 'file:///ws/score.py';
    const expected = [
      { locale: 'zh-tw', message: /^init\(\) 將 model 指派為區域變數 \(沒有「global model」\)，因此 run\(\) 讀取的是模組層級的 model/, title: '在 init() 中新增「global model」' },
      { locale: undefined, message: /^init\(\) assigns model as a local variable \(no "global model"\), so run\(\) reads the module-level model/, title: 'Add "global model" to init()' },
    ];
    for (const { locale, message, title } of expected) {
      const lsp = await startLspPair({ locale, debounceMs: 10, rootUri: 'file:///ws', initializationOptions: { scanWorkspace: false } });
      try {
        const pending = lsp.nextDiagnostics(uri);
        await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
        const { diagnostics } = await pending;
        const diag = diagnostics.find((d) => d.code === 'global-missing');
        assert.ok(diag, `locale ${locale}: ${JSON.stringify(diagnostics)}`);
        const shown = String(diag.message); // this server publishes plain text
        assert.match(shown, message);
        assert.equal(/\p{Script=Han}/u.test(shown), locale === 'zh-tw', shown);
        // Source and code stay as they are: the Problems panel filters and the docs link by them.
        assert.equal(diag.source, 'AML Deploy Doctor');
        const actions = (await lsp.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag], only: ['quickfix'] } })) as CodeAction[];
        assert.deepEqual(actions.map((a) => a.title), [title]);
      } finally {
        lsp.dispose();
      }
    }
  });
});
