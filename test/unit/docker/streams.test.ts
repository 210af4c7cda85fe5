// (unit) Docker stream framing, newline-delimited JSON and the bounded output capture.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerStreamDemuxer, HeadTailCapture, JsonLineSplitter } from '../../../src/docker/streams';

function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('DockerStreamDemuxer (unit)', () => {
  it('splits stdout/stderr frames even when a frame arrives in pieces', () => {
    const all = Buffer.concat([frame(1, 'Booting worker\n'), frame(2, 'Traceback (most recent call last):\n'), frame(1, 'ok\n')]);
    const d = new DockerStreamDemuxer();
    const out: { stream: string; data: string }[] = [];
    for (let i = 0; i < all.length; i += 5) for (const f of d.push(all.subarray(i, i + 5))) out.push({ stream: f.stream, data: f.data.toString() });
    assert.deepEqual(out, [
      { stream: 'stdout', data: 'Booting worker\n' },
      { stream: 'stderr', data: 'Traceback (most recent call last):\n' },
      { stream: 'stdout', data: 'ok\n' },
    ]);
  });

  it('passes a TTY (unframed) stream through unchanged', () => {
    const d = new DockerStreamDemuxer();
    assert.equal(d.push(Buffer.from('plain text\n')).map((f) => f.data.toString()).join(''), 'plain text\n');
    assert.equal(d.push(Buffer.from('more\n')).map((f) => f.data.toString()).join(''), 'more\n');
  });
});

describe('JsonLineSplitter (unit)', () => {
  it('joins objects split across chunks and reports malformed lines without throwing', () => {
    const s = new JsonLineSplitter();
    const bad: string[] = [];
    assert.deepEqual(s.push('{"Action":"st', (l) => bad.push(l)), []);
    assert.deepEqual(s.push('art"}\n{"Action":"die"}\nnot json\n', (l) => bad.push(l)), [{ Action: 'start' }, { Action: 'die' }]);
    assert.deepEqual(bad, ['not json']);
  });
});

describe('HeadTailCapture (unit)', () => {
  it('keeps everything under the cap', () => {
    const c = new HeadTailCapture(100);
    c.push(Buffer.from('hello '));
    c.push(Buffer.from('world'));
    assert.equal(c.text(), 'hello world');
    assert.equal(c.truncated, false);
  });

  it('keeps the first and last bytes of an endless output, says how much was cut, and stays bounded', () => {
    const c = new HeadTailCapture(1000);
    c.push(Buffer.from('BEGIN\n'));
    const line = Buffer.from('y\n');
    for (let i = 0; i < 200_000; i++) c.push(line);
    c.push(Buffer.from('\nEND'));
    const t = c.text();
    assert.ok(c.truncated);
    assert.equal(c.total, 6 + 400_000 + 4);
    assert.ok(t.startsWith('BEGIN\ny\n'), t.slice(0, 20));
    assert.ok(t.endsWith('y\n\nEND'), t.slice(-20));
    const m = /\[\.\.\. (\d+) bytes cut by AML Deploy Doctor/.exec(t);
    assert.ok(m, t.slice(480, 620));
    // Kept + cut = everything that arrived.
    assert.equal(Number(m[1]) + 1000, c.total);
    assert.ok(Buffer.byteLength(t) < 1200);
  });

  it('handles chunks larger than the cap', () => {
    const c = new HeadTailCapture(10);
    c.push(Buffer.from('0123456789abcdefghij'));
    assert.match(c.text(), /^01234\n\[\.\.\. 10 bytes cut .*\]\nfghij$/);
  });
});
