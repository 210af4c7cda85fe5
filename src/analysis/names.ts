// undefined-name: a name init() or run() reads that nothing in the module defines, imports or the builtins
// provide. Python looks such a name up when the line runs: NameError in init() crashes the container at start,
// in run() it fails every request that gets there. Scopes as Python has them (module, functions, lambdas,
// comprehensions, classes; global/nonlocal), and silence wherever names can appear without a binding we can
// see (`from x import *`, exec, globals(), builtins, sys.modules): a false alarm is worse than a miss.
import type { SyntaxNode } from './parser';
import { findAll, named, topLevelDefinitionRows } from './pyast';
import type { Script } from './checks';

/** Python 3 builtins and module attributes every module has. */
const BUILTINS = new Set([
  'abs', 'aiter', 'all', 'anext', 'any', 'ascii', 'bin', 'bool', 'breakpoint', 'bytearray', 'bytes', 'callable', 'chr', 'classmethod',
  'compile', 'complex', 'copyright', 'credits', 'delattr', 'dict', 'dir', 'divmod', 'enumerate', 'eval', 'exec', 'exit', 'filter', 'float',
  'format', 'frozenset', 'getattr', 'globals', 'hasattr', 'hash', 'help', 'hex', 'id', 'input', 'int', 'isinstance', 'issubclass', 'iter',
  'len', 'license', 'list', 'locals', 'map', 'max', 'memoryview', 'min', 'next', 'object', 'oct', 'open', 'ord', 'pow', 'print', 'property',
  'quit', 'range', 'repr', 'reversed', 'round', 'set', 'setattr', 'slice', 'sorted', 'staticmethod', 'str', 'sum', 'super', 'tuple', 'type',
  'vars', 'zip', '__import__', '__build_class__', '__debug__', '__doc__', '__name__', '__package__', '__spec__', '__loader__', '__file__',
  '__builtins__', '__cached__', '__annotations__', '__dict__', '__class__', 'NotImplemented', 'Ellipsis', 'True', 'False', 'None',
  'BaseException', 'BaseExceptionGroup', 'ExceptionGroup', 'Exception', 'ArithmeticError', 'AssertionError', 'AttributeError',
  'BufferError', 'EOFError', 'FloatingPointError', 'GeneratorExit', 'ImportError', 'ModuleNotFoundError', 'IndexError', 'KeyError',
  'KeyboardInterrupt', 'LookupError', 'MemoryError', 'NameError', 'NotImplementedError', 'OSError', 'OverflowError', 'RecursionError',
  'ReferenceError', 'RuntimeError', 'StopIteration', 'StopAsyncIteration', 'SyntaxError', 'IndentationError', 'TabError', 'SystemError',
  'SystemExit', 'TypeError', 'UnboundLocalError', 'UnicodeError', 'UnicodeEncodeError', 'UnicodeDecodeError', 'UnicodeTranslateError',
  'ValueError', 'ZeroDivisionError', 'EnvironmentError', 'IOError', 'WindowsError', 'BlockingIOError', 'ChildProcessError',
  'ConnectionError', 'BrokenPipeError', 'ConnectionAbortedError', 'ConnectionRefusedError', 'ConnectionResetError', 'FileExistsError',
  'FileNotFoundError', 'InterruptedError', 'IsADirectoryError', 'NotADirectoryError', 'PermissionError', 'ProcessLookupError',
  'TimeoutError', 'Warning', 'UserWarning', 'DeprecationWarning', 'PendingDeprecationWarning', 'SyntaxWarning', 'RuntimeWarning',
  'FutureWarning', 'ImportWarning', 'UnicodeWarning', 'BytesWarning', 'ResourceWarning', 'EncodingWarning',
]);

/** Names whose presence means the module can gain names we cannot see: the rule says nothing then. */
const DYNAMIC = new Set(['exec', 'execfile', 'globals', '__builtins__', 'builtins', 'get_ipython', 'global_enum', '_convert_']);
const DYNAMIC_TEXT = /\b(?:exec|execfile|globals|__builtins__|builtins|get_ipython|global_enum|_convert_)\b|\bimport\s+\*|\bmodules\b/;

/** Modules used under their usual name or alias: `np.array(...)` with no import gets "import numpy as np". */
export const KNOWN_MODULES: Record<string, string> = {
  np: 'numpy', pd: 'pandas', plt: 'matplotlib.pyplot', tf: 'tensorflow', sns: 'seaborn',
  json: 'json', os: 'os', sys: 'sys', logging: 'logging', time: 'time', math: 'math', re: 're', base64: 'base64', io: 'io',
  pickle: 'pickle', traceback: 'traceback', uuid: 'uuid', random: 'random', glob: 'glob', shutil: 'shutil', tempfile: 'tempfile',
  collections: 'collections', itertools: 'itertools', functools: 'functools', pathlib: 'pathlib', subprocess: 'subprocess', csv: 'csv',
  gzip: 'gzip', zipfile: 'zipfile', struct: 'struct', copy: 'copy', string: 'string', typing: 'typing', warnings: 'warnings',
  hashlib: 'hashlib', threading: 'threading', joblib: 'joblib', numpy: 'numpy', pandas: 'pandas', torch: 'torch', requests: 'requests',
};

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const TARGET_CONTAINERS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'parenthesized_expression', 'as_pattern_target', 'expression_list']);

