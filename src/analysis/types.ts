/** Zero-based position, as in LSP and tree-sitter (row/column). The CLI turns these into 1-based numbers. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A text replacement in the analysed file; the quick fixes are lists of these. */
export interface TextEdit {
  range: Range;
  newText: string;
}
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix a user most likely wants (shown first, bound to "auto fix"). */
  preferred?: boolean;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  range: Range;
  /** Troubleshooting-guide section that explains the failure. */
  docsUrl?: string;
  fixes?: Fix[];
}

export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  docsUrl: string;
}
