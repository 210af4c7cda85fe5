// The streaming classifier on whole logs (fixtures written for this project) and on the same logs cut at
// random chunk boundaries, with CRLF, ANSI colours, HTML entities and Docker's multiplexed framing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cutMarker, LogClassifier, explainStream, explainText } from '../../../src/logs/classifier';
import { RingBuffer } from '../../../src/logs/ringBuffer';
import type { LogLine } from '../../../src/logs/types';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'logs');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function chunked(bytes: Buffer, seed: number, maxChunk = 37): Buffer[] {
  const r = rng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * maxChunk);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function dockerFrames(text: string, seed: number): Buffer {
  // Docker's multiplexed stream: [stream, 0, 0, 0, size BE] + payload; frames cut lines anywhere.
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  const r = rng(seed);
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * 90);
    const payload = bytes.subarray(i, i + n);
    const h = Buffer.alloc(8);
    h[0] = r() < 0.5 ? 1 : 2;
    h.writeUInt32BE(payload.length, 4);
    parts.push(h, payload);
    i += n;
  }
  return Buffer.concat(parts);
}

const expected: [string, string, string][] = [
  ['oom-reboot-loop.log', 'out_of_memory', 'oom-worker-killed'],
  ['init-exception.log', 'init_exception', 'init-exception-traceback'],
  ['entry-script-missing.log', 'entry_script_not_found', 'entry-script-not-found'],
  ['missing-dependency.log', 'missing_dependency', 'missing-dependency'],
  ['worker-timeout.log', 'timeout_504', 'timeout-worker-killed'],
  ['run-exception.log', 'run_exception_502', 'run-exception-traceback'],
  ['noise-only.log', 'no_failure', 'no-failure'],
];