interface Scope {
  kind: 'module' | 'function' | 'class' | 'lambda' | 'comprehension';
  parent?: Scope;
  bound: Set<string>;
  /** `global` names: they resolve in the module. */
  globals: Set<string>;
}

interface Load {
  id: SyntaxNode;
  scope: Scope;
}

const newScope = (kind: Scope['kind'], parent?: Scope): Scope => ({ kind, parent, bound: new Set(), globals: new Set() });

/**
 * Walks statements and expressions as Python binds and reads names. `loads` collects reads (only where asked:
 * inside the entry functions); bindings always go to their scope. Function, class and lambda bodies are
 * entered only when `enter` says so (the module's own bindings do not need other functions' bodies).
 */
class Binder {
  constructor(
    private readonly loads: Load[] | undefined,
    private readonly enter: (def: SyntaxNode) => boolean,
  ) {}

  /** The scope a walrus binds in: the nearest one that is not a comprehension. */
  private walrusScope(scope: Scope): Scope {
    let s = scope;
    while (s.kind === 'comprehension' && s.parent) s = s.parent;
    return s;
  }

  target(node: SyntaxNode | null, scope: Scope): void {
    if (!node) return;
    if (node.type === 'identifier') scope.bound.add(node.text);
    else if (TARGET_CONTAINERS.has(node.type)) for (const c of named(node)) this.target(c, scope);
    else if (node.type === 'list_splat_pattern' || node.type === 'list_splat') this.target(node.namedChild(0), scope);
    else this.expr(node, scope); // attribute, subscript: their object and index are reads
  }

  params(params: SyntaxNode | null, inner: Scope, outer: Scope): void {
    for (const p of named(params)) {
      if (p.type === 'identifier') inner.bound.add(p.text);
      else if (p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') this.target(p.namedChild(0), inner);
      else if (p.type === 'typed_parameter') {
        const first = p.namedChild(0);
        if (first?.type === 'identifier') inner.bound.add(first.text);
        else if (first) this.target(first.namedChild(0), inner);
      } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
        const name = p.childForFieldName('name');
        if (name) inner.bound.add(name.text);
        this.expr(p.childForFieldName('value'), outer); // defaults are evaluated where the def is
      }
    }
  }

  /** A function, lambda or class: its name binds here, its body has a scope of its own. */
  private definition(node: SyntaxNode, scope: Scope): void {
    if (node.type === 'lambda') {
      const inner = newScope('lambda', scope);
      this.params(node.childForFieldName('parameters'), inner, scope);
      this.expr(node.childForFieldName('body'), inner);
      return;
    }
    const name = node.childForFieldName('name');
    if (name) scope.bound.add(name.text);
    // Not entered (another function of the module): only its name matters. Its parameters and defaults would
    // be read on every keystroke for nothing (hundreds of functions in a large module).
    if (!this.loads && !this.enter(node)) return;
    if (node.type === 'class_definition') {
      this.expr(node.childForFieldName('superclasses'), scope);
      if (this.enter(node)) this.block(node.childForFieldName('body'), newScope('class', scope));
      return;
    }
    const inner = newScope('function', scope);
    this.params(node.childForFieldName('parameters'), inner, scope);
    if (this.enter(node)) this.block(node.childForFieldName('body'), inner);
  }

  block(node: SyntaxNode | null, scope: Scope): void {
    for (const st of named(node)) this.stmt(st, scope);
  }

