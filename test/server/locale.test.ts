// The language server speaks the client's display language: LSP's initialize `locale` (vscode-languageclient sends
// vscode.env.language) chooses l10n/bundle.l10n.<locale>.json for everything it translates.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
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
});
