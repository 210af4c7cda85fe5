// Which model files an entry script will look for, read from its syntax tree (tree-sitter): paths built
// from AZUREML_MODEL_DIR (os.getenv / os.environ, os.path.join, pathlib's /, string concatenation,
// f-strings, "%s" % and .format) followed through assignments at module level and inside each top-level
// function, and the names passed to Model.get_model_path(). Then: do those files exist in the model the
// deployment names, laid out as Azure ML lays it out under AZUREML_MODEL_DIR?
import * as fs from 'node:fs';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import { stringValue } from '../analysis/checks';
import { getPythonParser, type SyntaxNode } from '../analysis/parser';
import { callee, importAliases, lastName, named, qualifiedName, walk, withChildMemo } from '../analysis/pyast';

export const MODEL_DIR_VAR = 'AZUREML_MODEL_DIR';

/** A path the script opens: MODEL_DIR + suffix (suffix '' is the folder itself). */
export interface ModelReference {
  /** Text appended to AZUREML_MODEL_DIR, e.g. "/model.pkl"; without a leading "/" the path leaves the folder. */
  suffix: string;
  /** 1-based line and column of the expression. */
  line: number;
  column: number;
  /** The call that uses it, e.g. "joblib.load". */
  usedBy: string;
}

export interface RegisteredModelReference {
  name: string;
  line: number;
  column: number;
}

export interface ModelReferences {
  paths: ModelReference[];
  getModelPath: RegisteredModelReference[];
  /** The script reads AZUREML_MODEL_DIR at all. */
  readsModelDir: boolean;
}

type Value = { kind: 'dir'; suffix: string } | { kind: 'str'; value: string } | { kind: 'unknown' };
const UNKNOWN: Value = { kind: 'unknown' };

// Calls that build or print a path rather than look for a file.
const NOT_A_USE = new Set([
  'join', 'joinpath', 'Path', 'PurePath', 'PosixPath', 'WindowsPath', 'str', 'abspath', 'realpath', 'normpath', 'fspath', 'expanduser',
  'getenv', 'get', 'dirname', 'basename', 'split', 'splitext', 'format', 'append', 'print', 'info', 'debug', 'warning', 'warn',
  'error', 'exception', 'critical', 'log', 'getLogger', 'startswith', 'endswith', 'replace', 'lower', 'upper', 'strip',
]);
const PATH_WRAPPERS = /^(?:pathlib\.)?(?:Path|PurePath|PosixPath)$|^(?:os\.path\.(?:abspath|realpath|normpath|expanduser)|os\.fspath|str)$/;

function isModelDirName(node: SyntaxNode | null | undefined): boolean {
  return !!node && node.type === 'string' && stringValue(node) === MODEL_DIR_VAR;
}

