// Fuzz: 10,000+ seeded inputs through the DAP reader, built like a hostile container's stdout: valid
// messages mixed with junk, malformed and lying headers, huge lengths, cut JSON, oversized header blocks,
// messages over the cap, cut at random places (down to one byte at a time). Every valid message must come
// out intact and in order, nothing else may come out, nothing may throw, and each input must take time
// bounded as a ratio to clean traffic of the same size and chunking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DapReader, encodeDapMessage, MAX_HEADER_BYTES } from '../../../src/debug/framing';
import { rng } from '../../helpers/rng';

const SEED = Number(process.env.FUZZ_SEED ?? 20261212);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10000);
/** Garbage may cost this many times clean traffic of the same size and chunking... */
const RATIO = 25;
/** ...above a floor that covers timer resolution and a collection pause on tiny inputs. */
const FLOOR_MS = 50;

type R = () => number;
const int = (r: R, n: number) => Math.floor(r() * n);
const pick = <T>(r: R, xs: readonly T[]) => xs[int(r, xs.length)]!;

const TEXT = ['a', 'é', '€', '😀', '\n', '\r\n', '"', '\\', '\u0000', '\u2028', 'Content-Length: 5\r\n\r\n', '{', '}', '[', ' ', 'x'.repeat(50)];
function randomText(r: R, max: number): string {
  let s = '';
  const n = int(r, max);
  for (let k = 0; k < n; k++) s += pick(r, TEXT);
  return s;
}

function randomMessage(r: R, seq: number): object {
  const kind = int(r, 3);
  if (kind === 0) return { seq, type: 'event', event: pick(r, ['output', 'stopped', 'thread']), body: { output: randomText(r, 30), n: r() } };
  if (kind === 1) return { seq, type: 'response', request_seq: int(r, 1000), success: r() < 0.5, command: 'variables', body: { variables: [{ name: randomText(r, 5), value: randomText(r, 20) }] } };
  return { seq, type: 'request', command: pick(r, ['runInTerminal', 'startDebugging']), arguments: { args: ['sh', '-c', randomText(r, 10)] } };
}

/** Bytes that never hold a header, a brace (so no accidental JSON object) or a complete frame. */
function junk(r: R, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let k = 0; k < n; k++) {
    let c = int(r, 256);
    if (c === 0x7b || c === 0x7d) c = 0x20;
    b[k] = c;
  }
  return b;
}

/** Valid JSON cut short: never a complete object. */
function cutJson(r: R): string {
  const full = JSON.stringify(randomMessage(r, int(r, 100)));
  for (;;) {
    const cut = full.slice(0, 1 + int(r, full.length - 1));
    try {
      JSON.parse(cut);
    } catch {
      return cut;
    }
  }
}

