// The DAP reader against what a container can write to it: messages split anywhere, junk, lying and huge
// lengths, malformed headers, a message far over the cap, and a big message read in linear time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DapReader, encodeDapMessage, MAX_HEADER_BYTES, type DapDrop } from '../../../src/debug/framing';

const frame = (m: object) => Buffer.from(encodeDapMessage(m));
const valid = (seq: number) => ({ seq, type: 'event', event: 'output', body: { category: 'stdout', output: `line ${seq} héllo\n` } });

function read(input: Buffer | Buffer[], options: ConstructorParameters<typeof DapReader>[0] = {}): { msgs: object[]; drops: DapDrop[] } {
  const drops: DapDrop[] = [];
  const r = new DapReader({ ...options, onDrop: (d) => drops.push(d) });
  const msgs = (Array.isArray(input) ? input : [input]).flatMap((c) => r.push(c));
  return { msgs, drops };
}

/** Splits a buffer into pieces of `size` bytes. */
const chunked = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, k) => b.subarray(k * size, (k + 1) * size));

describe('DAP framing (unit)', () => {
  it('reassembles messages split at any byte and skips junk frames', () => {
    const bytes = Buffer.concat([frame(valid(1)), Buffer.from('Content-Length: 3\r\n\r\nxyz'), frame({ seq: 2, type: 'response' })]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { msgs } = read([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.deepEqual(msgs, [valid(1), { seq: 2, type: 'response' }], `cut at ${cut}`);
    }
    assert.deepEqual(read(chunked(bytes, 1)).msgs, [valid(1), { seq: 2, type: 'response' }]);
  });

  it('accepts further header fields (Content-Type)', () => {
    const json = JSON.stringify(valid(1));
    const { msgs } = read(Buffer.from(`Content-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${json}`));
    assert.deepEqual(msgs, [valid(1)]);
  });

  it('a huge Content-Length does not swallow the session: the next message still arrives', () => {
    const input = Buffer.concat([Buffer.from('Content-Length: 999999999999\r\n\r\n{"seq": 1, "type": "event", "body": "'), Buffer.alloc(4096, 'a'), frame(valid(2)), frame(valid(3))]);
    for (const size of [input.length, 1000, 7]) {
      const { msgs, drops } = read(chunked(input, size));
      assert.deepEqual(msgs, [valid(2), valid(3)], `chunks of ${size}`);
      assert.deepEqual(drops[0], { kind: 'too-large', bytes: 999999999999 });
    }
  });

  it('drops a message over the cap without buffering it, and reads the next one', () => {
    const big = frame({ seq: 1, type: 'event', event: 'output', body: { output: 'x'.repeat(3 * 1024 * 1024) } });
    const { msgs, drops } = read([...chunked(big, 65536), frame(valid(2))], { maxMessageBytes: 1024 * 1024 });
    assert.deepEqual(msgs, [valid(2)]);
    assert.equal(drops[0]!.kind, 'too-large');
  });

  it('resynchronises after garbage and malformed headers', () => {
    const garbage = [
      'Content-Length: abc\r\n\r\n',
      'Content-Length: -5\r\n\r\n',
      'Content-Length:\r\n\r\n',
      'Content-Length: 99999999999999999999\r\n\r\n',
      'Content-Length: 12', // no line end: the next header follows at once
      'Content-Length: 12\r\n', // no blank line
      'Content-Length: 12\r\nFoo: bar', // an unterminated field
      'Content-Length: 5\r\nnot a field\r\n\r\n',
      `Content-Length: 5\r\nX-Pad: ${'a'.repeat(MAX_HEADER_BYTES + 10)}\r\n\r\n`, // header block over its cap
      'Content-Length: 0\r\n\r\n',
      'Content-Length: 7\r\n\r\n[1,2,3]', // JSON, not an object
      'Content-Length: 9\r\n\r\n{"seq": 1', // cut JSON with a correct length
      'Content-Length: 4\r\n\r\n', // lies short: the body is the start of the next header
      'Content-Length: 400\r\n\r\n{"seq": ', // lies long: the next header inside the body ends it
      'Conte', // a header cut off
      '\u0000\u00ff\r\n\r\n\r\n random bytes \x1b[31m',
    ];
    for (const g of garbage) {
      for (const size of [1 << 20, 3, 1]) {
        const { msgs, drops } = read(chunked(Buffer.concat([frame(valid(1)), Buffer.from(g, 'latin1'), frame(valid(2)), frame(valid(3))]), size));
        assert.deepEqual(msgs, [valid(1), valid(2), valid(3)], `after ${JSON.stringify(g.slice(0, 40))} in chunks of ${size}`);
        assert.ok(drops.length > 0, `${JSON.stringify(g.slice(0, 40))} is reported`);
      }
    }
  });

  it('a body may contain header text: JSON escapes the line breaks', () => {
    const tricky = { seq: 1, type: 'event', event: 'output', body: { output: 'Content-Length: 5\r\n\r\n{}' } };
    assert.deepEqual(read(chunked(Buffer.concat([frame(tricky), frame(valid(2))]), 5)).msgs, [tricky, valid(2)]);
  });

  it('reads a big message in linear time (ratio to the same bytes as small messages)', () => {
    // 16 MiB in one message vs 16 MiB as 64 messages of 256 KiB, both in 64 KiB chunks: a reader that
    // copies its whole buffer per chunk is ~16x slower on the big one; a linear one is about even.
    const MiB = 1024 * 1024;
    const message = (size: number, seq: number) => frame({ seq, type: 'event', event: 'output', body: { output: 'v'.repeat(size - 100) } });
    const big = chunked(message(16 * MiB, 1), 65536);
    const small = chunked(Buffer.concat(Array.from({ length: 64 }, (_, k) => message(MiB / 4, k))), 65536);
    const time = (chunks: Buffer[], expected: number) => {
      const t0 = performance.now();
      const r = new DapReader();
      let n = 0;
      for (const c of chunks) n += r.push(c).length;
      assert.equal(n, expected);
      return performance.now() - t0;
    };
    // The best of three of each: the machine is shared, a pause must not decide.
    const bigMs = Math.min(...[0, 1, 2].map(() => time(big, 1)));
    const smallMs = Math.min(...[0, 1, 2].map(() => time(small, 64)));
    assert.ok(bigMs < 4 * smallMs, `16 MiB message: ${bigMs.toFixed(0)} ms, the same bytes in 256 KiB messages: ${smallMs.toFixed(0)} ms`);
  });
});
