// Small helpers over tree-sitter-python syntax trees, shared by the rules.
import type { SyntaxNode } from './parser';
import type { Range } from './types';

export function nodeRange(node: SyntaxNode): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** The range of a node cut to its first line (for multi-line statements: a readable squiggle). */
export function firstLineRange(node: SyntaxNode, lines: string[]): Range {
  const row = node.startPosition.row;
  const end = node.endPosition.row === row ? node.endPosition.column : (lines[row] ?? '').trimEnd().length; // not /\s+$/: quadratic on a long run of blanks
  return { start: { line: row, character: node.startPosition.column }, end: { line: row, character: Math.max(end, node.startPosition.column) } };
}

/**
 * Children lists memoised for the duration of one analysis (see withChildMemo): the rules walk the same
 * init()/run() bodies several times, and every child read crosses into WebAssembly and allocates a node.
 * Keyed by node id, which is unique among the nodes of the trees alive during that analysis.
 */
let memo: { all: Map<number, SyntaxNode[]>; code: Map<number, SyntaxNode[]>; subtree: Map<number, SyntaxNode[]>; subtreeWithScopes: Map<number, SyntaxNode[]> } | undefined;

/** Runs `fn` with children memoised; only for synchronous work on trees that stay alive meanwhile. */
export function withChildMemo<T>(fn: () => T): T {
  const outer = memo;
  memo = { all: new Map(), code: new Map(), subtree: new Map(), subtreeWithScopes: new Map() };
  try {
    return fn();
  } finally {
    memo = outer;
  }
}

function readNamed(node: SyntaxNode, keepComments: boolean): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const cursor = node.walk();
  try {
    if (cursor.gotoFirstChild()) {
      do {
        if (cursor.nodeIsNamed && (keepComments || cursor.nodeType !== 'comment')) out.push(cursor.currentNode);
      } while (cursor.gotoNextSibling());
    }
  } finally {
    cursor.delete();
  }
  return out;
}

/**
 * Named children without comments. A tree cursor keeps this linear: web-tree-sitter's namedChildren /
 * namedChild(i) walk from the first child for every index, quadratic on a 5,000-line module.
 * The returned array may be shared (memoised): do not modify it.
 */
export function named(node: SyntaxNode | null | undefined, keepComments = false): SyntaxNode[] {
  if (!node) return [];
  if (!memo) return readNamed(node, keepComments);
  const cache = keepComments ? memo.all : memo.code;
  let list = cache.get(node.id);
  if (!list) {
    const all = keepComments ? undefined : memo.all.get(node.id);
    list = all ? all.filter((c) => c.type !== 'comment') : readNamed(node, keepComments);
    cache.set(node.id, list);
  }
  return list;
}

/** Statements of a block, comments skipped. */
export const statements = named;

export const SCOPE_TYPES = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);

/** Pre-order walk; `descend` false stops at a node's children. Scopes (nested def/class/lambda) are not entered unless asked. */
export function walk(node: SyntaxNode, visit: (n: SyntaxNode) => boolean | void, enterScopes = false): void {
  const stack: SyntaxNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    if (!enterScopes && n.id !== node.id && SCOPE_TYPES.has(n.type)) continue;
    const children = named(n, true);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** The node and its descendants in walk() order (pre-order, scopes as walk() treats them). */
function subtree(node: SyntaxNode, enterScopes: boolean): SyntaxNode[] {
  const cache = enterScopes ? memo?.subtreeWithScopes : memo?.subtree;
  let list = cache?.get(node.id);
  if (!list) {
    const nodes: SyntaxNode[] = [];
    walk(node, (n) => void nodes.push(n), enterScopes);
    list = nodes;
    cache?.set(node.id, list);
  }
  return list;
}

/**
 * Every node of a type (or of a set of types) under `node`, in pre-order. Within an analysis the rules ask this of
 * the same bodies again and again (calls, assignments, returns of run()): the subtree is listed once and filtered.
 */
export function findAll(node: SyntaxNode, type: string | Set<string>, enterScopes = false): SyntaxNode[] {
  const match = typeof type === 'string' ? (t: string) => t === type : (t: string) => type.has(t);
  return subtree(node, enterScopes).filter((n) => match(n.type));
}

export function ancestors(node: SyntaxNode, stop?: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let p = node.parent; p && p.id !== stop?.id; p = p.parent) out.push(p);
  return out;
}