function garbage(r: R, cap: number): Buffer {
  switch (int(r, 10)) {
    case 0:
      return junk(r, int(r, 300));
    case 1: {
      const bad = pick(r, ['', 'abc', '-5', '1e3', '0x10', ' ', '12a', '99999999999999999999', '5 5']);
      return Buffer.from(`Content-Length: ${bad}\r\n\r\n`);
    }
    case 2: // headers that are not complete or not valid blocks
      return Buffer.from(pick(r, ['Content-Length: 5\r\n', 'Content-Length: 5\r\nX-Junk\r\n\r\n', 'Content-Length: 12\r\nFoo: bar', 'content-length: 5\r\n\r\n', 'Content-Length 5\r\n\r\n', 'Content-Length: 5\n\n', 'Conte', 'Content-Length: 12', 'Content-Length:']));
    case 3: // huge lengths, then whatever follows is the "body"
      return Buffer.concat([Buffer.from(`Content-Length: ${pick(r, [999999999999, cap + 1, 999999999999999, 2 ** 31])}\r\n\r\n`), junk(r, int(r, 200))]);
    case 4: // a lying length: its body is whatever follows, valid messages included
      return Buffer.from(`Content-Length: ${int(r, 600)}\r\n\r\n`);
    case 5: {
      const body = cutJson(r);
      return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
    case 6: {
      const body = pick(r, ['[1,2]', '"str"', '42', 'null', 'true', '']);
      return Buffer.from(`Content-Length: ${body.length}\r\n\r\n${body}`);
    }
    case 7: // a header block over its cap
      return Buffer.concat([Buffer.from(`Content-Length: 5\r\nX-Pad: ${'a'.repeat(MAX_HEADER_BYTES + int(r, 200))}\r\n\r\n`), junk(r, int(r, 20))]);
    case 8: // a real message over the cap: dropped as a whole (with the small cap: big inputs cost run time)
      if (cap > 4096) return junk(r, int(r, 50));
      return Buffer.from(encodeDapMessage({ seq: 0, type: 'event', event: 'output', body: { output: 'o'.repeat(cap + int(r, 100)) } }));
    default: // junk CRLFs and partial prefixes
      return Buffer.from(pick(r, ['\r\n', '\r\n\r\n', 'C', 'Content-', ': 12\r\n\r\n', '\r\n\r\n{']));
  }
}

interface Input {
  bytes: Buffer;
  cuts: number[];
  expected: object[];
  cap: number;
}

function makeInput(r: R, k: number): Input {
  const cap = r() < 0.5 ? 4096 : 1024 * 1024;
  const parts: Buffer[] = [];
  const expected: object[] = [];
  const n = 1 + int(r, 12);
  for (let s = 0; s < n; s++) {
    if (r() < 0.5) {
      const m = randomMessage(r, k * 100 + s);
      // Now and then a big one (a large variable value), and one with a Content-Type field.
      if (r() < 0.02) (m as { big?: string }).big = 'b'.repeat(int(r, 128 * 1024));
      const json = JSON.stringify(m);
      const len = Buffer.byteLength(json);
      parts.push(Buffer.from(r() < 0.1 ? `Content-Length: ${len}\r\nContent-Type: application/json\r\n\r\n${json}` : `Content-Length: ${len}\r\n\r\n${json}`));
      if (len <= cap) expected.push(m);
    } else {
      parts.push(garbage(r, cap));
    }
  }
  const bytes = Buffer.concat(parts);
  const cuts: number[] = [];
  const style = int(r, 4);
  if (style === 1 && bytes.length < 8192) for (let p = 1; p < bytes.length; p++) cuts.push(p); // one byte at a time
  else if (style === 2) for (let p = 1 + int(r, 16); p < bytes.length; p += 1 + int(r, 16)) cuts.push(p);
  else if (style === 3) for (let p = 1 + int(r, 65536); p < bytes.length; p += 1 + int(r, 65536)) cuts.push(p);
  return { bytes, cuts, expected, cap };
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

/** Clean traffic of the same size as `bytes`: valid messages back to back (the last one may be cut). */
function cleanTwin(size: number): Buffer {
  const one = Buffer.from(encodeDapMessage({ seq: 1, type: 'event', event: 'output', body: { category: 'stdout', output: 'clean output line\n' } }));
  return Buffer.concat(Array.from({ length: Math.ceil(size / one.length) }, () => one)).subarray(0, size);
}

function timeRead(chunks: Buffer[], cap: number): { ms: number; msgs: object[] } {
  const t0 = performance.now();
  const reader = new DapReader({ maxMessageBytes: cap });
  const msgs: object[] = [];
  for (const c of chunks) msgs.push(...reader.push(c));
  return { ms: performance.now() - t0, msgs };
}

describe('DAP reader fuzz (unit)', { timeout: 900000 }, () => {
  it(`reads ${COUNT} seeded hostile inputs: every valid message intact, nothing else, time bounded against clean traffic`, () => {
    const r = rng(SEED);
    let delivered = 0;
    let worst = 0;
    let bytes = 0;
    for (let k = 0; k < COUNT; k++) {
      const input = makeInput(r, k);
      const chunks = split(input.bytes, input.cuts);
      bytes += input.bytes.length;
      let run: { ms: number; msgs: object[] };
      try {
        run = timeRead(chunks, input.cap);
      } catch (err) {
        assert.fail(`input #${k} (seed ${SEED}) threw ${(err as Error).stack}\n${JSON.stringify(input.bytes.toString('latin1').slice(0, 2000))}`);
      }
      assert.deepEqual(run.msgs, input.expected, `input #${k} (seed ${SEED}): ${JSON.stringify(input.bytes.toString('latin1').slice(0, 2000))}`);
      delivered += run.msgs.length;
      const twin = split(cleanTwin(input.bytes.length), input.cuts);
      let clean = timeRead(twin, input.cap).ms;
      // A shared machine can pause any run: an input over its bound is measured twice more, keeping the best.
      let ms = run.ms;
      for (let again = 0; again < 2 && ms > Math.max(FLOOR_MS, RATIO * clean); again++) {
        ms = Math.min(ms, timeRead(chunks, input.cap).ms);
        clean = Math.max(clean, timeRead(twin, input.cap).ms);
      }
      assert.ok(ms <= Math.max(FLOOR_MS, RATIO * clean), `input #${k} (${input.bytes.length} bytes, ${chunks.length} chunks) took ${ms.toFixed(1)} ms, clean traffic of that size ${clean.toFixed(1)} ms`);
      if (clean >= 1) worst = Math.max(worst, ms / clean);
    }
    // The generator must deliver real messages through the garbage, not only noise.
    assert.ok(delivered > COUNT, `only ${delivered} messages delivered`);
    console.log(`DAP fuzz: ${COUNT} inputs, ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${delivered} messages delivered, worst time ratio to clean traffic (inputs over 1 ms) ${worst.toFixed(1)}`);
  });
});
