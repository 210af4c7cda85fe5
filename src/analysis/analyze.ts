// Pure analysis of an Azure ML entry (scoring) script: text in, findings out. No vscode, no LSP.
import {
  checkBatchReturn,
  checkDebugpy,
  checkEntryFunctions,
  checkErrorLeak,
  checkGetModelPath,
  checkGlobalMissing,
  checkHardcodedModelPath,
  checkModelLoadInRun,
  checkNonSerializableReturn,
  checkRunSignature,
  checkRunUnguarded,
  checkSklearnJoblib,
  checkUndefinedNames,
  makeFinding,
  type Script,
  type ScriptKind,
} from './checks';
import { precheckSource, skipMessage, type SkipReason } from './bounds';
import { acquireParser, deleteTree, discardRuntime, isLiveTree, isParserAbort, PARSE_BUDGET_RATIO, parseBudget, parseInSlices, type Parser, type SyntaxNode, type Tree } from './parser';
import { endsWithColon, findAll, importAliases, indentOf, isJsSpace, named, nodeRange, splitLines, topLevelFunctions, withChildMemo, type FunctionInfo } from './pyast';
import * as l10n from '../common/l10n';
import type { Finding } from './types';

export type { ScriptKind } from './checks';

export interface AnalyzeOptions {
  /** File name, used only in messages. */
  fileName?: string;
  /** Force online or batch rules; by default the script's shape decides (run(mini_batch), parallel_run imports). */
  kind?: ScriptKind;
  /** Rethrow a rule's internal error instead of skipping that rule (tests and the fuzz test use it). */
  strict?: boolean;
  /**
   * Incremental parsing (the language server): the previous tree of this document with the edits since
   * applied (tree.edit). It is consumed (deleted) by the call.
   */
  oldTree?: Tree;
  /** Return the new tree in the result instead of deleting it; the caller owns it then. */
  keepTree?: boolean;
  /**
   * Checked while a long parse pauses (see parseInSlices): true stops the analysis, which then resolves with
   * `cancelled` (the language server: a newer version of the document arrived, or it was closed).
   */
  isCancelled?: () => boolean;
}

export interface ScriptAnalysis {
  findings: Finding[];
  /** Top-level init() and run() both exist: the module is an entry script by content. */
  hasInit: boolean;
  hasRun: boolean;
  kind: ScriptKind;
  /** Only with keepTree: the syntax tree of `text`, for the next incremental parse. */
  tree?: Tree;
  /** isCancelled() said stop: no findings were computed. */
  cancelled?: boolean;
  /** The text was not parsed (too large, a line too long, not Python, or the parser's bounds): `findings` says why. */
  skipped?: boolean;
}

function firstError(root: SyntaxNode): SyntaxNode | undefined {
  if (!root.hasError) return undefined;
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'ERROR' || node.isMissing) return node;
    for (let i = node.childCount - 1; i >= 0; i--) {
      const c = node.child(i);
      if (c && (c.hasError || c.isMissing)) stack.push(c);
    }
  }
  return undefined;
}

/** IndentationError that tree-sitter tolerates: statements of one block (or the module) at different columns. */
type IndentError = 'unexpected' | 'unindent';

