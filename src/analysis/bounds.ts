// What the analysis agrees to parse. Workspace files are written by someone else: a 25 MiB generated module,
// a minified bundle or binary data saved as .py must not freeze or exhaust the language server or the CLI.
// These checks run before parsing, in one linear pass over the text; a file that fails one gets a single
// finding that says why it was not analysed instead of diagnostics (see analyze.ts). The parser has its own
// time and memory bounds on top (parser.ts), for whatever gets past these.

/** Characters (UTF-16 code units) the analysis parses at most. Entry scripts are a few KB; 1 Mi is a 20,000-line module. */
export const MAX_SOURCE_CHARS = 1024 * 1024;
/** A file of more bytes than this holds more than MAX_SOURCE_CHARS characters (UTF-8: at most 3 bytes per UTF-16 unit); not even read. */
export const MAX_SOURCE_BYTES = 3 * MAX_SOURCE_CHARS;
/** Longest line parsed: VS Code's own limit for tokenising a line (editor.maxTokenizationLineLength). Longer lines are minified or generated code. */
export const MAX_LINE_CHARS = 20_000;
/**
 * Not Python: at least this many lines with a character Python's tokenizer rejects, and at least this share of the
 * code lines. A half-typed file has a few such lines; random text, binary data or another language has them
 * on nearly every line.
 */
const NOT_PYTHON_MIN_LINES = 20;
const NOT_PYTHON_SHARE = 0.2;

/** CPython's tokenizer limits (MAXLEVEL, MAXINDENT): beyond them the file is a syntax error anyway, and deep nesting is slow to parse. */
const MAX_NESTING = 200;
const MAX_INDENT_LEVELS = 100;

export type SkipReason =
  | { kind: 'size'; chars?: number; bytes?: number }
  | { kind: 'line'; line: number; chars: number }
  | { kind: 'nul'; line: number; character: number }
  /** What CPython's tokenizer refuses too: syntax errors, reported without parsing. */
  | { kind: 'nesting'; line: number; character: number }
  | { kind: 'indent'; line: number; character: number }
  | { kind: 'not-python'; line: number; character: number; badLines: number; codeLines: number; what: string }
  /** Found while parsing (parser.ts): over the time budget, or the parser's memory limit reached twice. */
  | { kind: 'parse-time'; ratio: number }
  | { kind: 'parser-memory' };

/** Why the text must not be parsed, or undefined when it may be. Linear in the text's length. */
export function precheckSource(text: string): SkipReason | undefined {
  if (text.length > MAX_SOURCE_CHARS) return { kind: 'size', chars: text.length };
  return scanSource(text);
}

const isIdStart = /[\p{ID_Continue}]/u;

/** ASCII characters that need no attention in any state: letters, digits, '_' and operators that are never special. */
const PLAIN = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:;=+-*/%<>&|^~@') PLAIN[ch.charCodeAt(0)] = 1;

/** Is `c` (a code unit at i, possibly a surrogate pair) a character Python accepts in code outside strings and comments? */
function codeCharOk(text: string, i: number, c: number): boolean {
  if (c < 128) {
    if (c === 36 /* $ */ || c === 63 /* ? */ || c === 96 /* ` */ || c === 127) return false;
    if (c === 33 /* ! */) return text.charCodeAt(i + 1) === 61; // only in !=
    // Tab, line feed, form feed and carriage return; every other control character is a tokenizer error.
    return c >= 32 || c === 9 || c === 10 || c === 12 || c === 13;
  }
  // Beyond ASCII only identifier characters are code (U+00A0, arrows, U+FFFD from undecodable bytes are not).
  const cp = text.codePointAt(i)!;
  return isIdStart.test(String.fromCodePoint(cp));
}

function describe(c: number): string {
  if (c < 32 || c === 127) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 0xfffd) return 'undecodable bytes (U+FFFD)';
  return `'${String.fromCharCode(c)}'`;
}

/**
 * One pass in the manner of Python's tokenizer: strings (single, triple, with backslash escapes), comments and
 * brackets are followed, so a '$' in a string or a comment is fine. Counts the code lines and the lines with a
 * character the tokenizer rejects, an unterminated single-quoted string or an unmatched closing bracket.
 */
