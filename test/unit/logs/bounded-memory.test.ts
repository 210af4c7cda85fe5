// Issue 12 item 7: what the log panel keeps is bounded by bytes, not lines, and a huge chunk never blocks
// the extension host. The panel's path without VS Code: LogClassifier (onLine) -> LogView.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { cutMarker, LogClassifier } from '../../../src/logs/classifier';
import { LogView, lineBytes } from '../../../src/logs/logView';
import { RingBuffer } from '../../../src/logs/ringBuffer';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function memory(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MiB = 1024 * 1024;

describe('log panel memory is bounded by bytes (unit)', () => {
  it('512 MiB without a newline: one line cut with a marker, the rest skipped, the heap stays flat', async () => {
    const view = new LogView();
    const c = new LogClassifier({ onLine: (l) => view.push(l) });
    const chunk = Buffer.alloc(MiB, 0x41);
    const before = memory();
    let peak = 0;
    for (let i = 0; i < 512; i++) {
      await c.pushAsync(chunk);
      if (i % 64 === 63) peak = Math.max(peak, memory() - before);
    }
    await c.pushAsync('\n[INFO] Booting worker with pid: 7\n');
    const r = c.end();
    peak = Math.max(peak, memory() - before);
    assert.ok(peak < 16 * MiB, `heap grew by ${(peak / MiB).toFixed(1)} MiB while reading 512 MiB`);
    assert.equal(r.lines, 2, 'the huge line is one line, and the next line is read');
    const lines = view.visibleLines();
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.text, 'A'.repeat(64 * 1024) + cutMarker());
    assert.equal(lines[1]!.text, '[INFO] Booting worker with pid: 7');
    assert.equal(r.bytes, 512 * MiB + 35);
  });

  it('the kept lines are capped by bytes: 4,000 lines of 60 KiB (240 MiB) keep at most maxBytes', () => {
    const view = new LogView({ maxLines: 50_000, maxBytes: 16 * MiB });
    const c = new LogClassifier({ onLine: (l) => view.push(l) });
    const line = Buffer.from('x'.repeat(60 * 1024) + '\n');
    const before = memory();
    for (let i = 0; i < 4000; i++) c.push(line);
    c.end();
    const grown = memory() - before;
    assert.ok(view.stats.bytes <= 16 * MiB, `${view.stats.bytes} bytes kept`);
    assert.ok(view.stats.kept < 150 && view.stats.dropped > 3800, `kept ${view.stats.kept}, dropped ${view.stats.dropped}`);
    assert.ok(grown < 32 * MiB, `heap grew by ${(grown / MiB).toFixed(1)} MiB`);
  });

  it('lines waiting for the webview are bounded by rows and bytes, noise rows included', () => {
    const view = new LogView({ maxDisplay: 500, displayBytes: 2 * MiB });
    const c = new LogClassifier({ onLine: (l) => view.push(l) });
    // Groups of harmless lines (one DOM group each in the webview) between failure lines.
    for (let g = 0; g < 2000; g++) {
      for (let k = 0; k < 20; k++) c.push(`SPARK_HOME not set. Skipping PySpark Initialization. ${g}/${k}\n`);
      c.push(`[ERROR] request ${g} failed\n`);
    }
    const pending = view.takePending();
    assert.equal(pending.length, 500);
    assert.ok(pending.filter((l) => l.noise).length > 400, 'noise rows count against the limit');
    assert.equal(pending.at(-1)!.text, '[ERROR] request 1999 failed', 'the newest rows are kept');
    assert.deepEqual(view.takePending(), []);
    const wide = new LogView({ maxDisplay: 5000, displayBytes: 1 * MiB });
    for (let i = 0; i < 100; i++) wide.push({ n: i + 1, text: 'y'.repeat(60 * 1024), severity: 'info', noise: true });
    const sent = wide.takePending();
    assert.ok(sent.reduce((s, l) => s + lineBytes(l), 0) <= MiB && sent.length >= 1, `${sent.length} rows sent`);
  });

  it('filtering is case-insensitive over the kept lines, newest first, within the display limits', () => {
    const view = new LogView({ maxLines: 50_000, maxDisplay: 300 });
    for (let i = 1; i <= 50_000; i++) view.push({ n: i, text: i % 7 === 0 ? `Worker TIMEOUT pid ${i}` : `GET / 200 ${i}`, severity: 'info' });
    view.setFilter('worker timeout');
    const shown = view.visibleLines();
    assert.equal(shown.length, 300);
    assert.ok(shown.every((l) => /worker timeout/i.test(l.text)));
    assert.equal(shown.at(-1)!.n, 49_994);
    assert.ok(shown.every((l, i) => i === 0 || l.n > shown[i - 1]!.n), 'oldest first');
    view.setFilter('(.*)+$ [not a regex');
    assert.deepEqual(view.visibleLines(), [], 'the filter is a literal, never a pattern');
    view.setFilter('');
    assert.equal(view.visibleLines().length, 300);
    // New lines pass the filter as they arrive.
    view.setFilter('TIMEOUT');
    view.takePending();
    view.push({ n: 50_001, text: 'worker timeout pid 3', severity: 'info' });
    view.push({ n: 50_002, text: 'GET / 200', severity: 'info' });
    assert.deepEqual(view.takePending().map((l) => l.n), [50_001]);
  });

  it('the ring buffer drops the oldest items past its weight, keeping the newest', () => {
    const ring = new RingBuffer<string>(10, { maxWeight: 10, weigh: (s) => s.length });
    for (const s of ['aaaa', 'bbbb', 'cccc', 'dd']) ring.push(s);
    assert.deepEqual(ring.toArray(), ['bbbb', 'cccc', 'dd']);
    assert.equal(ring.weight, 10);
    ring.push('e'.repeat(50));
    assert.deepEqual(ring.toArray(), ['e'.repeat(50)], 'one item over the limit is still kept');
    assert.equal(ring.droppedCount, 4);
    assert.deepEqual(ring.lastMatching(5, () => true), ['e'.repeat(50)]);
  });

  it('a huge chunk is classified in slices that yield to the event loop, and stops when aborted', async () => {
    const lines = Buffer.from('2026-03-02 10:00:00,000 | root | INFO | Scoring request took 12 ms\n'.repeat(400_000)); // ~27 MiB
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const c = new LogClassifier({ onLine: () => {} });
    await c.pushAsync(lines);
    done = true;
    assert.equal(c.lines, 400_000);
    assert.ok(turns >= 3, `the event loop turned ${turns} times while one chunk was classified`);

    const aborted = new LogClassifier({ onLine: () => {} });
    const abort = new AbortController();
    setImmediate(() => abort.abort());
    await aborted.pushAsync(lines, abort.signal);
    assert.ok(aborted.lines < 400_000, 'an aborted read stops');
  });

  it('keeps the same explanation whatever the slice size', async () => {
    const log = '[INFO] Booting worker with pid: 9\n'.repeat(5000) + 'Worker with pid 9 was terminated due to signal 9\n';
    const whole = new LogClassifier();
    whole.push(log);
    const sliced = new LogClassifier({ sliceBytes: 1024, budgetMs: 0 });
    await sliced.pushAsync(log);
    assert.deepEqual(sliced.end(), whole.end());
  });
});

