// Incremental parsing support: tell a previous syntax tree about a text change so the next parse only
// re-parses what changed. Positions are in UTF-16 code units, as in LSP and in web-tree-sitter.
import type { Tree } from './parser';
import type { Position } from './types';

export interface TextChange {
  /** Offsets and positions in the text before the change. */
  startOffset: number;
  oldEndOffset: number;
  start: Position;
  oldEnd: Position;
  newText: string;
}

export function editTree(tree: Tree, change: TextChange): void {
  const nl = change.newText.lastIndexOf('\n');
  const rows = nl < 0 ? 0 : change.newText.split('\n').length - 1;
  const newEndPosition = nl < 0 ? { row: change.start.line, column: change.start.character + change.newText.length } : { row: change.start.line + rows, column: change.newText.length - nl - 1 };
  tree.edit({
    startIndex: change.startOffset,
    oldEndIndex: change.oldEndOffset,
    newEndIndex: change.startOffset + change.newText.length,
    startPosition: { row: change.start.line, column: change.start.character },
    oldEndPosition: { row: change.oldEnd.line, column: change.oldEnd.character },
    newEndPosition,
  });
}

export type { Tree } from './parser';