function scanSource(text: string): SkipReason | undefined {
  const n = text.length;
  let line = 0;
  let lineStart = 0;
  let codeLines = 0;
  let badLines = 0;
  let lineIsCode = false;
  let lineIsBad = false;
  let first: { line: number; character: number; what: string } | undefined;
  let depth = 0;
  let quote = 0; // inside a string: its quote character
  let triple = false;
  let logicalStart = true; // the next token starts a statement (its indentation counts)
  const indents: number[] = [];
  const bad = (i: number, what: string) => {
    lineIsBad = true;
    first ??= { line, character: i - lineStart, what };
  };
  const endLine = (i: number) => {
    if (lineIsCode) codeLines++;
    if (lineIsBad) badLines++;
    lineIsCode = lineIsBad = false;
    line++;
    lineStart = i + 1;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Most characters are letters, digits, spaces, operators: nothing to do but note a code line.
    if (c < 128 && PLAIN[c] === 1 && i - lineStart <= MAX_LINE_CHARS) {
      if (!quote) {
        lineIsCode = true;
        if (!logicalStart) continue;
      } else continue;
    }
    if (c === 0) return { kind: 'nul', line, character: i - lineStart };
    if (i - lineStart > MAX_LINE_CHARS) {
      let end = text.indexOf('\n', i);
      if (end < 0) end = n;
      return { kind: 'line', line, chars: end - lineStart - (text.charCodeAt(end - 1) === 13 ? 1 : 0) };
    }
    if (quote) {
      if (c === 92 /* \ */) {
        // An escaped character, including an escaped line break (a continued string).
        if (text.charCodeAt(i + 1) === 10) endLine(++i);
        else if (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10) endLine((i += 2));
        else if (text.charCodeAt(i + 1) !== 0) i++;
      } else if (c === quote && (!triple || (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote))) {
        if (triple) i += 2;
        quote = 0;
      } else if (c === 10) {
        if (!triple) {
          bad(i, 'an unterminated string');
          quote = 0;
        }
        endLine(i);
      }
      continue;
    }
    if (c === 10) {
      endLine(i);
      logicalStart = depth === 0; // inside brackets a line continues the statement
      continue;
    }
    if (c === 32 || c === 9 || c === 12 || c === 13) continue;
    if (c === 35) {
      // A comment, to the end of the line (the loop above checks each of its characters).
      while (i + 1 < n && text.charCodeAt(i + 1) !== 10 && text.charCodeAt(i + 1) !== 0 && i + 1 - lineStart <= MAX_LINE_CHARS) i++;
      continue;
    }
    lineIsCode = true;
    if (logicalStart) {
      // The first token of a statement: its column against the indentation levels, as CPython's tokenizer does.
      logicalStart = false;
      let col = 0;
      for (let k = lineStart; k < i; k++) col = text.charCodeAt(k) === 9 ? col + 8 - (col % 8) : col + 1;
      while (indents.length && col < indents[indents.length - 1]!) indents.pop();
      if (col > (indents[indents.length - 1] ?? 0)) {
        indents.push(col);
        if (indents.length >= MAX_INDENT_LEVELS) return { kind: 'indent', line, character: i - lineStart };
      }
    }
    switch (c) {
      case 34:
      case 39:
        quote = c;
        triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
        if (triple) i += 2;
        continue;
      case 92: // a backslash outside a string only continues the line
        if (text.charCodeAt(i + 1) === 10) endLine(++i);
        else if (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10) endLine((i += 2));
        else bad(i, "'\\' not at the end of a line");
        continue;
      case 40:
      case 91:
      case 123:
        if (++depth > MAX_NESTING) return { kind: 'nesting', line, character: i - lineStart };
        continue;
      case 41:
      case 93:
      case 125:
        if (depth === 0) bad(i, `an unmatched '${String.fromCharCode(c)}'`);
        else depth--;
        continue;
      default:
        if (!codeCharOk(text, i, c)) bad(i, describe(c));
        if (c >= 0xd800 && c <= 0xdbff) i++; // the rest of a surrogate pair
    }
  }
  endLine(n);
  if (first && badLines >= NOT_PYTHON_MIN_LINES && badLines >= NOT_PYTHON_SHARE * codeLines) {
    return { kind: 'not-python', ...first, badLines, codeLines };
  }
  return undefined;
}

const MiB = 1024 * 1024;
const CRASH = 'the inference server imports this file at start-up, so the container would crash before serving a request.';

/** The message of the one finding a skipped file gets: why, and what to do. */
export function skipMessage(reason: SkipReason, label: string): string {
  switch (reason.kind) {
    case 'size': {
      const amount = reason.bytes !== undefined ? `${(reason.bytes / MiB).toFixed(1)} MiB` : `${reason.chars!.toLocaleString('en-US')} characters`;
      return `${label} is ${amount} long, more than the ${MAX_SOURCE_CHARS.toLocaleString('en-US')} characters (1 MiB) the analysis reads: not analysed. An entry script is usually a few KB; keep data and generated code in separate files that init() loads.`;
    }
    case 'line':
      return `Line ${reason.line + 1} of ${label} is ${reason.chars.toLocaleString('en-US')} characters long (minified or generated code; the analysis reads lines of up to ${MAX_LINE_CHARS.toLocaleString('en-US')}): not analysed.`;
    case 'nul':
      return `source code cannot contain null bytes (SyntaxError): ${CRASH} The file holds binary data or was saved in UTF-16; save it as UTF-8 text.`;
    case 'nesting':
      return `too many nested parentheses (SyntaxError; Python allows ${MAX_NESTING} levels of brackets): ${CRASH}`;
    case 'indent':
      return `too many levels of indentation (IndentationError; Python stops at ${MAX_INDENT_LEVELS}): ${CRASH}`;
    case 'not-python':
      return `${label} does not look like Python source: ${reason.badLines} of its ${reason.codeLines} code lines have characters Python's tokenizer rejects (first: ${reason.what} on line ${reason.line + 1}). Not analysed.`;
    case 'parse-time':
      return `${label} does not look like Python source: parsing it took more than ${reason.ratio} times as long as ordinary Python of the same length, so it was stopped. Not analysed.`;
    case 'parser-memory':
      return `${label} needs more memory to parse than the analysis allows: not analysed.`;
  }
}
