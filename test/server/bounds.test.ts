// The language server against hostile workspace files and editor traffic: a 25 MiB file, a parser runtime that
// aborts, stale work (a newer version, a closed document), the debounce on open, a pathological entryScripts glob.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Minimatch } from 'minimatch';
import { MAX_SOURCE_CHARS } from '../../src/analysis/bounds';
import { discardRuntime, referencePython, setParserMemoryLimit } from '../../src/analysis/parser';
import { SettingsChangedNotification } from '../../src/server/protocol';
import { startLspPair, type LspPair } from '../helpers/lspPair';

const ENTRY = 'import json\n\ndef init():\n    pass\n'; // missing-run
const open = (lsp: LspPair, uri: string, text: string, version = 1) =>
  lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
const change = (lsp: LspPair, uri: string, version: number, text: string) =>
  lsp.client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });

/** Ordinary Python just under the size limit: a full analysis takes a few hundred ms. */
function bigPython(): string {
  let text = ENTRY;
  while (text.length < MAX_SOURCE_CHARS - 70_000) text += referencePython();
  return text;
}

describe('language server bounds (in-process LSP)', () => {
  const pairs: LspPair[] = [];
  const start = async (options: Parameters<typeof startLspPair>[0]) => {
    const p = await startLspPair(options);
    pairs.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of pairs.splice(0)) p.dispose();
  });
  after(() => {
    setParserMemoryLimit(undefined);
    discardRuntime();
  });

  it('a 25 MiB score.py gets one informational diagnostic, and the next file still gets its diagnostics', async () => {
    const lsp = await start({ debounceMs: 0 });
    const big = 'file:///ws/score_generated.py';
    const pending = lsp.nextDiagnostics(big, 20000);
    await open(lsp, big, 'a=b(c[1],{d:e}),'.repeat((25 * 1024 * 1024) / 16));
    const d = await pending;
    assert.deepEqual(d.diagnostics.map((x) => [x.code, x.severity]), [['analysis-skipped', 3]]);
    assert.match(String(d.diagnostics[0]!.message), /more than the 1,048,576 characters \(1 MiB\) the analysis reads: not analysed/);
    const next = lsp.nextDiagnostics('file:///ws/score.py');
    await open(lsp, 'file:///ws/score.py', ENTRY);
    assert.deepEqual((await next).diagnostics.map((x) => x.code), ['missing-run']);
  });

  it('after the parser runtime aborts (memory), the file is reported and every document is analysed again', async () => {
    const lsp = await start({ debounceMs: 0 });
    const kept = 'file:///ws/score_kept.py';
    let p = lsp.nextDiagnostics(kept);
    await open(lsp, kept, ENTRY); // its syntax tree is kept for incremental parsing
    await p;
    // A real abort of the real runtime, reached quickly: 48 MB of WebAssembly memory instead of 1 GB.
    setParserMemoryLimit(48);
    discardRuntime();
    const hungry = 'file:///ws/score_hungry.py';
    let lines = '';
    while (lines.length < MAX_SOURCE_CHARS - 2048) lines += 'a=b(c[1],{d:e}),'.repeat(62) + '\n';
    p = lsp.nextDiagnostics(hungry, 120000);
    await open(lsp, hungry, lines);
    const d = await p;
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['analysis-skipped']);
    assert.match(String(d.diagnostics[0]!.message), /needs more memory to parse than the analysis allows/);
    setParserMemoryLimit(undefined);
    // The kept tree belonged to the aborted runtime: an incremental edit must still give the right answer.
    p = lsp.nextDiagnostics(kept);
    await lsp.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: kept, version: 2 },
      contentChanges: [{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, text: 'def run(d):\n    return json.loads(d)\n' }],
    });
    const edited = await p;
    assert.equal(edited.version, 2);
    assert.deepEqual(edited.diagnostics.map((x) => x.code), ['run-unguarded']);
    p = lsp.nextDiagnostics('file:///ws/score_after.py');
    await open(lsp, 'file:///ws/score_after.py', ENTRY);
    assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
  });

  it('a newer version stops the analysis of the old one; a closed document stops its analysis', async () => {
    const lsp = await start({ debounceMs: 0 });
    const text = bigPython();
    // A full analysis of the big file, measured in this run.
    const whole = 'file:///ws/score_whole.py';
    let p = lsp.nextDiagnostics(whole, 60000);
    let t0 = performance.now();
    await open(lsp, whole, text);
    assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
    const full = performance.now() - t0;

    // Open, then at once a new version: the first analysis stops at its next pause and only version 2 is published.
    const edited = 'file:///ws/score_edited.py';
    const seen = lsp.all.length;
    p = lsp.nextDiagnostics(edited, 60000);
    t0 = performance.now();
    await open(lsp, edited, text);
    await change(lsp, edited, 2, ENTRY.replace('def init', 'def not_init') + 'def run(d):\n    return json.loads(d)\n');
    const d = await p;
    const stopped = performance.now() - t0;
    assert.equal(d.version, 2);
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-init', 'run-unguarded']);
    assert.ok(stopped < full / 2, `version 2 published after ${stopped.toFixed(0)} ms; a full analysis of version 1 takes ${full.toFixed(0)} ms`);

    // Open, close at once, open another file: its diagnostics do not wait for the closed one's analysis.
    const closed = 'file:///ws/score_closed.py';
    const other = 'file:///ws/score_other.py';
    p = lsp.nextDiagnostics(other, 60000);
    t0 = performance.now();
    await open(lsp, closed, text);
    await lsp.client.sendNotification('textDocument/didClose', { textDocument: { uri: closed } });
    await open(lsp, other, ENTRY);
    assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
    const waited = performance.now() - t0;
    assert.ok(waited < full / 2, `the other file waited ${waited.toFixed(0)} ms; a full analysis takes ${full.toFixed(0)} ms`);
    const later = lsp.all.slice(seen);
    assert.deepEqual(later.filter((x) => x.uri === closed).map((x) => x.diagnostics), [[]], 'the closed document only gets its diagnostics cleared');
    assert.deepEqual(later.filter((x) => x.uri === edited).map((x) => x.version), [2], 'version 1 is never published');
  });

  it('an opened file is analysed at once, however long the debounce', async () => {
    // With a one-minute debounce, a didOpen that waited for it would time out here.
    const lsp = await start({ debounceMs: 60000 });
    const uri = 'file:///ws/score.py';
    const p = lsp.nextDiagnostics(uri, 10000);
    await open(lsp, uri, ENTRY);
    assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
    // A settings change re-analyses every document at once; an edit right after it must not postpone that run
    // (the edit itself then waits for the debounce, as edits do).
    const q = lsp.nextDiagnostics(uri, 10000);
    await lsp.client.sendNotification(SettingsChangedNotification, { entryScripts: '**/score*.py', debounceMs: 60000 });
    await change(lsp, uri, 2, ENTRY + '\ndef run(d):\n    return json.loads(d)\n');
    const d = await q;
    assert.equal(d.version, 1);
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-run']);
  });

  it('compiles the entryScripts glob once per setting value, and a brace bomb in it stays cheap', async () => {
    const make = Minimatch.prototype.make;
    let compiled = 0;
    Minimatch.prototype.make = function (this: Minimatch) {
      compiled++;
      return make.call(this);
    };
    try {
      const lsp = await start({ debounceMs: 0, initializationOptions: { entryScripts: '**/predict*.py' } });
      for (let i = 0; i < 5; i++) {
        const uri = `file:///ws/predict_${i}.py`;
        const p = lsp.nextDiagnostics(uri);
        await open(lsp, uri, ENTRY);
        assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
        const q = lsp.nextDiagnostics(uri);
        await change(lsp, uri, 2, ENTRY + '\n');
        await q;
      }
      assert.equal(compiled, 1, 'one compile for ten analyses under one setting value');
      // A workspace setting is written by someone else: 2^20 brace alternatives took 10 s to compile, per analysis.
      const fiveAnalyses = async (glob: string, name: string) => {
        const cpu0 = process.cpuUsage();
        await lsp.client.sendNotification(SettingsChangedNotification, { entryScripts: glob });
        const uri = `file:///ws/${name}.py`;
        for (let v = 1; v <= 5; v++) {
          const p = lsp.nextDiagnostics(uri);
          if (v === 1) await open(lsp, uri, ENTRY);
          else await change(lsp, uri, v, ENTRY + '\n'.repeat(v));
          assert.deepEqual((await p).diagnostics.map((x) => x.code), ['missing-run']);
        }
        const cpu = process.cpuUsage(cpu0);
        return (cpu.user + cpu.system) / 1000;
      };
      const plain = await fiveAnalyses('**/score*.py', 'score_plain');
      const bombed = await fiveAnalyses('{**/score*.py,' + '{a,b}'.repeat(20) + '}', 'score_bomb');
      assert.equal(compiled, 3, 'each new value compiled once');
      assert.ok(bombed < 10 * Math.max(plain, 20), `five analyses: ${bombed.toFixed(0)} ms CPU under the brace bomb, ${plain.toFixed(0)} ms under a plain glob`);
    } finally {
      Minimatch.prototype.make = make;
    }
  });
});
