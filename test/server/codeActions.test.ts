// Quick fixes over real LSP (in-process): the code action's workspace edit, applied to the document,
// removes the diagnostic on the next publish.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { startLspPair, type LspPair } from '../helpers/lspPair';

const SCRIPT = [
  'import json',
  'import numpy as np',
  '',
  'model = None',
  '',
  'def init():',
  '    model = np.load("m.npz")',
  '',
  'def run(raw_data):',
  '    try:',
  '        return {"y": float(model["coef"].sum())}',
  '    except Exception as e:',
  '        return {"error": str(e)}',
  '',
].join('\n');

describe('language server quick fixes (in-process LSP)', () => {
  let lsp: LspPair;
  const uri = 'file:///ws/score.py';
  let doc: TextDocument;
  before(async () => {
    lsp = await startLspPair({ debounceMs: 10, rootUri: 'file:///ws', initializationOptions: { entryScripts: '**/score*.py', scanWorkspace: false } });
    const pending = lsp.nextDiagnostics(uri);
    doc = TextDocument.create(uri, 'python', 1, SCRIPT);
    await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: SCRIPT } });
    const d = await pending;
    assert.deepEqual(d.diagnostics.map((x) => x.code).sort(), ['error-leak', 'global-missing']);
  });
  after(() => lsp.dispose());

  async function fixAndCheck(code: string, version: number): Promise<Diagnostic[]> {
    const current = lsp.all.filter((p) => p.uri === uri).pop()!;
    const diag = current.diagnostics.find((d) => d.code === code)!;
    assert.ok(diag, `${code} published`);
    const actions = (await lsp.client.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag], only: ['quickfix'] },
    })) as CodeAction[];
    assert.ok(actions.length >= 1, 'a quick fix is offered');
    const action = actions.find((a) => a.isPreferred) ?? actions[0]!;
    assert.equal(action.kind, 'quickfix');
    assert.deepEqual(action.diagnostics?.map((d) => d.code), [code]);
    const edits = action.edit!.changes![uri]!;
    const text = TextDocument.applyEdits(doc, edits);
    doc = TextDocument.create(uri, 'python', version, text);
    const pending = lsp.nextDiagnostics(uri);
    await lsp.client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    const next = await pending;
    assert.equal(next.version, version);
    return next.diagnostics;
  }

  it('offers "add global" for global-missing and the diagnostic goes away', async () => {
    const after = await fixAndCheck('global-missing', 2);
    assert.deepEqual(after.map((d) => d.code), ['error-leak']);
    assert.match(doc.getText(), /def init\(\):\n {4}global model\n/);
  });

  it('offers "log + generic message" for error-leak and the diagnostic goes away', async () => {
    const after = await fixAndCheck('error-leak', 3);
    assert.deepEqual(after, []);
    assert.match(doc.getText(), /^import logging$/m);
    assert.doesNotMatch(doc.getText(), /str\(e\)/);
  });

  it('returns no actions for other kinds (refactor) or for a range without findings', async () => {
    const refactor = await lsp.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['refactor'] } });
    assert.deepEqual(refactor, []);
    const none = await lsp.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } });
    assert.deepEqual(none, []);
  });
});

describe('quick fix for undefined-name over LSP (in-process)', () => {
  it('offers the missing import (numpy as np), and the NameError finding goes away', async () => {
    const lsp = await startLspPair({ debounceMs: 10, rootUri: 'file:///ws', initializationOptions: { entryScripts: '**/score*.py', scanWorkspace: false } });
    try {
      const uri = 'file:///ws/score_np.py';
      const text = ['import json', '', 'def init():', '    global weights', '    weights = np.ones(3)', '', 'def run(raw_data):', '    try:', '        return {"y": float(weights @ np.asarray(json.loads(raw_data)))}', '    except ValueError:', '        return {"error": "bad input"}', ''].join('\n');
      const first = lsp.nextDiagnostics(uri);
      await lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
      const d = await first;
      assert.deepEqual(d.diagnostics.map((x) => [x.code, x.range.start.line]), [['undefined-name', 4], ['undefined-name', 8]]);
      const actions = (await lsp.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.diagnostics[0]!.range, context: { diagnostics: [d.diagnostics[0]], only: ['quickfix'] } })) as CodeAction[];
      assert.deepEqual(actions.map((a) => [a.title, a.isPreferred]), [['Add "import numpy as np"', true]]);
      const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'python', 1, text), actions[0]!.edit!.changes![uri]!);
      assert.match(fixed, /^import numpy as np\nimport json\n/); // with the other imports, before them
      const next = lsp.nextDiagnostics(uri);
      await lsp.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      assert.deepEqual((await next).diagnostics, []);
    } finally {
      lsp.dispose();
    }
  });
});