export interface FunctionInfo {
  name: string;
  def: SyntaxNode;
  /** The decorated_definition wrapper, or the def itself. */
  outer: SyntaxNode;
  body: SyntaxNode | null;
  decorators: SyntaxNode[];
  params: ParamInfo[];
}

export interface ParamInfo {
  name: string;
  kind: 'normal' | 'args' | 'kwargs';
  node: SyntaxNode;
}

export function functionInfo(def: SyntaxNode, outer: SyntaxNode): FunctionInfo {
  const params: ParamInfo[] = [];
  for (const p of named(def.childForFieldName('parameters'))) {
    if (p.type === 'identifier') params.push({ name: p.text, kind: 'normal', node: p });
    else if (p.type === 'list_splat_pattern') params.push({ name: p.namedChild(0)?.text ?? '', kind: 'args', node: p });
    else if (p.type === 'dictionary_splat_pattern') params.push({ name: p.namedChild(0)?.text ?? '', kind: 'kwargs', node: p });
    else if (p.type === 'typed_parameter') {
      const inner = p.namedChild(0);
      if (inner?.type === 'list_splat_pattern') params.push({ name: inner.namedChild(0)?.text ?? '', kind: 'args', node: p });
      else if (inner?.type === 'dictionary_splat_pattern') params.push({ name: inner.namedChild(0)?.text ?? '', kind: 'kwargs', node: p });
      else params.push({ name: inner?.text ?? '', kind: 'normal', node: p });
    } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      params.push({ name: p.childForFieldName('name')?.text ?? '', kind: 'normal', node: p });
    }
  }
  const decorators = outer.type === 'decorated_definition' ? named(outer).filter((c) => c.type === 'decorator') : [];
  return { name: def.childForFieldName('name')?.text ?? '', def, outer, body: def.childForFieldName('body'), decorators, params };
}

/** Top-level function definitions (decorated or not) with the given names; the first definition of each name wins. */
export function topLevelFunctions(root: SyntaxNode, names: ReadonlySet<string> = ENTRY_NAMES, statementsOfRoot = named(root)): Map<string, FunctionInfo> {
  const out = new Map<string, FunctionInfo>();
  for (const child of statementsOfRoot) {
    const def = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'function_definition') {
      const name = def.childForFieldName('name')?.text;
      if (name && names.has(name) && !out.has(name)) out.set(name, functionInfo(def, child));
    }
  }
  return out;
}

export const ENTRY_NAMES: ReadonlySet<string> = new Set(['init', 'run']);

/** The name a decorator applies, without arguments: "@input_schema('data', T)" -> "input_schema". */
export function decoratorName(dec: SyntaxNode): string {
  let e = dec.namedChild(0);
  if (e?.type === 'call') e = e.childForFieldName('function');
  const text = e?.text ?? '';
  return text.split('.').pop() ?? text;
}

/** Local name -> dotted origin, from the given import statements (module level and inside init()/run()). */
export function importAliases(imports: SyntaxNode[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const st of imports) {
    if (st.type === 'import_statement') {
      for (const n of st.childrenForFieldName('name')) {
        if (!n) continue;
        if (n.type === 'aliased_import') {
          const alias = n.childForFieldName('alias')?.text;
          if (alias) map.set(alias, n.childForFieldName('name')?.text ?? alias);
        } else {
          const first = n.text.split('.')[0]!;
          if (!map.has(first)) map.set(first, first);
        }
      }
    } else {
      const mod = st.childForFieldName('module_name')?.text ?? '';
      for (const n of st.childrenForFieldName('name')) {
        if (!n) continue;
        if (n.type === 'aliased_import') {
          const alias = n.childForFieldName('alias')?.text;
          if (alias) map.set(alias, `${mod}.${n.childForFieldName('name')?.text ?? alias}`);
        } else map.set(n.text, `${mod}.${n.text}`);
      }
    }
  }
  return map;
}

