// Start-up: the server answers `initialize` once its start-up work (grammar, warm pipeline) is done, so the
// first opened file is analysed at full speed, but a start-up that hangs must never keep the client waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectScoringScript } from '../../src/analysis/analyze';
import { warmUpAnalysis } from '../../src/server/warmUp';
import { startLspPair } from '../helpers/lspPair';

const URI = 'file:///tmp/startup-proj/score.py';

describe('language server start-up (in-process LSP)', () => {
  it('answers initialize only after the start-up work is done', async () => {
    let finishStartUp!: () => void;
    const ready = new Promise<void>((resolve) => (finishStartUp = resolve));
    let answered = false;
    const starting = startLspPair({ ready, readyTimeoutMs: 60000, debounceMs: 0 }).then((pair) => ((answered = true), pair));
    // Fifty turns of the event loop, no timer: vscode-jsonrpc schedules its message handling with setImmediate,
    // and a server that does not wait answers within seven (measured), so an early answer would show here.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(answered, false, 'initialize was answered while the start-up work was still running');
    finishStartUp();
    const pair = await starting;
    try {
      const d = pair.nextDiagnostics(URI);
      await pair.client.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'python', version: 1, text: 'def run(data):\n    return data\n' } });
      assert.deepEqual((await d).diagnostics.map((x) => x.code), ['missing-init']);
    } finally {
      pair.dispose();
    }
  });

  it('answers initialize anyway when the start-up work never finishes, and still analyses files', async () => {
    const started = performance.now();
    const pair = await startLspPair({ ready: new Promise(() => undefined), readyTimeoutMs: 200, debounceMs: 0 });
    try {
      const waited = performance.now() - started;
      assert.ok(waited >= 190 && waited < 3000, `initialize answered after ${waited.toFixed(0)} ms`);
      const d = pair.nextDiagnostics(URI);
      await pair.client.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'python', version: 1, text: 'def init():\n    pass\n' } });
      assert.deepEqual((await d).diagnostics.map((x) => x.code), ['missing-run']);
    } finally {
      pair.dispose();
    }
  });

  it('a start-up work that fails does not fail initialize', async () => {
    const pair = await startLspPair({ ready: Promise.reject(new Error('grammar missing')), debounceMs: 0 });
    pair.dispose();
  });

  it('warmUpAnalysis resolves with the parser loaded and leaves the analysis results unchanged', async () => {
    const text = 'import joblib\n\ndef init():\n    model = joblib.load("m.pkl")\n\ndef run(data):\n    return model.predict(data)\n';
    const before = (await inspectScoringScript(text)).findings.map((f) => f.rule);
    await warmUpAnalysis(2);
    const after = (await inspectScoringScript(text)).findings.map((f) => f.rule);
    assert.deepEqual(after, before);
    assert.ok(after.includes('global-missing'));
  });
});
