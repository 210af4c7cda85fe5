// The character scans that replaced regular expressions on the per-keystroke path must say exactly what the
// expressions said: checked against them on seeded random lines built from the characters that matter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endsWithColon, isJsSpace, splitLines } from '../../../src/analysis/pyast';
import { rng } from '../../helpers/rng';

const ALPHABET = [':', '#', ' ', '\t', '\r', '\n', 'a', 'x', '\u00a0', '\u2028', '\u3000', '"', '('];

function randomText(r: () => number, maxLen: number): string {
  let s = '';
  const n = Math.floor(r() * maxLen);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

describe('text scans on the keystroke path (unit)', () => {
  it('isJsSpace matches /\\s/ on every UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) assert.equal(isJsSpace(c), /\s/.test(String.fromCharCode(c)), `code unit ${c.toString(16)}`);
  });

  it('endsWithColon matches /:\\s*(#.*)?$/ on 20,000 random lines', () => {
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const line = randomText(r, 14);
      assert.equal(endsWithColon(line), /:\s*(#.*)?$/.test(line), JSON.stringify(line));
    }
    assert.equal(endsWithColon('def run(data):  # comment: with colon'), true);
    assert.equal(endsWithColon('x = {"a": 1}'), false);
  });

  it('splitLines matches split(/\\r?\\n/) on 20,000 random texts', () => {
    const r = rng(11);
    for (let i = 0; i < 20000; i++) {
      const text = randomText(r, 20);
      assert.deepEqual(splitLines(text), text.split(/\r?\n/), JSON.stringify(text));
    }
  });
});
