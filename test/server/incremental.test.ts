// Incremental sync + incremental parsing: after many random range edits (several per notification, some
// multi-line, some non-ASCII), the server's diagnostics equal a fresh analysis of the same final text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeScoringScript } from '../../src/analysis/analyze';
import { startLspPair, type LspPair } from '../helpers/lspPair';

const START = [
  'import json, logging',
  'import joblib',
  'model = None',
  'def init():',
  '    model = joblib.load("m.pkl")',
  'def run(raw_data):',
  '    data = json.loads(raw_data)',
  '    try:',
  '        return model.predict(data)',
  '    except Exception as e:',
  '        return {"error": str(e)}',
  '',
].join('\n');

const SNIPPETS = ['x', '\n', '    ', 'try:\n    ', 'except Exception as e:\n', 'return str(e)', 'é😀', '(', ')', 'global model\n', 'def run(d):\n', '"""', '#', 'joblib.load("m")'];

describe('incremental edits (in-process LSP)', () => {
  let lsp: LspPair;
  before(async () => {
    lsp = await startLspPair({ debounceMs: 0, rootUri: 'file:///ws', initializationOptions: { entryScripts: '**/score*.py', scanWorkspace: false } });
  });
  after(() => lsp.dispose());

  it('matches a fresh analysis after 150 random incremental edits', async () => {
    const uri = 'file:///ws/score_incremental.py';
    let doc = TextDocument.create(uri, 'python', 1, START);
    const opened = lsp.nextDiagnostics(uri);
    await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: START } });
    await opened;
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let v = 2; v <= 151; v++) {
      const changes = [];
      const count = 1 + rand(3);
      for (let k = 0; k < count; k++) {
        const text = doc.getText();
        const a = rand(text.length + 1);
        const b = Math.min(text.length, a + rand(12));
        const change = { range: { start: doc.positionAt(a), end: doc.positionAt(b) }, text: rand(3) === 0 ? '' : SNIPPETS[rand(SNIPPETS.length)]! };
        changes.push(change);
        doc = TextDocument.update(doc, [change], doc.version + 1);
      }
      const pending = lsp.nextDiagnostics(uri);
      await lsp.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: changes });
      const got = await pending;
      assert.equal(got.version, v);
      const expected = await analyzeScoringScript(doc.getText(), { fileName: 'score_incremental.py' });
      assert.deepEqual(
        got.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]),
        expected.map((f) => [f.rule, f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character]),
        `version ${v}:\n${doc.getText()}`,
      );
    }
  });
});
