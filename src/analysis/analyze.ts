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
  makeFinding,
  type Script,
  type ScriptKind,
} from './checks';
import { getPythonParser, type SyntaxNode } from './parser';
import type { Parser, Tree } from 'web-tree-sitter';
import { endsWithColon, findAll, importAliases, indentOf, isJsSpace, named, nodeRange, splitLines, topLevelFunctions, withChildMemo, type FunctionInfo } from './pyast';
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
}

export interface ScriptAnalysis {
  findings: Finding[];
  /** Top-level init() and run() both exist: the module is an entry script by content. */
  hasInit: boolean;
  hasRun: boolean;
  kind: ScriptKind;
  /** Only with keepTree: the syntax tree of `text`, for the next incremental parse. */
  tree?: Tree;
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
function indentationError(root: SyntaxNode, lines: string[], top: SyntaxNode[]): { node: SyntaxNode; message: string } | undefined {
  const ownLine = (n: SyntaxNode) => /^[ \t]*$/.test((lines[n.startPosition.row] ?? '').slice(0, n.startPosition.column));
  const UNEXPECTED = 'unexpected indent (IndentationError)';
  const UNINDENT = 'unindent does not match any outer indentation level (IndentationError)';
  for (const st of top) {
    const col = st.startPosition.column;
    if (col === 0 || !ownLine(st)) continue;
    // Python's words: going back to a column shallower than the code line above is an "unindent" error.
    let above = st.startPosition.row - 1;
    while (above >= 0 && /^\s*(#.*)?$/.test(lines[above]!)) above--;
    const aboveIndent = above >= 0 ? indentOf(lines[above]!).length : 0;
    return { node: st, message: col < aboveIndent ? UNINDENT : UNEXPECTED };
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
      if (w !== 0) return { node, message: dedent ? UNINDENT : UNEXPECTED };
      continue;
    }
    const first = named(node.parent).filter(ownLine)[0];
    const col = first?.startPosition.column ?? w;
    if (col !== w) return { node, message: w > col ? UNEXPECTED : UNINDENT };
  }
  return undefined;
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
  for (let row = 0; row < lines.length; row++) {
    const m = ENTRY_DEF.exec(lines[row]!);
    if (!m) continue;
    const name = m[1]!;
    const known = fns.get(name);
    if (known && !known.def.hasError) continue;
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

/** Full analysis with the facts the language server needs to decide whether a file is an entry script. */
export async function inspectScoringScript(text: string, options: AnalyzeOptions = {}): Promise<ScriptAnalysis> {
  let parser: Parser;
  try {
    parser = await getPythonParser();
  } catch (err) {
    options.oldTree?.delete();
    throw err;
  }
  let tree: Tree | null;
  try {
    tree = parser.parse(text, options.oldTree);
  } finally {
    options.oldTree?.delete();
  }
  if (!tree) return { findings: [], hasInit: false, hasRun: false, kind: 'online' };
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
        label: options.fileName ?? 'The entry script',
      };
      const findings: Finding[] = [];
      const err = firstError(root);
      const indent = err ? undefined : indentationError(root, lines, top);
      if (err || indent) {
        const what = err ? (err.isMissing ? `missing "${err.type}"` : 'invalid syntax') : indent!.message;
        findings.push(
          makeFinding('syntax-error', `${what}: the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.`, nodeRange(err ?? indent!.node)),
        );
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
      ];
      for (const check of checks) {
        try {
          check(s, findings);
        } catch (err) {
          // A rule that cannot make sense of a broken tree reports nothing; the others still run.
          if (options.strict) throw err;
        }
      }
      findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      keep = !!options.keepTree;
      return { findings, hasInit: fns.has('init'), hasRun: fns.has('run'), kind: s.kind, tree: keep ? tree : undefined };
    });
  } finally {
    if (!keep) tree.delete();
    for (const t of extraTrees) t.delete();
  }
}

export async function analyzeScoringScript(text: string, options: AnalyzeOptions = {}): Promise<Finding[]> {
  return (await inspectScoringScript(text, options)).findings;
}
