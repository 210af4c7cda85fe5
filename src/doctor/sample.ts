// The request body of the doctor's test request: the project's own sample file, or one built from the
// inference_schema decorators on run() (@input_schema('data', NumpyParameterType(np.array([[...]])))),
// whose sample values are Python literals read from the syntax tree, never executed.
import { stringValue } from '../analysis/checks';
import { getPythonParser, type SyntaxNode } from '../analysis/parser';
import { decoratorName, importAliases, named, qualifiedName, topLevelFunctions, withChildMemo } from '../analysis/pyast';

export interface SchemaSample {
  body: string;
  /** 1-based line of the first input_schema decorator. */
  line: number;
}

const NOT_LITERAL = Symbol('not a literal');
type Literal = unknown;

class LiteralReader {
  private depth = 0;
  constructor(private readonly names: Map<string, SyntaxNode>, private readonly aliases: Map<string, string>) {}

  read(node: SyntaxNode | null | undefined): Literal | typeof NOT_LITERAL {
    if (!node || ++this.depth > 200) return NOT_LITERAL;
    try {
      return this.value(node);
    } finally {
      this.depth--;
    }
  }

  private value(node: SyntaxNode): Literal | typeof NOT_LITERAL {
    switch (node.type) {
      case 'integer':
      case 'float': {
        const n = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(n) ? n : NOT_LITERAL;
      }
      case 'true':
        return true;
      case 'false':
        return false;
      case 'none':
        return null;
      case 'string': {
        const s = stringValue(node);
        return s === undefined ? NOT_LITERAL : s;
      }
      case 'unary_operator': {
        const v = this.read(node.childForFieldName('argument'));
        const op = node.childForFieldName('operator')?.text;
        return typeof v === 'number' ? (op === '-' ? -v : v) : NOT_LITERAL;
      }
      case 'parenthesized_expression':
        return this.read(named(node)[0]);
      case 'list':
      case 'tuple': {
        const out: unknown[] = [];
        for (const c of named(node)) {
          const v = this.read(c);
          if (v === NOT_LITERAL) return NOT_LITERAL;
          out.push(v);
        }
        return out;
      }
      case 'dictionary': {
        const out: Record<string, unknown> = {};
        for (const pair of named(node)) {
          if (pair.type !== 'pair') return NOT_LITERAL;
          const k = this.read(pair.childForFieldName('key'));
          const v = this.read(pair.childForFieldName('value'));
          if ((typeof k !== 'string' && typeof k !== 'number') || v === NOT_LITERAL) return NOT_LITERAL;
          out[String(k)] = v;
        }
        return out;
      }
      case 'identifier': {
        const bound = this.names.get(node.text);
        return bound ? this.read(bound) : NOT_LITERAL;
      }
      case 'call':
        return this.call(node);
      default:
        return NOT_LITERAL;
    }
  }

  private call(node: SyntaxNode): Literal | typeof NOT_LITERAL {
    const q = qualifiedName(node.childForFieldName('function'), this.aliases);
    const args = named(node.childForFieldName('arguments'));
    const positional = args.filter((a) => a.type !== 'keyword_argument');
    const kw = (name: string) => args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name)?.childForFieldName('value');
    const name = q.split('.').pop() ?? q;
    // numpy arrays serialise as nested lists.
    if (/^(numpy|np)\.(array|asarray)$/.test(q)) return this.read(positional[0] ?? kw('object'));
    // pandas DataFrames: inference_schema's default orient is "records" (a list of row objects).
    if (/(^|\.)DataFrame$/.test(q)) {
      const data = this.read(positional[0] ?? kw('data'));
      if (data === NOT_LITERAL) return NOT_LITERAL;
      const columns = this.read(kw('columns') ?? positional[2]);
      return toRecords(data, Array.isArray(columns) ? columns.map(String) : undefined);
    }
    // The parameter types wrap the sample (StandardPythonParameterType may nest others in a dict or list).
    if (/ParameterType$/.test(name)) return this.read(positional[0] ?? kw('sample_input'));
    return NOT_LITERAL;
  }
}

function toRecords(data: unknown, columns: string[] | undefined): unknown {
  if (Array.isArray(data) && data.every((r) => r && typeof r === 'object' && !Array.isArray(r))) return data;
  if (Array.isArray(data) && columns) return data.map((row) => (Array.isArray(row) ? Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])) : row));
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const cols = Object.entries(data as Record<string, unknown>);
    const n = Math.max(0, ...cols.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
    return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([k, v]) => [k, Array.isArray(v) ? v[i] ?? null : v])));
  }
  return data;
}

/** A request body built from run()'s @input_schema decorators, or undefined when there are none (or no literal sample). */
export async function sampleFromSchema(text: string): Promise<SchemaSample | undefined> {
  if (!text.includes('input_schema')) return undefined;
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return undefined;
  try {
    return withChildMemo(() => {
      const top = named(tree.rootNode);
      const run = topLevelFunctions(tree.rootNode, new Set(['run']), top).get('run');
      if (!run) return undefined;
      const names = new Map<string, SyntaxNode>();
      for (const st of top) {
        const a = st.type === 'expression_statement' ? named(st)[0] : undefined;
        if (a?.type === 'assignment' && a.childForFieldName('left')?.type === 'identifier') {
          const right = a.childForFieldName('right');
          if (right) names.set(a.childForFieldName('left')!.text, right);
        }
      }
      const imports = top.filter((s) => s.type === 'import_statement' || s.type === 'import_from_statement');
      const reader = new LiteralReader(names, importAliases(imports));
      const body: Record<string, unknown> = {};
      let line = 0;
      for (const dec of run.decorators) {
        if (decoratorName(dec) !== 'input_schema') continue;
        const call = named(dec)[0];
        if (call?.type !== 'call') continue;
        const args = named(call.childForFieldName('arguments'));
        const positional = args.filter((a) => a.type !== 'keyword_argument');
        const kw = (n: string) => args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === n)?.childForFieldName('value');
        const param = reader.read(positional[0] ?? kw('param_name'));
        const value = reader.read(positional[1] ?? kw('param_type'));
        if (typeof param !== 'string' || value === NOT_LITERAL) continue;
        body[param] = value;
        line ||= dec.startPosition.row + 1;
      }
      return line ? { body: JSON.stringify(body), line } : undefined;
    });
  } finally {
    tree.delete();
  }
}

/** 1-based lines of the top-level init() and run() definitions (link targets for failures inside them). */
export async function entryFunctionLines(text: string): Promise<{ init?: number; run?: number }> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return {};
  try {
    const fns = topLevelFunctions(tree.rootNode);
    const line = (n: string) => {
      const f = fns.get(n);
      return f ? f.def.startPosition.row + 1 : undefined;
    };
    return { init: line('init'), run: line('run') };
  } finally {
    tree.delete();
  }
}