  stmt(st: SyntaxNode, scope: Scope): void {
    switch (st.type) {
      case 'import_statement':
      case 'import_from_statement':
        for (const n of st.childrenForFieldName('name')) {
          if (!n) continue;
          const id = n.type === 'aliased_import' ? n.childForFieldName('alias') : n.type === 'dotted_name' ? n.namedChild(0) : n;
          if (id) scope.bound.add(id.text);
        }
        return;
      case 'future_import_statement':
      case 'pass_statement':
      case 'break_statement':
      case 'continue_statement':
      case 'comment':
        return;
      case 'global_statement':
      case 'nonlocal_statement':
        for (const id of named(st)) if (id.type === 'identifier') (st.type === 'global_statement' ? scope.globals : scope.bound).add(id.text);
        return;
      case 'delete_statement':
        for (const t of named(st)) this.target(t, scope); // `del x` makes x local, as an assignment does
        return;
      case 'function_definition':
      case 'class_definition':
        return this.definition(st, scope);
      case 'decorated_definition':
        for (const d of named(st)) {
          if (d.type === 'decorator') this.expr(d.namedChild(0), scope);
          else this.stmt(d, scope);
        }
        return;
      case 'for_statement':
        this.target(st.childForFieldName('left'), scope);
        this.expr(st.childForFieldName('right'), scope);
        this.block(st.childForFieldName('body'), scope);
        this.clauses(st, scope);
        return;
      case 'while_statement':
        this.expr(st.childForFieldName('condition'), scope);
        this.block(st.childForFieldName('body'), scope);
        this.clauses(st, scope);
        return;
      case 'if_statement':
        this.expr(st.childForFieldName('condition'), scope);
        this.block(st.childForFieldName('consequence'), scope);
        for (const alt of st.childrenForFieldName('alternative')) {
          if (!alt) continue;
          this.expr(alt.childForFieldName('condition'), scope);
          this.block(alt.childForFieldName('consequence') ?? alt.childForFieldName('body'), scope);
        }
        return;
      case 'try_statement':
        this.block(st.childForFieldName('body'), scope);
        this.clauses(st, scope);
        return;
      case 'with_statement':
        for (const clause of named(st)) {
          if (clause.type === 'with_clause') for (const item of named(clause)) this.expr(item.childForFieldName('value'), scope);
        }
        this.block(st.childForFieldName('body'), scope);
        return;
      case 'match_statement':
        this.expr(st.childForFieldName('subject'), scope);
        for (const body of named(st)) {
          if (body.type !== 'block') continue;
          for (const clause of named(body)) {
            if (clause.type !== 'case_clause') continue;
            // Capture patterns bind; value patterns (Color.RED) read, but treating every pattern name as bound only hides findings.
            for (const c of named(clause)) {
              if (c.type === 'case_pattern') for (const id of findAll(c, 'identifier')) scope.bound.add(id.text);
              else if (c.type === 'if_clause') this.expr(c, scope);
              else if (c.type === 'block') this.block(c, scope);
            }
          }
        }
        return;
      default:
        this.expr(st, scope);
    }
  }

  /** else/except/finally clauses of for, while and try. */
  private clauses(st: SyntaxNode, scope: Scope): void {
    for (const c of named(st)) {
      if (c.type === 'else_clause' || c.type === 'finally_clause') this.block(c.childForFieldName('body') ?? named(c).find((b) => b.type === 'block') ?? null, scope);
      else if (c.type === 'except_clause' || c.type === 'except_group_clause') {
        for (const part of named(c)) {
          if (part.type === 'block') this.block(part, scope);
          else this.expr(part, scope); // the exception type (and `as e`, an as_pattern)
        }
      }
    }
  }

  expr(node: SyntaxNode | null, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case 'identifier':
        this.loads?.push({ id: node, scope });
        return;
      case 'ERROR':
      case 'type': // annotations: not evaluated for locals, and `from __future__ import annotations` turns them off
      case 'string_content':
      case 'comment':
        return;
      case 'attribute':
        return this.expr(node.childForFieldName('object'), scope);
      case 'keyword_argument':
        return this.expr(node.childForFieldName('value'), scope);
      case 'assignment':
        this.target(node.childForFieldName('left'), scope);
        return this.expr(node.childForFieldName('right'), scope);
      case 'augmented_assignment':
        this.target(node.childForFieldName('left'), scope);
        return this.expr(node.childForFieldName('right'), scope);
      case 'named_expression':
        this.target(node.childForFieldName('name'), this.walrusScope(scope));
        return this.expr(node.childForFieldName('value'), scope);
      case 'as_pattern': {
        const parts = named(node);
        for (const p of parts) {
          if (p.type === 'as_pattern_target') this.target(p, scope);
          else this.expr(p, scope);
        }
        return;
      }
      case 'lambda':
      case 'function_definition':
      case 'class_definition':
        return this.definition(node, scope);
      default:
        if (COMPREHENSIONS.has(node.type)) {
          const inner = newScope('comprehension', scope);
          const parts = named(node);
          // The for clauses bind first; the element expression and the conditions read them.
          for (const p of parts) if (p.type === 'for_in_clause') {
            this.target(p.childForFieldName('left'), inner);
            this.expr(p.childForFieldName('right'), inner);
          }
          for (const p of parts) if (p.type !== 'for_in_clause') this.expr(p, inner);
          return;
        }
        for (const c of named(node)) this.expr(c, scope);
    }
  }
}