/** The dotted, alias-resolved name of a call's callee: `jl.load` with `import joblib as jl` -> "joblib.load". */
export function qualifiedName(node: SyntaxNode | null | undefined, aliases: Map<string, string>): string {
  if (!node) return '';
  if (node.type === 'identifier') return aliases.get(node.text) ?? node.text;
  if (node.type === 'attribute') {
    const obj = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text ?? '';
    return `${qualifiedName(obj, aliases)}.${attr}`;
  }
  if (node.type === 'call') return `${qualifiedName(node.childForFieldName('function'), aliases)}()`;
  return node.type;
}

export function callee(call: SyntaxNode): SyntaxNode | null {
  return call.childForFieldName('function');
}

/** Last segment of a callee: `a.b.load_model` -> "load_model". */
export function lastName(node: SyntaxNode | null | undefined): string {
  if (!node) return '';
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text ?? '';
  return '';
}

/** Identifiers bound by an assignment-like target (names, tuples, lists; not attributes or subscripts). */
export function targetNames(target: SyntaxNode | null | undefined, out: SyntaxNode[] = []): SyntaxNode[] {
  if (!target) return out;
  if (target.type === 'identifier') out.push(target);
  else if (['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'list_splat_pattern', 'as_pattern_target', 'parenthesized_expression'].includes(target.type)) {
    for (const c of named(target)) targetNames(c, out);
  }
  return out;
}

/** A statement that is a string literal (docstring). */
export function isDocstring(stmt: SyntaxNode): boolean {
  return stmt.type === 'expression_statement' && stmt.namedChildCount === 1 && stmt.namedChild(0)?.type === 'string';
}

/** Leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** One scan per analysis: the lines array is the analysis' own (both rules that need the rows share it). */
const definitionRows = new WeakMap<string[], Map<string, number>>();

const ID_CHAR = /[\p{ID_Continue}]/u;
function isIdentifierChar(c: number, line: string, i: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
  return ID_CHAR.test(line[i]!);
}

/**
 * Names of the module's top-level `def`/`async def`/`class` statements and their rows, from the lines (a
 * top-level definition starts at column 0). Reading each definition's name from the tree crosses into
 * WebAssembly twice per definition, about 1 ms per keystroke on a module with 600 functions. A `def` at
 * column 0 inside a multi-line string is listed too: callers only use this to know a name is defined.
 */
export function topLevelDefinitionRows(lines: string[]): Map<string, number> {
  let out = definitionRows.get(lines);
  if (out) return out;
  out = new Map<string, number>();
  definitionRows.set(lines, out);
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row]!;
    const c = line.charCodeAt(0);
    if (c !== 100 /* d */ && c !== 97 /* a */ && c !== 99 /* c */) continue;
    let i = line.startsWith('async ') ? 6 : 0;
    while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
    const kw = line.startsWith('def', i) ? 3 : line.startsWith('class', i) ? 5 : 0;
    if (!kw || (kw === 5 && i > 0)) continue;
    i += kw;
    const start = i;
    while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
    if (i === start) continue; // `define`, `classes`: not the keyword
    const nameStart = i;
    while (i < line.length && isIdentifierChar(line.charCodeAt(i), line, i)) i++;
    if (i > nameStart && !out.has(line.slice(nameStart, i))) out.set(line.slice(nameStart, i), row);
  }
  return out;
}

/** text.split(/\r?\n/), without the regular expression (about a fifth of the allocation, several times faster). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const l = lines[i]!;
    if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** What /\s/ matches. */
export function isJsSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The line opens a block: it ends with ':' (blanks and a comment may follow). Same as /:\s*(#.*)?$/. */
export function endsWithColon(line: string): boolean {
  const colonBefore = (end: number) => {
    let i = end - 1;
    while (i >= 0 && isJsSpace(line.charCodeAt(i))) i--;
    return i >= 0 && line.charCodeAt(i) === 58;
  };
  if (colonBefore(line.length)) return true;
  // A comment runs to the end of the line: '.' stops at \r, \u2028 and \u2029 (\n is gone already).
  let from = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0x2028 || c === 0x2029) {
      from = i + 1;
      break;
    }
  }
  for (let h = line.indexOf('#', from); h >= 0; h = line.indexOf('#', h + 1)) if (colonBefore(h)) return true;
  return false;
}
