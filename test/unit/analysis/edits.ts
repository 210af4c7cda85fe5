// Applies LSP-style text edits (0-based line/character ranges) to a text, as an editor would.
import type { TextEdit } from '../../../src/analysis/types';

function offsetAt(text: string, line: number, character: number): number {
  let off = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  const end = text.indexOf('\n', off);
  return Math.min(off + character, end < 0 ? text.length : end);
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  const withOffsets = edits.map((e, i) => ({ i, start: offsetAt(text, e.range.start.line, e.range.start.character), end: offsetAt(text, e.range.end.line, e.range.end.character), newText: e.newText }));
  // Non-overlapping by contract; apply from the end so earlier offsets stay valid (stable for same-position inserts).
  withOffsets.sort((a, b) => b.start - a.start || b.i - a.i);
  for (let k = 1; k < withOffsets.length; k++) {
    const later = withOffsets[k - 1]!;
    const earlier = withOffsets[k]!;
    if (earlier.end > later.start) throw new Error(`overlapping edits: ${JSON.stringify(edits)}`);
  }
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