/** The global statements of the module, located through the lines that start with `global`. */
function globalStatements(s: Script): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  if (!s.text.includes('global')) return out;
  for (let row = 0; row < s.lines.length; row++) {
    const line = s.lines[row]!;
    let column = 0;
    while (line.charCodeAt(column) === 32 || line.charCodeAt(column) === 9) column++; // no string per line: this runs on every keystroke
    if (!line.startsWith('global', column)) continue;
    let node: SyntaxNode | null = s.root.descendantForPosition({ row, column });
    while (node && node.type !== 'global_statement' && node.startPosition.row === row && node.type !== 'module') node = node.parent;
    if (node?.type === 'global_statement') out.push(node);
  }
  return out;
}

/** `if __name__ == "__main__":` (either order, either quotes). */
function isMainGuard(st: SyntaxNode): boolean {
  if (st.type !== 'if_statement') return false;
  const cond = st.childForFieldName('condition');
  if (cond?.type !== 'comparison_operator') return false;
  const sides = named(cond).map((n) => n.text.replace(/^['"]|['"]$/g, ''));
  return sides.length === 2 && sides.includes('__name__') && sides.includes('__main__') && /==/.test(cond.text);
}

export interface UndefinedName {
  name: string;
  /** The first read in that function. */
  node: SyntaxNode;
  fn: 'init' | 'run';
  /** In a decorator or a default value of the function: evaluated when the module is imported. */
  atImport: boolean;
  /** Defined only under `if __name__ == "__main__":`, which the inference server never runs. */
  mainOnly: boolean;
}

/** Names init()/run() read that nothing defines; empty when the module can define names we cannot see. */
export function undefinedNames(s: Script): UndefinedName[] {
  if (s.root.hasError) return []; // a broken file may hide an import or an assignment: say nothing
  // Names that can appear without a binding we can see (checked on the tree when the text mentions them).
  if (DYNAMIC_TEXT.test(s.text)) {
    if (findAll(s.root, 'wildcard_import', true).length) return [];
    // Also enum's global_enum / _convert_, which copy members into the module's globals.
    if (findAll(s.root, 'identifier', true).some((id) => DYNAMIC.has(id.text))) return [];
    if (findAll(s.root, 'attribute', true).some((a) => a.childForFieldName('attribute')?.text === 'modules' && a.childForFieldName('object')?.text === 'sys')) return [];
  }

  // Module bindings, without other functions' bodies; a __main__ block's bindings kept apart.
  const module = newScope('module');
  const mainScope = newScope('module');
  const binder = new Binder(undefined, () => false);
  // Top-level def/class names from their lines (see topLevelDefinitionRows); the other statements from the tree.
  for (const name of topLevelDefinitionRows(s.lines).keys()) module.bound.add(name);
  for (const st of s.top) {
    const definition = st.type === 'function_definition' || st.type === 'class_definition' || st.type === 'decorated_definition';
    if (definition && st.startPosition.column === 0) continue; // an indented one (an IndentationError) is read from the tree
    binder.stmt(st, isMainGuard(st) ? mainScope : module);
  }
  // `global x` + a binding of x in any function defines the module's x. Found from the lines that start with
  // `global`: a walk of every function body on each keystroke cost 0.5 s on a 5,000-line module.
  for (const g of globalStatements(s)) {
    let fn: SyntaxNode | null = g.parent;
    while (fn && fn.type !== 'function_definition') fn = fn.parent;
    if (!fn) continue;
    const local = newScope('function');
    new Binder(undefined, () => false).block(fn.childForFieldName('body'), local);
    for (const id of named(g)) if (id.type === 'identifier' && local.bound.has(id.text)) module.bound.add(id.text);
  }

  const out: UndefinedName[] = [];
  for (const [name, fn] of s.fns) {
    const loads: Load[] = [];
    const reader = new Binder(loads, () => true);
    const scope = newScope('function', module);
    // Decorators and defaults run when the module is imported, as the body of init() does.
    for (const d of fn.decorators) reader.expr(d.namedChild(0), module);
    reader.params(fn.def.childForFieldName('parameters'), scope, module);
    reader.block(fn.body, scope);
    const reported = new Set<string>();
    for (const { id, scope: at } of loads) {
      const n = id.text;
      if (reported.has(n) || BUILTINS.has(n) || resolves(n, at)) continue;
      reported.add(n);
      const atImport = !fn.body || id.startIndex < fn.body.startIndex; // a decorator or a default value
      out.push({ name: n, node: id, fn: name as 'init' | 'run', atImport, mainOnly: mainScope.bound.has(n) });
    }
  }
  return out;
}

function resolves(name: string, scope: Scope): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.globals.has(name)) {
      let m = s;
      while (m.parent) m = m.parent;
      return m.bound.has(name);
    }
    if (s.bound.has(name)) return true;
  }
  return false;
}
