import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followLogs, newLines, splitLines } from '../../../src/azure/logFollow';

describe('log follow de-duplication (unit)', () => {
  it('emits only the lines after the overlap of two tail windows', () => {
    assert.deepEqual(newLines(['a', 'b', 'c'], ['b', 'c', 'd', 'e']), { lines: ['d', 'e'], gap: false });
    assert.deepEqual(newLines(['a', 'b', 'c'], ['a', 'b', 'c']), { lines: [], gap: false });
    assert.deepEqual(newLines([], ['a']), { lines: ['a'], gap: false });
  });

  it('does not repeat identical lines (health checks) already seen', () => {
    const prev = ['GET /', 'GET /', 'GET /'];
    assert.deepEqual(newLines(prev, ['GET /', 'GET /', 'GET /']).lines, []);
    assert.deepEqual(newLines(prev, ['GET /', 'GET /', 'GET /', 'POST /score']).lines, ['POST /score']);
  });

  it('finds the overlap in long windows of identical lines (the worst case for a naive search)', () => {
    const prev = Array.from({ length: 10000 }, () => 'GET / 200');
    const next = [...prev.slice(1), 'POST /score 500'];
    assert.deepEqual(newLines(prev, next), { lines: ['POST /score 500'], gap: false });
    const shifted = [...prev.slice(3), 'a', 'b', 'c'];
    assert.deepEqual(newLines(prev, shifted).lines, ['a', 'b', 'c']);
  });

  it('agrees with a brute-force search on random windows', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 300; t++) {
      const prev = Array.from({ length: Math.floor(rnd() * 8) }, () => 'abc'[Math.floor(rnd() * 3)]!);
      const next = Array.from({ length: Math.floor(rnd() * 8) }, () => 'abc'[Math.floor(rnd() * 3)]!);
      let k = Math.min(prev.length, next.length);
      while (k > 0 && prev.slice(prev.length - k).join('\n') !== next.slice(0, k).join('\n')) k--;
      assert.deepEqual(newLines(prev, next).lines, next.slice(k), `prev=${prev} next=${next}`);
    }
  });

  it('flags a gap when the new window shares nothing with the previous one', () => {
    assert.deepEqual(newLines(['a', 'b'], ['x', 'y']), { lines: ['x', 'y'], gap: true });
  });

  it('splits content into lines without a phantom empty last line', () => {
    assert.deepEqual(splitLines('a\r\nb\n'), ['a', 'b']);
    assert.deepEqual(splitLines(''), []);
  });

  it('follows by polling: first window, then new lines only, until aborted; errors do not end the follow', async () => {
    const windows = ['l1\nl2\n', 'l1\nl2\n', new Error('HTTP 500'), 'l2\nl3\nl4\n', 'l4\nl5\n'];
    const ac = new AbortController();
    const errors: unknown[] = [];
    let waits = 0;
    const chunks: string[] = [];
    for await (const chunk of followLogs({
      fetch: async () => {
        const w = windows.shift();
        if (w === undefined) {
          ac.abort();
          throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        }
        if (w instanceof Error) throw w;
        return w;
      },
      wait: async () => {
        waits++;
      },
      intervalMs: 1000,
      signal: ac.signal,
      onError: (e) => {
        errors.push(e);
      },
    })) {
      chunks.push(chunk);
    }
    assert.deepEqual(chunks, ['l1\nl2\n', 'l3\nl4\n', 'l5\n']);
    assert.equal(errors.length, 1);
    assert.ok(waits >= 4);
  });

  it('ends with the error when onError refuses to continue (e.g. 404: the deployment is gone)', async () => {
    const ac = new AbortController();
    const gone = Object.assign(new Error('Not found (HTTP 404)'), { kind: 'notFound' });
    const chunks: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of followLogs({ fetch: async () => { throw gone; }, wait: async () => undefined, intervalMs: 0, signal: ac.signal, onError: () => false })) chunks.push(c);
      })(),
      /HTTP 404/,
    );
    assert.deepEqual(chunks, []);
  });
});