function indentationError(root: SyntaxNode, lines: string[], top: SyntaxNode[]): { node: SyntaxNode; kind: IndentError } | undefined {
  const ownLine = (n: SyntaxNode) => /^[ \t]*$/.test((lines[n.startPosition.row] ?? '').slice(0, n.startPosition.column));
  for (const st of top) {
    const col = st.startPosition.column;
    if (col === 0 || !ownLine(st)) continue;
    // Python's words: going back to a column shallower than the code line above is an "unindent" error.
    let above = st.startPosition.row - 1;
    while (above >= 0 && /^\s*(#.*)?$/.test(lines[above]!)) above--;
    const aboveIndent = above >= 0 ? indentOf(lines[above]!).length : 0;
    return { node: st, kind: col < aboveIndent ? 'unindent' : 'unexpected' };
  }
  // Lines whose indentation is suspicious on its own (deeper without a preceding ':', or a dedent to a
  // level never used): continuation lines and string contents land here too, so each is checked on the tree.
  const stack = [0];
  let prevEndsColon = false;
  // Character scans, not regular expressions: this runs over every line on every keystroke, and a match
  // array per line was half of what an incremental analysis of a 5,000-line file allocated.
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row]!;
    let w = 0;
    while (w < line.length && (line.charCodeAt(w) === 32 || line.charCodeAt(w) === 9)) w++;
    if (w === line.length || line.charCodeAt(w) === 35 /* # */ || isJsSpace(line.charCodeAt(w))) continue;
    let suspicious = false;
    const dedent = w < stack[stack.length - 1]!;
    if (w > stack[stack.length - 1]!) {
      suspicious = !prevEndsColon;
      stack.push(w);
    } else if (dedent) {
      while (stack.length > 1 && stack[stack.length - 1]! > w) stack.pop();
      suspicious = stack[stack.length - 1] !== w;
      if (suspicious) stack.push(w);
    }
    prevEndsColon = endsWithColon(line);
    if (!suspicious) continue;
    let node: SyntaxNode | null = root.descendantForPosition({ row, column: w });
    while (node && node.parent && node.parent.type !== 'block' && node.parent.type !== 'module') node = node.parent;
    if (!node?.parent || node.startPosition.row !== row || node.startPosition.column !== w || node.type === 'comment') continue;
    if (node.parent.type === 'module') {
      if (w !== 0) return { node, kind: dedent ? 'unindent' : 'unexpected' };
      continue;
    }
    const first = named(node.parent).filter(ownLine)[0];
    const col = first?.startPosition.column ?? w;
    if (col !== w) return { node, kind: w > col ? 'unexpected' : 'unindent' };
  }
  return undefined;
}

/** Compound statements and clauses that own a block, with the word Python names them by in its error. */
const BLOCK_OWNERS: Record<string, string> = {
  if_statement: 'if',
  elif_clause: 'elif',
  else_clause: 'else',
  for_statement: 'for',
  while_statement: 'while',
  try_statement: 'try',
  except_clause: 'except',
  except_group_clause: 'except*',
  finally_clause: 'finally',
  with_statement: 'with',
  match_statement: 'match',
  case_clause: 'case',
  function_definition: 'def',
  class_definition: 'class',
};

/** Nodes whose lines cannot hold a header's colon (strings and brackets). */
const ENCLOSING = new Set(['string', 'dictionary', 'list', 'set', 'tuple', 'parenthesized_expression', 'argument_list', 'parameters', 'subscript', 'list_comprehension', 'dictionary_comprehension', 'set_comprehension', 'generator_expression']);

/** Errors of block structure that tree-sitter parses without an ERROR node, in Python's words. */
type BlockError = { kind: 'empty-block'; owner: string; headerRow: number } | { kind: 'try-without-handler' };

/**
 * A header line (ending with ':') whose block holds no statement ("expected an indented block", an
 * IndentationError: the next line is not indented deeper), and a try: without except or finally (a
 * SyntaxError). tree-sitter accepts both (an empty block, a lone try body). The lines are scanned for the
 * candidates: a header followed by a line that is not deeper, and lines starting with `try`; only those
 * are looked up in the tree, so a docstring's "Args:" or a dict's `'key':` line costs one lookup and is
 * dismissed there (its enclosing block is not empty).
 */
