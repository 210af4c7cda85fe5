import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLspPair, type LspPair } from '../helpers/lspPair';

describe('language server diagnostics (in-process LSP)', () => {
  let lsp: LspPair;
  before(async () => {
    lsp = await startLspPair({ debounceMs: 20, rootUri: 'file:///ws' });
  });
  after(() => lsp.dispose());

  it('publishes missing-run on didOpen of a score.py', async () => {
    const uri = 'file:///ws/score.py';
    const pending = lsp.nextDiagnostics(uri);
    await lsp.client.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'python', version: 1, text: 'def init():\n    pass\n' },
    });
    const d = await pending;
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-run']);
    assert.equal(d.diagnostics[0]!.source, 'AML Deploy Doctor');
    assert.equal(d.version, 1);
  });

  it('applies incremental edits and clears the diagnostic when run() is typed', async () => {
    const uri = 'file:///ws/score.py';
    const pending = lsp.nextDiagnostics(uri);
    await lsp.client.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\ndef run(data):\n    return 1\n' }],
    });
    const d = await pending;
    assert.equal(d.version, 2);
    assert.deepEqual(d.diagnostics, []);
  });

  it('publishes for the latest version only after a burst of edits', async () => {
    // A debounce of its own, long enough that a busy machine's pauses between two sends never end the burst
    // (with 20 ms, a 20 ms stall while sending was enough for a publish in the middle).
    const burst = await startLspPair({ debounceMs: 1000, rootUri: 'file:///ws' });
    try {
      const uri = 'file:///ws/score_burst.py';
      const first = burst.nextDiagnostics(uri);
      await burst.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: '' } });
      await first;
      const before = burst.all.length;
      const last = burst.nextDiagnostics(uri);
      for (let v = 2; v <= 30; v++) {
        await burst.client.sendNotification('textDocument/didChange', {
          textDocument: { uri, version: v },
          contentChanges: [{ text: v < 30 ? `def init():\n    x = ${v}\n` : 'def init():\n    pass\ndef run(d):\n    return d\n' }],
        });
      }
      const d = await last;
      assert.equal(d.version, 30);
      assert.deepEqual(d.diagnostics, []);
      assert.equal(burst.all.length - before, 1, 'one publish for the whole burst');
    } finally {
      burst.dispose();
    }
  });

  it('ignores Python files that are not entry scripts', async () => {
    const uri = 'file:///ws/utils/helpers.py';
    const other = 'file:///ws/score_other.py';
    const pending = lsp.nextDiagnostics(other);
    await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: 'x = 1\n' } });
    await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'python', version: 1, text: 'x = 1\n' } });
    await pending; // the entry script's publish arrives; the helper module never gets one
    assert.equal(lsp.all.some((p) => p.uri === uri), false);
  });
});