function firstArg(call: SyntaxNode): SyntaxNode | undefined {
  return named(call.childForFieldName('arguments')).find((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
}

function positionalArgs(call: SyntaxNode): SyntaxNode[] {
  return named(call.childForFieldName('arguments')).filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');
}

function keywordArg(call: SyntaxNode, name: string): SyntaxNode | undefined {
  for (const a of named(call.childForFieldName('arguments'))) {
    if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

function concat(a: Value, b: Value): Value {
  if (a.kind === 'str' && a.value === '') return b;
  if (a.kind === 'dir' && b.kind === 'str') return { kind: 'dir', suffix: a.suffix + b.value };
  if (a.kind === 'str' && b.kind === 'str') return { kind: 'str', value: a.value + b.value };
  return UNKNOWN;
}

/** os.path.join semantics: a component starting with "/" restarts the path. */
function joinValues(parts: Value[]): Value {
  let acc: Exclude<Value, { kind: 'unknown' }> | undefined;
  for (const p of parts) {
    if (p.kind === 'unknown') return UNKNOWN;
    if (!acc) {
      acc = p;
      continue;
    }
    if (p.kind === 'dir') return UNKNOWN;
    if (p.value.startsWith('/')) acc = p;
    else if (acc.kind === 'dir') acc = { kind: 'dir', suffix: acc.suffix.replace(/\/+$/, '') + '/' + p.value };
    else acc = { kind: 'str', value: acc.value.replace(/\/+$/, '') + '/' + p.value };
  }
  return acc ?? UNKNOWN;
}

class Evaluator {
  readonly uses: ModelReference[] = [];
  readonly registered: RegisteredModelReference[] = [];
  readsModelDir = false;

  constructor(private readonly aliases: Map<string, string>) {}

  private isEnvLookup(q: string): boolean {
    return /(^|\.)(getenv|environ\.get)$/.test(q) || q === 'os.environ.get';
  }

  eval(node: SyntaxNode | null | undefined, env: Map<string, Value>): Value {
    if (!node) return UNKNOWN;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.eval(named(node)[0], env);
      case 'identifier':
        return env.get(node.text) ?? UNKNOWN;
      case 'string': {
        const plain = stringValue(node);
        if (plain !== undefined) return { kind: 'str', value: plain };
        // f-string: its pieces in order.
        let acc: Value = { kind: 'str', value: '' };
        for (const c of named(node)) {
          if (c.type === 'string_content') acc = concat(acc, { kind: 'str', value: c.text });
          else if (c.type === 'interpolation') {
            const inner = this.eval(c.childForFieldName('expression'), env);
            acc = concat(acc, inner);
          } else if (c.type === 'escape_sequence') acc = concat(acc, { kind: 'str', value: c.text });
          if (acc.kind === 'unknown') return UNKNOWN;
        }
        return acc;
      }
      case 'concatenated_string':
        return named(node).reduce<Value>((acc, c) => concat(acc, this.eval(c, env)), { kind: 'str', value: '' });
      case 'subscript': {
        const q = qualifiedName(node.childForFieldName('value'), this.aliases);
        if (/(^|\.)environ$/.test(q) && isModelDirName(node.childForFieldName('subscript'))) {
          this.readsModelDir = true;
          return { kind: 'dir', suffix: '' };
        }
        return UNKNOWN;
      }
      case 'binary_operator': {
        const op = node.childForFieldName('operator')?.text;
        const left = this.eval(node.childForFieldName('left'), env);
        const right = this.eval(node.childForFieldName('right'), env);
        if (op === '+') return concat(left, right);
        if (op === '/') return joinValues([left, right]); // pathlib
        if (op === '%' && left.kind === 'str' && /^[^%]*%s[^%]*$/.test(left.value)) {
          const [before, after] = left.value.split('%s') as [string, string];
          return concat(concat({ kind: 'str', value: before }, right), { kind: 'str', value: after });
        }
        return UNKNOWN;
      }
      case 'call':
        return this.evalCall(node, env);
      default:
        return UNKNOWN;
    }
  }

  private evalCall(call: SyntaxNode, env: Map<string, Value>): Value {
    const fn = callee(call);
    const q = qualifiedName(fn, this.aliases);
    const name = lastName(fn);
    if (this.isEnvLookup(q) && isModelDirName(firstArg(call) ?? keywordArg(call, 'key'))) {
      this.readsModelDir = true;
      return { kind: 'dir', suffix: '' };
    }
    if (/(^|\.)path\.join$/.test(q) || q === 'posixpath.join') return joinValues(positionalArgs(call).map((a) => this.eval(a, env)));
    if (PATH_WRAPPERS.test(q)) {
      const args = positionalArgs(call);
      return args.length === 1 ? this.eval(args[0], env) : joinValues(args.map((a) => this.eval(a, env)));
    }
    if (fn?.type === 'attribute' && name === 'joinpath') {
      return joinValues([this.eval(fn.childForFieldName('object'), env), ...positionalArgs(call).map((a) => this.eval(a, env))]);
    }
    if (fn?.type === 'attribute' && name === 'format') {
      const tmpl = this.eval(fn.childForFieldName('object'), env);
      const args = positionalArgs(call);
      if (tmpl.kind === 'str' && args.length === 1 && /^[^{}]*\{0?\}[^{}]*$/.test(tmpl.value)) {
        const [before, after] = tmpl.value.split(/\{0?\}/) as [string, string];
        return concat(concat({ kind: 'str', value: before }, this.eval(args[0], env)), { kind: 'str', value: after });
      }
      return UNKNOWN;
    }
    if (name === 'get_model_path') {
      const arg = keywordArg(call, 'model_name') ?? firstArg(call);
      const v = arg ? this.eval(arg, env) : UNKNOWN;
      if (v.kind === 'str') this.registered.push({ name: v.value, line: call.startPosition.row + 1, column: call.startPosition.column + 1 });
      return UNKNOWN;
    }
    return UNKNOWN;
  }

  /** Records model paths passed to a call that looks for a file (np.load, open, joblib.load, os.listdir...). */
  visitCall(call: SyntaxNode, env: Map<string, Value>): void {
    const fn = callee(call);
    const name = lastName(fn);
    if (NOT_A_USE.has(name) || /(^|\.)(logging|logger|log)\./.test(fn?.text ?? '')) {
      this.eval(call, env); // still notes get_model_path / AZUREML_MODEL_DIR reads
      return;
    }
    const usedBy = qualifiedName(fn, this.aliases);
    const record = (arg: SyntaxNode) => {
      const v = this.eval(arg, env);
      if (v.kind === 'dir') this.uses.push({ suffix: v.suffix, line: arg.startPosition.row + 1, column: arg.startPosition.column + 1, usedBy });
    };
    for (const a of named(call.childForFieldName('arguments'))) {
      if (a.type === 'keyword_argument') {
        const value = a.childForFieldName('value');
        if (value) record(value);
      } else if (a.type !== 'comment') record(a);
    }
    // Path(...).open() / .read_bytes() / .exists(): the object is the path.
    const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
    const v = obj ? this.eval(obj, env) : UNKNOWN;
    if (obj && v.kind === 'dir') this.uses.push({ suffix: v.suffix, line: obj.startPosition.row + 1, column: obj.startPosition.column + 1, usedBy: `${name}()` });
  }

  /** Walks one scope in source order: assignments bind names, calls record uses. */
  scope(root: SyntaxNode, env: Map<string, Value>): void {
    walk(root, (n) => {
      if (n.type === 'assignment' || n.type === 'augmented_assignment') {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (right) this.scanCalls(right, env);
        if (left?.type === 'identifier') {
          if (n.type === 'assignment') env.set(left.text, this.eval(right, env));
          else env.set(left.text, concat(env.get(left.text) ?? UNKNOWN, this.eval(right, env)));
        }
        return false; // the right side was scanned above
      }
      if (n.type === 'call') {
        this.visitCall(n, env);
        // Calls nested in the arguments (open() inside pickle.load()) are visited by the walk.
      }
      return true;
    });
  }

  private scanCalls(expr: SyntaxNode, env: Map<string, Value>): void {
    walk(expr, (n) => {
      if (n.type === 'call') this.visitCall(n, env);
    });
  }
}

/** Model paths and registered-model names an entry script looks for. */
export async function findModelReferences(text: string): Promise<ModelReferences> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return { paths: [], getModelPath: [], readsModelDir: false };
  try {
    return withChildMemo(() => {
      const root = tree.rootNode;
      const top = named(root);
      const imports = top.filter((s) => s.type === 'import_statement' || s.type === 'import_from_statement');
      const ev = new Evaluator(importAliases(imports));
      const moduleEnv = new Map<string, Value>();
      const functions: SyntaxNode[] = [];
      for (const st of top) {
        const def = st.type === 'decorated_definition' ? st.childForFieldName('definition') : st;
        if (def?.type === 'function_definition') functions.push(def);
        else if (def?.type !== 'class_definition') ev.scope(st, moduleEnv);
      }
      // Each function sees the module's names; names it assigns stay its own.
      for (const def of functions) {
        const body = def.childForFieldName('body');
        if (body) ev.scope(body, new Map(moduleEnv));
      }
      const seen = new Set<string>();
      const paths = ev.uses.filter((u) => {
        const key = `${u.suffix}@${u.line}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return { paths, getModelPath: ev.registered, readsModelDir: ev.readsModelDir };
    });
  } finally {
    tree.delete();
  }
}

/** Files and folders a model provides under AZUREML_MODEL_DIR, relative, "/"-separated (as Azure ML lays them out). */
export interface ModelLayout {
  files: string[];
  dirs: Set<string>;
  /** True when the listing stopped at the cap. */
  truncated: boolean;
}

const MAX_LAYOUT_ENTRIES = 20000;

/**
 * Azure ML places a model file at AZUREML_MODEL_DIR/<file name> and a model folder at
 * AZUREML_MODEL_DIR/<folder name>/... (the folder keeps its name).
 */
export function modelLayout(modelPath: string): ModelLayout {
  const files: string[] = [];
  const dirs = new Set<string>(['']);
  const st = fs.statSync(modelPath);
  const base = path.basename(modelPath);
  if (!st.isDirectory()) return { files: [base], dirs, truncated: false };
  dirs.add(base);
  let truncated = false;
  const stack: string[] = [''];
  while (stack.length && !truncated) {
    const relDir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(modelPath, relDir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const r = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.add(`${base}/${r}`);
        stack.push(r);
      } else files.push(`${base}/${r}`);
      if (files.length + dirs.size > MAX_LAYOUT_ENTRIES) {
        truncated = true;
        break;
      }
    }
  }
  return { files: files.sort(), dirs, truncated };
}

export type PathCheck = { found: true } | { found: false; reason: 'missing' | 'outside'; closest?: string };

/** Does MODEL_DIR + suffix exist in the layout? Globs (*, ?) match any file. */
export function checkModelPath(suffix: string, layout: ModelLayout): PathCheck {
  if (suffix !== '' && !suffix.startsWith('/')) return { found: false, reason: 'outside' };
  const rel = path.posix.normalize(suffix.replace(/^\/+/, '')).replace(/\/+$/, '').replace(/^\.$/, '');
  if (rel.startsWith('..')) return { found: false, reason: 'outside' };
  if (/[*?[]/.test(rel)) {
    if (layout.files.some((f) => minimatch(f, rel, { dot: true }))) return { found: true };
  } else if (layout.dirs.has(rel) || layout.files.includes(rel)) return { found: true };
  return { found: false, reason: 'missing', closest: closestFile(rel, layout.files) };
}

/** The model file whose name is closest to what the script asked for (edit distance on the base name). */
function closestFile(wanted: string, files: string[]): string | undefined {
  const w = path.posix.basename(wanted).toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const f of files.slice(0, 2000)) {
    const d = editDistance(w, path.posix.basename(f).toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = f;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (a.length > 200 || b.length > 200) return Math.abs(a.length - b.length) + 200;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