function blockError(root: SyntaxNode, lines: string[]): { node: SyntaxNode; row: number; error: BlockError } | undefined {
  // A header's colon is never inside a string or brackets: the rows of one already looked up, up to its last
  // (which can still end a header: `if (a and\n b):`), are not looked up again. A string or a dict of
  // 100,000 lines ending with ':' costs one lookup, not one per line.
  let skipThrough = -1;
  const owner = (row: number, column: number): SyntaxNode | undefined => {
    if (row <= skipThrough) return undefined;
    let node: SyntaxNode | null = root.descendantForPosition({ row, column });
    while (node && !(node.type in BLOCK_OWNERS)) {
      if (ENCLOSING.has(node.type)) skipThrough = Math.max(skipThrough, node.endPosition.row - 1);
      node = node.parent;
    }
    return node ?? undefined;
  };
  const emptyBlock = (node: SyntaxNode): boolean => {
    let block: SyntaxNode | undefined;
    for (let i = 0; i < node.childCount && !block; i++) if (node.child(i)?.type === 'block') block = node.child(i)!;
    return !block || named(block).length === 0;
  };
  const check = (row: number, column: number, isTry: boolean) => {
    const node = owner(row, column);
    if (!node) return undefined;
    if (emptyBlock(node)) return { node, row, error: { kind: 'empty-block' as const, owner: BLOCK_OWNERS[node.type]!, headerRow: node.startPosition.row } };
    if (isTry && node.type === 'try_statement' && node.startPosition.row === row) {
      const handled = named(node).some((c) => c.type === 'except_clause' || c.type === 'except_group_clause' || c.type === 'finally_clause');
      if (!handled) return { node, row, error: { kind: 'try-without-handler' as const } };
    }
    return undefined;
  };
  let pending: { row: number; w: number } | undefined;
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row]!;
    let w = 0;
    while (w < line.length && (line.charCodeAt(w) === 32 || line.charCodeAt(w) === 9)) w++;
    if (w === line.length || line.charCodeAt(w) === 35 /* # */ || isJsSpace(line.charCodeAt(w))) continue;
    if (pending) {
      if (w <= pending.w) {
        const found = check(pending.row, pending.w, false);
        if (found) return found;
      }
      pending = undefined;
    }
    const header = endsWithColon(line);
    // `try:` (also `try :` and `try:  # comment`): the word, then the colon.
    if (header && line.startsWith('try', w)) {
      let c = w + 3;
      while (c < line.length && (line.charCodeAt(c) === 32 || line.charCodeAt(c) === 9)) c++;
      if (line.charCodeAt(c) === 58) {
        const found = check(row, w, true);
        if (found) return found;
      }
    }
    if (header) pending = { row, w };
  }
  return pending ? check(pending.row, pending.w, false) : undefined;
}

/** The header of a block's owner, from its first token to the end of the line holding its colon. */
function headerRange(node: SyntaxNode, row: number, lines: string[]): { start: { line: number; character: number }; end: { line: number; character: number } } {
  const end = (lines[row] ?? '').trimEnd().length;
  return { start: { line: node.startPosition.row, character: node.startPosition.column }, end: { line: row, character: Math.max(end, row === node.startPosition.row ? node.startPosition.column : 0) } };
}

function blockErrorMessage(error: BlockError): string {
  if (error.kind === 'try-without-handler')
    return l10n.t('expected \'except\' or \'finally\' block (SyntaxError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Add an except or finally clause to the try.');
  const line = error.headerRow + 1;
  if (error.owner === 'def')
    return l10n.t('expected an indented block after function definition on line {0} (IndentationError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Indent the function body (or write pass).', line);
  if (error.owner === 'class')
    return l10n.t('expected an indented block after class definition on line {0} (IndentationError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Indent the class body (or write pass).', line);
  return l10n.t('expected an indented block after \'{0}\' statement on line {1} (IndentationError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Indent the lines that belong to it (or write pass).', error.owner, line);
}

/** Python's words for the error (as Python prints them), then what it does to a deployment: one sentence per case. */
function syntaxErrorMessage(err: SyntaxNode | undefined, indent: IndentError | undefined): string {
  if (err?.isMissing)
    return l10n.t('missing "{0}": the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.', err.type);
  if (err)
    return l10n.t('invalid syntax: the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.');
  if (indent === 'unindent')
    return l10n.t('unindent does not match any outer indentation level (IndentationError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.');
  return l10n.t('unexpected indent (IndentationError): the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.');
}

/** Import statements at module level (also inside top-level if/try/with) and inside init()/run(). */
function collectImports(top: SyntaxNode[], fns: Map<string, FunctionInfo>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const kinds = new Set(['import_statement', 'import_from_statement']);
  for (const st of top) {
    if (kinds.has(st.type)) out.push(st);
    else if (st.type === 'if_statement' || st.type === 'try_statement' || st.type === 'with_statement') out.push(...findAll(st, kinds));
  }
  for (const f of fns.values()) if (f.body) out.push(...findAll(f.body, kinds));
  return out;
}