describe('streaming log classifier (unit)', () => {
  for (const [file, category, id] of expected) {
    it(`${file}: whole text -> ${category} (${id})`, () => {
      const r = explainText(fixture(file));
      assert.equal(r.primary.category, category);
      assert.equal(r.primary.id, id);
    });

    it(`${file}: random chunk boundaries give the same explanation as the whole file`, () => {
      const whole = explainText(fixture(file));
      for (let seed = 1; seed <= 25; seed++) {
        const c = new LogClassifier();
        for (const part of chunked(Buffer.from(fixture(file)), seed)) c.push(part);
        assert.deepEqual(c.end(), whole, `seed ${seed}`);
      }
    });

    it(`${file}: Docker multiplexed frames, CRLF and ANSI colours give the same diagnosis`, () => {
      const plain = explainText(fixture(file));
      const coloured = fixture(file)
        .split('\n')
        .map((l) => (l.includes('ERROR') || l.includes('WARNING') ? `\x1b[31m${l}\x1b[0m` : l))
        .join('\r\n');
      const c = new LogClassifier();
      for (const part of chunked(dockerFrames(coloured, 7), 11, 64)) c.push(part);
      const r = c.end();
      assert.deepEqual(r.primary.evidence, plain.primary.evidence);
      assert.equal(r.primary.id, plain.primary.id);
      assert.deepEqual(r.findings.map((f) => [f.id, f.count]), plain.findings.map((f) => [f.id, f.count]));
    });
  }

  it('shows the last frame in score.py for an init() exception', () => {
    const r = explainText(fixture('init-exception.log'));
    assert.deepEqual(r.primary.location, { path: '/var/azureml-app/src/score.py', line: 17, function: 'init', source: 'with open(os.path.join(model_dir, "weights.npz"), "rb") as fh:', origin: 'entry' });
    assert.deepEqual(r.primary.entryFrame, r.primary.location, 'the deepest frame in the entry script');
    assert.equal(r.primary.phase, 'init');
    assert.match(r.primary.evidence[0]!.text, /^ValueError: weights\.npz is truncated/);
    assert.ok(r.noise.some((n) => n.id === 'noise-iot-edge'), 'IoT Edge lines are recognised as noise');
  });

  it('decodes HTML entities of pasted logs', () => {
    const r = explainText('Couldn&#39;t Schedule because the kubernetes cluster didn&#39;t have available resources after trying for 00:05:00');
    assert.equal(r.primary.category, 'scheduling_no_resources');
    assert.equal(r.primary.evidence[0]!.text, "Couldn't Schedule because the kubernetes cluster didn't have available resources after trying for 00:05:00");
    assert.equal(explainText('&gt; ModuleNotFoundError: No module named &#x27;xgboost&#x27;').primary.evidence[0]!.text, "> ModuleNotFoundError: No module named 'xgboost'");
  });

  it('per-line output (panel) and the fast scan agree, and every line is delivered once', () => {
    for (const [file] of expected) {
      const lines: LogLine[] = [];
      const text = fixture(file);
      const r = explainText(text, { onLine: (l) => lines.push(l) });
      assert.deepEqual(r, explainText(text));
      assert.deepEqual(lines.map((l) => l.n), text.replace(/\n$/, '').split('\n').map((_, i) => i + 1));
    }
    const lines: LogLine[] = [];
    explainText(fixture('init-exception.log'), { onLine: (l) => lines.push(l) });
    assert.equal(lines.find((l) => l.text.startsWith('EdgeHubConnectionString'))?.noise, true);
    assert.equal(lines.find((l) => l.text.startsWith('EdgeHubConnectionString'))?.severity, 'info');
    assert.deepEqual(lines.find((l) => l.text.includes('score.py'))?.frame, { path: '/var/azureml-app/src/score.py', line: 17, function: 'init' });
    assert.equal(lines.find((l) => l.text.startsWith('ValueError'))?.severity, 'error');
  });

  it('explains while streaming: the diagnosis appears as soon as the evidence arrives', () => {
    const c = new LogClassifier();
    c.push('[INFO] Booting worker with pid: 9\n');
    assert.equal(c.explain().primary.category, 'no_failure');
    c.push('[WARNING] Worker with pid 9 was terminated due to sig');
    assert.equal(c.explain().primary.category, 'no_failure', 'a half line is not evidence yet');
    c.push('nal 9\n');
    assert.equal(c.explain().primary.category, 'out_of_memory');
  });

  it('a re-boot loop without kill messages is out of memory; boots spread over hours are not', () => {
    const loop = ['10:00:00', '10:00:02', '10:00:04', '10:00:06'].map((t, i) => `[2026-03-02 ${t} +0000] [${i}] [INFO] Booting worker with pid: ${100 + i}\n[2026-03-02 ${t} +0000] [${100 + i}] [INFO] Worker exiting (pid: ${100 + i})`).join('\n');
    assert.equal(explainText(loop).primary.id, 'oom-worker-reboot-loop');
    const spread = ['10:00:00', '13:00:00', '16:00:00'].map((t, i) => `[2026-03-02 ${t} +0000] [${i}] [INFO] Booting worker with pid: ${100 + i}\n[2026-03-02 ${t} +0000] [${100 + i}] [INFO] Worker exiting (pid: ${100 + i})`).join('\n');
    assert.equal(explainText(spread).primary.category, 'no_failure');
  });

  it('keeps memory bounded: a line without end is cut once with a marker and the rest skipped, evidence is capped', () => {
    const lines: LogLine[] = [];
    const c = new LogClassifier({ maxLineBytes: 1024, onLine: (l) => lines.push(l) });
    const junk = Buffer.alloc(10 * 1024 * 1024, 0x61);
    c.push(junk);
    c.push('aaaa\n');
    assert.equal(c.lines, 1, 'one line, cut');
    assert.equal(lines[0]!.text, 'a'.repeat(1024) + cutMarker());
    for (let i = 0; i < 10000; i++) c.push(`Worker with pid ${i} was terminated due to signal 9\n`);
    const r = c.end();
    assert.equal(r.primary.category, 'out_of_memory');
    assert.equal(r.primary.count, 10000);
    assert.equal(r.primary.evidence.length, 5);
  });

  it('reads async streams of strings and buffers', async () => {
    async function* gen() {
      yield 'ModuleNotFoundError: No module';
      yield Buffer.from(" named 'torch'\n");
    }
    const r = await explainStream(gen());
    assert.equal(r.primary.category, 'missing_dependency');
    assert.equal(r.bytes, Buffer.byteLength("ModuleNotFoundError: No module named 'torch'\n"));
  });

  it('ring buffer keeps the newest items', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [3, 4, 5]);
    assert.deepEqual(ring.tail(2), [4, 5]);
    assert.equal(ring.droppedCount, 2);
    assert.throws(() => new RingBuffer(0), /positive integer/);
  });
});