const ENTRY_DEF = /^(?:async[ \t]+)?def[ \t]+(init|run)[ \t]*\(/;

/**
 * A broken file often loses init()/run() in tree-sitter's error recovery (an unclosed bracket swallows what
 * follows). Re-parse each top-level `def init(`/`def run(` chunk on its own, at the same line numbers, so the
 * other rules still see the functions.
 */
function recoverFunctions(parser: Parser, lines: string[], fns: Map<string, FunctionInfo>, trees: Tree[]): void {
  const tried = new Set<string>(); // one re-parse per name: a file of 10,000 broken `def run(` lines stays linear
  for (let row = 0; row < lines.length && tried.size < 2; row++) {
    const m = ENTRY_DEF.exec(lines[row]!);
    if (!m) continue;
    const name = m[1]!;
    const known = fns.get(name);
    if ((known && !known.def.hasError) || tried.has(name)) continue;
    tried.add(name);
    let start = row;
    while (start > 0 && /^@/.test(lines[start - 1]!)) start--;
    let end = row + 1;
    while (end < lines.length && !/^[^\s#)\]}]/.test(lines[end]!)) end++;
    const chunk = '\n'.repeat(start) + lines.slice(start, end).join('\n') + '\n';
    const tree = parser.parse(chunk);
    if (!tree) continue;
    trees.push(tree);
    const info = topLevelFunctions(tree.rootNode, new Set([name])).get(name);
    if (info && (!known || !info.def.hasError)) fns.set(name, info);
  }
}

/** Batch (ParallelRunStep / batch endpoint) scripts: run(mini_batch), or the batch runtime's own imports and variables. */
export function detectKind(text: string, fns: Map<string, FunctionInfo>): ScriptKind {
  const run = fns.get('run');
  const first = run?.params.find((p) => p.kind === 'normal')?.name ?? '';
  if (/mini_?batch|^batch$|^files$|^file_list$/i.test(first)) return 'batch';
  if (/\bazureml_user\.parallel_run\b|\bEntryScript\s*\(|AZUREML_BI_OUTPUT_PATH|\bparallel_run_config\b/.test(text)) return 'batch';
  return 'online';
}

/** Top-level `def init(` / `def run(` lines, for a text that is not parsed (the language server's recognition by content). */
function entryDefsByText(text: string): { hasInit: boolean; hasRun: boolean } {
  return { hasInit: /^(?:async[ \t]+)?def[ \t]+init[ \t]*\(/m.test(text), hasRun: /^(?:async[ \t]+)?def[ \t]+run[ \t]*\(/m.test(text) };
}

/** The single finding of a file that is not analysed, and what the rest of the result says about it. */
function skipped(text: string, reason: SkipReason, label: string): ScriptAnalysis {
  const line = 'line' in reason ? reason.line : 0;
  const character = 'character' in reason ? reason.character : 0;
  // What CPython's tokenizer itself refuses (NUL bytes, nesting limits) is a syntax error, not only a file left unanalysed.
  const finding = reason.kind === 'nul' || reason.kind === 'nesting' || reason.kind === 'indent'
    ? makeFinding('syntax-error', skipMessage(reason, label), { start: { line, character }, end: { line, character: character + 1 } })
    : makeFinding('analysis-skipped', skipMessage(reason, label), { start: { line, character }, end: { line, character } });
  // Over the size limit not even scanned: such a file is an entry script by name or not at all.
  const defs = reason.kind === 'size' ? { hasInit: false, hasRun: false } : entryDefsByText(text);
  return { findings: [finding], ...defs, kind: 'online', skipped: true };
}

const CANCELLED: ScriptAnalysis = { findings: [], hasInit: false, hasRun: false, kind: 'online', cancelled: true };

/**
 * Full analysis with the facts the language server needs to decide whether a file is an entry script. Bounded:
 * the text is checked before parsing (bounds.ts), the parse has a time budget and pauses for cancellation
 * (parser.ts), and a parser runtime that aborts (out of memory) is replaced and the file tried once more.
 */
export async function inspectScoringScript(text: string, options: AnalyzeOptions = {}): Promise<ScriptAnalysis> {
  const label = options.fileName ?? l10n.t('The entry script');
  const reason = precheckSource(text);
  if (reason) {
    deleteTree(options.oldTree);
    return skipped(text, reason, label);
  }
  let oldTree = options.oldTree;
  for (let attempt = 0; ; attempt++) {
    try {
      return await parseAndCheck(text, options, oldTree && isLiveTree(oldTree) ? oldTree : undefined, label);
    } catch (err) {
      if (!isParserAbort(err)) throw err;
      // The WebAssembly instance is unusable from here on (and its trees with it): load a new one, try again.
      discardRuntime();
      oldTree = undefined;
      if (attempt > 0) return skipped(text, { kind: 'parser-memory' }, label);
    }
  }
}

async function parseAndCheck(text: string, options: AnalyzeOptions, oldTree: Tree | undefined, label: string): Promise<ScriptAnalysis> {
  let lease;
  try {
    lease = await acquireParser();
  } catch (err) {
    deleteTree(oldTree);
    throw err;
  }
  const { parser } = lease;
  let parsed: Tree | 'cancelled' | 'over-budget';
  try {
    parsed = await parseInSlices(parser, text, oldTree, { isCancelled: options.isCancelled, overBudget: parseBudget(text.length) });
  } catch (err) {
    lease.release();
    throw err;
  } finally {
    deleteTree(oldTree);
  }
  if (parsed === 'cancelled') {
    lease.release();
    return CANCELLED;
  }
  if (parsed === 'over-budget') {
    lease.release();
    return skipped(text, { kind: 'parse-time', ratio: PARSE_BUDGET_RATIO }, label);
  }
  const tree = parsed;
  const extraTrees: Tree[] = [];
  let keep = false;
  try {
    // Synchronous from here on: the rules share one memo of children lists.
    return withChildMemo(() => {
      const root = tree.rootNode;
      const lines = splitLines(text);
      const top = named(root);
      const fns = topLevelFunctions(root, undefined, top);
      if (root.hasError) recoverFunctions(parser, lines, fns, extraTrees);
      const imports = collectImports(top, fns);
      const s: Script = {
        text,
        lines,
        root,
        fns,
        imports,
        top,
        aliases: importAliases(imports),
        kind: options.kind ?? detectKind(text, fns),
        label,
      };
      const findings: Finding[] = [];
      const err = firstError(root);
      const indent = err ? undefined : indentationError(root, lines, top);
      const block = err ? undefined : blockError(root, lines);
      // Python reports the first error of the file: the earlier of the two.
      if (block && (!indent || block.row < indent.node.startPosition.row)) {
        findings.push(makeFinding('syntax-error', blockErrorMessage(block.error), headerRange(block.node, block.row, lines)));
      } else if (err || indent) {
        findings.push(makeFinding('syntax-error', syntaxErrorMessage(err, indent?.kind), nodeRange(err ?? indent!.node)));
      }
      // Each rule is isolated: a surprise in one (a half-typed construct) must not hide the others.
      const checks = [
        checkEntryFunctions,
        checkRunSignature,
        checkRunUnguarded,
        checkErrorLeak,
        checkGlobalMissing,
        checkModelLoadInRun,
        checkGetModelPath,
        checkNonSerializableReturn,
        checkDebugpy,
        checkSklearnJoblib,
        checkHardcodedModelPath,
        checkBatchReturn,
        checkUndefinedNames,
      ];
      for (const check of checks) {
        try {
          check(s, findings);
        } catch (err) {
          // The runtime aborted: not a rule's surprise, the whole analysis starts again on a new runtime.
          if (isParserAbort(err)) throw err;
          // A rule that cannot make sense of a broken tree reports nothing; the others still run.
          if (options.strict) throw err;
        }
      }
      findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      keep = !!options.keepTree;
      return { findings, hasInit: fns.has('init'), hasRun: fns.has('run'), kind: s.kind, tree: keep ? tree : undefined };
    });
  } finally {
    if (!keep) deleteTree(tree);
    for (const t of extraTrees) deleteTree(t);
    lease.release();
  }
}

/** The finding of a file too large to read at all (the CLI checks the size before reading). */
export function tooLargeToRead(bytes: number, fileName?: string): Finding[] {
  return skipped('', { kind: 'size', bytes }, fileName ?? l10n.t('The entry script')).findings;
}

export async function analyzeScoringScript(text: string, options: AnalyzeOptions = {}): Promise<Finding[]> {
  return (await inspectScoringScript(text, options)).findings;
}
