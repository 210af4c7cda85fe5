// The scoring-script rules. Each takes the parsed script (Script) and pushes findings, with quick fixes
// (plain text edits) where a mechanical fix is safe. Pure: no vscode, no LSP.
import type { SyntaxNode } from './parser';
import {
  ancestors,
  callee,
  decoratorName,
  findAll,
  firstLineRange,
  indentOf,
  isDocstring,
  lastName,
  named,
  nodeRange,
  qualifiedName,
  statements,
  targetNames,
  topLevelDefinitionRows,
  walk,
  type FunctionInfo,
} from './pyast';
import { KNOWN_MODULES, undefinedNames } from './names';
import { RULES, type RuleId } from './rules';
import type { Finding, Fix, Range, Severity, TextEdit } from './types';

export type ScriptKind = 'online' | 'batch';

export interface Script {
  text: string;
  lines: string[];
  root: SyntaxNode;
  fns: Map<string, FunctionInfo>;
  aliases: Map<string, string>;
  /** Import statements at module level and inside init()/run(). */
  imports: SyntaxNode[];
  /** Module-level statements (cursor-built once: named() on a 5,000-line module is not free). */
  top: SyntaxNode[];
  kind: ScriptKind;
  /** "The entry script" or the file name, for messages. */
  label: string;
}

export function makeFinding(rule: RuleId, message: string, range: Range, extra: { severity?: Severity; fixes?: Fix[] } = {}): Finding {
  const info = RULES[rule];
  const f: Finding = { rule: info.id, severity: extra.severity ?? info.severity, message, range, docsUrl: info.docsUrl };
  if (extra.fixes?.length) f.fixes = extra.fixes;
  return f;
}

const pos = (line: number, character: number) => ({ line, character });
const at = (line: number, character: number): Range => ({ start: pos(line, character), end: pos(line, character) });

/** The unit of indentation the file uses (4 spaces unless it says otherwise). */
function indentUnit(s: Script): string {
  for (const l of s.lines) {
    const m = /^([ \t]+)\S/.exec(l);
    if (m) return m[1]!.startsWith('\t') ? '\t' : m[1]!.length <= 8 ? m[1]! : '    ';
  }
  return '    ';
}

/** An edit that adds `import <module>` when the script lacks it (after a module docstring / __future__ imports). */
function ensureImport(s: Script, module: string, alias = module): TextEdit[] {
  const already = [...s.aliases.entries()].some(([local, origin]) => local === alias && origin === module);
  if (already) return [];
  let row = 0;
  for (const st of s.top) {
    if (isDocstring(st) && row === 0 && st.id === s.top[0]?.id) {
      row = st.endPosition.row + 1;
      continue;
    }
    if (st.type === 'future_import_statement') {
      row = st.endPosition.row + 1;
      continue;
    }
    if (st.type === 'import_statement' || st.type === 'import_from_statement') row = Math.max(row, st.startPosition.row);
    break;
  }
  return [{ range: at(row, 0), newText: alias === module ? `import ${module}\n` : `import ${module} as ${alias}\n` }];
}

function blockIndent(s: Script, block: SyntaxNode): string {
  const first = statements(block)[0];
  return first ? indentOf(s.lines[first.startPosition.row] ?? '') : indentUnit(s);
}

/** A statement starts its own line (so a line can be inserted before it). */
function ownsLine(s: Script, node: SyntaxNode): boolean {
  return indentOf(s.lines[node.startPosition.row] ?? '').length === node.startPosition.column;
}

// ---------------------------------------------------------------------------------------------
// missing-init / missing-run

export function checkEntryFunctions(s: Script, out: Finding[]): void {
  const top: Range = at(0, 0);
  const end = s.lines.length - 1;
  const tail = s.text.length === 0 ? '' : s.text.endsWith('\n\n') ? '' : s.text.endsWith('\n') ? '\n' : '\n\n';
  const endPos = at(end, (s.lines[end] ?? '').length);
  const unit = indentUnit(s);
  if (!s.fns.has('init')) {
    const skeleton =
      `${tail}\ndef init():\n${unit}"""Called once when the container starts: load the model into a global."""\n` +
      `${unit}global model\n${unit}model_dir = os.getenv("AZUREML_MODEL_DIR", "")\n` +
      `${unit}model = None  # TODO: load the model from model_dir\n`;
    out.push(
      makeFinding('missing-init', `${s.label} has no top-level init() function. The Azure ML inference server calls init() once at start-up to load the model; without it the server refuses the script and the deployment fails. Add def init(): that loads the model into a global.`, top, {
        fixes: [{ title: 'Add an init() skeleton', preferred: true, edits: [...ensureImport(s, 'os'), { range: endPos, newText: skeleton }] }],
      }),
    );
  }
  if (!s.fns.has('run')) {
    const skeleton =
      s.kind === 'batch'
        ? `${tail}\ndef run(mini_batch):\n${unit}"""Called for each mini-batch: return one result per input."""\n${unit}results = []\n${unit}for item in mini_batch:\n${unit}${unit}results.append(str(item))  # TODO: score item\n${unit}return results\n`
        : `${tail}\ndef run(raw_data):\n${unit}"""Called for every POST /score request: return a JSON-serialisable result."""\n` +
          `${unit}try:\n${unit}${unit}data = json.loads(raw_data)\n${unit}${unit}result = data  # TODO: score data with the model loaded in init()\n${unit}${unit}return {"result": result}\n` +
          `${unit}except Exception:\n${unit}${unit}logging.exception("run() failed")\n${unit}${unit}return {"error": "Internal server error; see the deployment logs."}\n`;
    const imports = s.kind === 'batch' ? [] : [...ensureImport(s, 'json'), ...ensureImport(s, 'logging')];
    out.push(
      makeFinding('missing-run', `${s.label} has no top-level run() function. The inference server calls run(data) for every POST /score; without it the server refuses the script and the deployment fails. Add def run(raw_data): that returns a JSON-serialisable result.`, top, {
        fixes: [{ title: 'Add a run() skeleton', preferred: true, edits: [...mergeInserts(imports), { range: endPos, newText: skeleton }] }],
      }),
    );
  }
}

/** Several inserts at the same position become one (LSP clients apply them in order, but one is clearer). */
function mergeInserts(edits: TextEdit[]): TextEdit[] {
  const out: TextEdit[] = [];
  for (const e of edits) {
    const same = out.find((o) => o.range.start.line === e.range.start.line && o.range.start.character === e.range.start.character && o.range.end.line === e.range.end.line && o.range.end.character === e.range.end.character);
    if (same) same.newText += e.newText;
    else out.push({ ...e });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// run-signature

export function checkRunSignature(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run) return;
  const nameRange = nodeRange(run.def.childForFieldName('name') ?? run.def);
  const paramsNode = run.def.childForFieldName('parameters') ?? run.def;
  const normal = run.params.filter((p) => p.kind === 'normal');
  const variadic = run.params.filter((p) => p.kind !== 'normal');
  const decos = run.decorators.map(decoratorName);
  const rawhttp = decos.includes('rawhttp');
  const schemas = run.decorators.filter((d) => decoratorName(d) === 'input_schema');
  if (run.params.length === 0) {
    const what = s.kind === 'batch' ? 'the batch runner calls run(mini_batch) for every mini-batch' : rawhttp ? 'the server calls run(request) with the AMLRequest' : 'the server calls run(data) with the request body';
    out.push(
      makeFinding('run-signature', `run() takes no parameter, but ${what}: every call fails with TypeError (HTTP 500/502 for online endpoints). Add the input parameter.`, nodeRange(paramsNode), {
        fixes: [{ title: `Add the ${s.kind === 'batch' ? 'mini_batch' : rawhttp ? 'request' : 'raw_data'} parameter`, preferred: true, edits: [{ range: nodeRange(paramsNode), newText: s.kind === 'batch' ? '(mini_batch)' : rawhttp ? '(request)' : '(raw_data)' }] }],
      }),
    );
    return;
  }
  if (normal.length === 0 && variadic.length > 0 && schemas.length === 0) {
    out.push(
      makeFinding('run-signature', `run() only takes ${variadic.map((p) => (p.kind === 'args' ? '*' : '**') + p.name).join(', ')}: the inference server inspects run()'s named parameters (to pass the input and, when declared, request_headers), and inference_schema and the generated OpenAPI/Swagger document need a named input, so the input is never validated and the schema is empty. Declare the input parameter explicitly, e.g. def run(raw_data).`, nodeRange(paramsNode), { severity: 'warning' }),
    );
  }
  if (rawhttp && schemas.length > 0) {
    out.push(
      makeFinding('run-signature', `run() is decorated with both @rawhttp and @input_schema. @rawhttp hands run() the raw AMLRequest while @input_schema expects a JSON body to parse into a named parameter: the decorators conflict and every request fails. Keep one: @rawhttp for raw/binary payloads, or the inference_schema decorators for JSON.`, nameRange),
    );
  }
  if (variadic.every((p) => p.kind !== 'kwargs')) {
    const names = new Set(run.params.map((p) => p.name));
    for (const d of schemas) {
      const call = d.namedChild(0);
      const first = call?.type === 'call' ? named(call.childForFieldName('arguments'))[0] : undefined;
      if (first?.type !== 'string') continue;
      const param = stringValue(first);
      if (param === undefined || names.has(param)) continue;
      out.push(
        makeFinding('run-signature', `@input_schema names the parameter "${param}", but run() has no parameter of that name (${run.params.map((p) => p.name).join(', ')}): inference_schema calls run(${param}=...) and every request fails with TypeError (HTTP 500). Rename the parameter or the schema name so they match.`, nodeRange(first), {
          fixes: normal[0] ? [{ title: `Rename run()'s parameter ${normal[0].name} to ${param}`, edits: renameInFunction(s, run, normal[0].name, param) }] : undefined,
        }),
      );
    }
  }
}

/** The value of a plain string literal (no interpolation), or undefined. */
export function stringValue(str: SyntaxNode): string | undefined {
  if (str.type !== 'string') return undefined;
  if (named(str).some((c) => c.type === 'interpolation')) return undefined;
  return named(str)
    .filter((c) => c.type === 'string_content')
    .map((c) => c.text)
    .join('');
}

function renameInFunction(_s: Script, fn: FunctionInfo, from: string, to: string): TextEdit[] {
  const edits: TextEdit[] = [];
  walk(fn.def, (n) => {
    if (n.type === 'identifier' && n.text === from) {
      const p = n.parent;
      if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) return;
      if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) return;
      edits.push({ range: nodeRange(n), newText: to });
    }
  }, true);
  return edits;
}

// ---------------------------------------------------------------------------------------------
// run-unguarded

/** Calls that do not raise in practice (logging, timing, conversions used for the response). */
const SAFE_CALLS = new Set([
  'print', 'len', 'str', 'repr', 'isinstance', 'issubclass', 'type', 'dict', 'list', 'tuple', 'set', 'range', 'enumerate', 'zip',
  'bool', 'id', 'hasattr', 'getattr', 'locals', 'globals', 'super', 'time.time', 'time.perf_counter', 'time.monotonic', 'time.time_ns',
  'datetime.now', 'datetime.utcnow', 'datetime.datetime.now', 'datetime.datetime.utcnow', 'uuid.uuid4', 'os.getenv', 'os.environ.get',
  'os.path.join', 'os.path.basename', 'os.path.dirname', 'os.path.exists', 'AMLResponse', 'json.dumps',
]);
const SAFE_METHODS = new Set(['tolist', 'to_dict', 'to_list', 'append', 'get', 'items', 'keys', 'values', 'copy', 'format', 'info', 'debug', 'warning', 'warn', 'exception', 'critical', 'log']);

function isSafeCall(s: Script, call: SyntaxNode): boolean {
  const fn = callee(call);
  if (!fn) return false;
  const q = qualifiedName(fn, s.aliases);
  if (SAFE_CALLS.has(q) || SAFE_CALLS.has(q.split('.').pop()!) && q.startsWith('azureml')) return true;
  if (/^(logging|logger|log|_logger|LOGGER|self\.logger)\./.test(fn.text)) return true;
  if (fn.type === 'attribute') {
    const m = lastName(fn);
    if (m === 'error' || m === 'info' || m === 'debug' || m === 'warning' || m === 'exception' || m === 'critical') return /log/i.test(fn.childForFieldName('object')?.text ?? '');
    if (SAFE_METHODS.has(m) && m !== 'info' && m !== 'debug' && m !== 'warning' && m !== 'warn' && m !== 'exception' && m !== 'critical' && m !== 'log') return true;
  }
  return false;
}

/** Can evaluating this node raise (a call that is not known-safe, a subscript, an await)? */
function risky(s: Script, node: SyntaxNode | null | undefined): boolean {
  if (!node) return false;
  let found = false;
  walk(node, (n) => {
    if (found) return false;
    if (n.type === 'call' && !isSafeCall(s, n)) found = true;
    else if (n.type === 'subscript' || n.type === 'await') found = true;
    else if (n.type === 'assert_statement') found = true;
    return !found;
  });
  return found;
}

function hasExcept(tryStmt: SyntaxNode): boolean {
  return named(tryStmt).some((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
}

/** The first statement in a block that can raise and is not inside a try with an except clause. */
function firstUnguarded(s: Script, block: SyntaxNode | null | undefined): SyntaxNode | undefined {
  for (const st of statements(block)) {
    switch (st.type) {
      case 'try_statement': {
        const parts = named(st);
        if (!hasExcept(st)) {
          const r = firstUnguarded(s, st.childForFieldName('body'));
          if (r) return r;
        }
        for (const p of parts) {
          if (p.type === 'else_clause') {
            const r = firstUnguarded(s, p.childForFieldName('body') ?? named(p).find((c) => c.type === 'block'));
            if (r) return r;
          }
        }
        break;
      }
      case 'if_statement': {
        if (risky(s, st.childForFieldName('condition'))) return st;
        const r = firstUnguarded(s, st.childForFieldName('consequence'));
        if (r) return r;
        for (const alt of st.childrenForFieldName('alternative')) {
          if (!alt) continue;
          if (alt.type === 'elif_clause') {
            if (risky(s, alt.childForFieldName('condition'))) return alt;
            const r2 = firstUnguarded(s, alt.childForFieldName('consequence'));
            if (r2) return r2;
          } else {
            const r2 = firstUnguarded(s, alt.childForFieldName('body'));
            if (r2) return r2;
          }
        }
        break;
      }
      case 'for_statement':
      case 'while_statement': {
        if (risky(s, st.childForFieldName(st.type === 'for_statement' ? 'right' : 'condition'))) return st;
        const r = firstUnguarded(s, st.childForFieldName('body'));
        if (r) return r;
        break;
      }
      case 'with_statement': {
        const clause = named(st).find((c) => c.type === 'with_clause');
        if (risky(s, clause)) return st;
        const r = firstUnguarded(s, st.childForFieldName('body'));
        if (r) return r;
        break;
      }
      case 'function_definition':
      case 'class_definition':
      case 'decorated_definition':
      case 'global_statement':
      case 'nonlocal_statement':
      case 'pass_statement':
      case 'break_statement':
      case 'continue_statement':
      case 'import_statement':
      case 'import_from_statement':
      case 'raise_statement':
        break;
      default:
        if (st.type === 'assert_statement' || risky(s, st)) return st;
    }
  }
  return undefined;
}

export function checkRunUnguarded(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run?.body) return;
  const st = firstUnguarded(s, run.body);
  if (!st) return;
  const guarded = findAll(run.body, 'try_statement').some(hasExcept);
  const part = guarded ? 'only part of run() is inside try/except; this statement is not' : 'run() has no try/except';
  const stmtText = (s.lines[st.startPosition.row] ?? '').trim();
  if (s.kind === 'batch') {
    out.push(
      makeFinding('run-unguarded', `${part}: when "${clip(stmtText)}" raises, the whole mini-batch fails; the batch job retries it and then stops once error_threshold is exceeded. Catch errors per item and log them, or let failures count deliberately.`, firstLineRange(st, s.lines), { severity: 'information' }),
    );
    return;
  }
  out.push(
    makeFinding('run-unguarded', `${part}: when "${clip(stmtText)}" raises (bad input, model error), the inference server answers HTTP 502 Bad Gateway in production and the caller learns nothing. Wrap run()'s body in try/except that logs the exception and returns a clear error.`, firstLineRange(st, s.lines), {
      fixes: [{ title: "Wrap run()'s body in try/except (log + generic error)", preferred: true, edits: wrapRunBody(s, run) }],
    }),
  );
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Re-indents run()'s body (after a docstring / global statements) into try: ... except Exception: log + generic error. */
function wrapRunBody(s: Script, run: FunctionInfo): TextEdit[] {
  const body = run.body!;
  const stmts = statements(body);
  let i = 0;
  while (i < stmts.length && (isDocstring(stmts[i]!) || stmts[i]!.type === 'global_statement')) i++;
  const first = stmts[i];
  if (!first || !ownsLine(s, first)) return [];
  const indent = indentOf(s.lines[first.startPosition.row] ?? '');
  const unit = indentUnit(s);
  const startRow = first.startPosition.row;
  const endRow = body.endPosition.row - (body.endPosition.column === 0 ? 1 : 0);
  // Rows inside multi-line strings keep their text exactly.
  const frozen = new Set<number>();
  for (const str of findAll(body, 'string', true)) for (let r = str.startPosition.row + 1; r <= str.endPosition.row; r++) frozen.add(r);
  const inner: string[] = [];
  for (let r = startRow; r <= endRow; r++) {
    const l = s.lines[r] ?? '';
    inner.push(frozen.has(r) || l.trim() === '' ? l : unit + l);
  }
  const rawhttp = run.decorators.some((d) => decoratorName(d) === 'rawhttp');
  const generic = rawhttp ? 'AMLResponse("Internal server error; see the deployment logs.", 500)' : '{"error": "Internal server error; see the deployment logs."}';
  const newText = `${indent}try:\n${inner.join('\n')}\n${indent}except Exception:\n${indent}${unit}logging.exception("run() failed")\n${indent}${unit}return ${generic}`;
  return [...ensureImport(s, 'logging'), { range: { start: pos(startRow, 0), end: pos(endRow, (s.lines[endRow] ?? '').length) }, newText }];
}

// ---------------------------------------------------------------------------------------------
// error-leak

/** Names bound by `except ... as e` in run(). */
function exceptionNames(body: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const clause of findAll(body, new Set(['except_clause', 'except_group_clause']))) {
    for (const asp of findAll(clause, 'as_pattern')) {
      if (asp.parent?.id !== clause.id) continue;
      for (const id of targetNames(asp.childForFieldName('alias'))) names.add(id.text);
    }
  }
  return names;
}

/** The smallest expression in `expr` that carries exception text, if any. */
function leakIn(s: Script, expr: SyntaxNode, exc: Set<string>, tainted: Set<string>): SyntaxNode | undefined {
  let hit: SyntaxNode | undefined;
  walk(expr, (n) => {
    if (hit) return false;
    if (n.type === 'call') {
      const q = qualifiedName(callee(n), s.aliases);
      if (/^traceback\.format_(exc|exception|tb|exception_only)$/.test(q) || q === 'sys.exc_info') {
        hit = n;
        return false;
      }
      if (q === 'type' || q.endsWith('.__class__')) return false; // the class name only
    }
    if (n.type === 'attribute') {
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute')?.text;
      if (obj?.type === 'identifier' && exc.has(obj.text)) {
        if (attr === '__class__' || attr === '__name__') return false;
        hit = n;
        return false;
      }
      return true;
    }
    if (n.type === 'identifier' && (exc.has(n.text) || tainted.has(n.text))) {
      const p = n.parent;
      if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) return;
      hit = n;
      return false;
    }
    return true;
  });
  return hit;
}

/** Widens a leaking node to the value to replace: str(e) / f"...{e}" / "..." + str(e) / "...".format(e). */
function leakValue(node: SyntaxNode, stop: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    const p = n.parent;
    if (!p || p.id === stop.id) return n;
    if (p.type === 'argument_list' || p.type === 'interpolation' || p.type === 'binary_operator' || p.type === 'string' || p.type === 'parenthesized_expression') {
      n = p.type === 'argument_list' ? p.parent ?? p : p;
      if (n.type === 'call') {
        const fn = callee(n);
        const m = lastName(fn);
        // Stop widening at containers that are not about the text (json.dumps, AMLResponse, dict(...)).
        if (!['str', 'repr', 'format', 'join', 'format_exc', 'format_exception'].includes(m)) {
          return node.parent?.type === 'argument_list' ? node : n;
        }
      }
      continue;
    }
    return n;
  }
}

export function checkErrorLeak(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run?.body || s.kind === 'batch') return;
  const exc = exceptionNames(run.body);
  // Names assigned from exception text (result = str(e); return {"error": result}).
  const tainted = new Set<string>();
  const assigns = findAll(run.body, 'assignment');
  for (let pass = 0; pass < 2; pass++) {
    for (const a of assigns) {
      const right = a.childForFieldName('right');
      if (right && leakIn(s, right, exc, tainted)) for (const id of targetNames(a.childForFieldName('left'))) tainted.add(id.text);
    }
  }
  const returns = findAll(run.body, 'return_statement');
  const raisesResp = findAll(run.body, 'call').filter((c) => lastName(callee(c)) === 'AMLResponse');
  const seen = new Set<number>();
  for (const r of [...returns, ...raisesResp]) {
    const expr = r.type === 'return_statement' ? r.namedChild(0) : r.childForFieldName('arguments');
    if (!expr) continue;
    const hit = leakIn(s, expr, exc, tainted);
    if (!hit || seen.has(hit.id)) continue;
    seen.add(hit.id);
    const ret = r.type === 'return_statement' ? r : ancestors(r).find((a) => a.type === 'return_statement');
    if (r.type !== 'return_statement' && ret) continue; // reported through its return statement
    const debugGuard = ancestors(r, run.body).some((a) => (a.type === 'if_statement' || a.type === 'elif_clause') && /debug/i.test(a.childForFieldName('condition')?.text ?? ''));
    const value = leakValue(hit, expr.parent ?? expr);
    const inExcept = ancestors(r, run.body).some((a) => a.type === 'except_clause');
    const edits: TextEdit[] = [...ensureImport(s, 'logging')];
    const stmt = ret ?? ancestors(r, run.body).find((a) => a.parent?.type === 'block') ?? r;
    if (ownsLine(s, stmt)) {
      const ind = indentOf(s.lines[stmt.startPosition.row] ?? '');
      edits.push({ range: at(stmt.startPosition.row, 0), newText: `${ind}logging.${inExcept ? 'exception' : 'error'}("run() failed")\n` });
    }
    edits.push({ range: nodeRange(value), newText: '"Internal server error; see the deployment logs."' });
    out.push(
      makeFinding('error-leak', `run() sends exception text (${clip(value.text)}) back to the client. Fine while debugging; in production it leaks internals (paths, model details, data) and the caller gets HTTP 200 with an error string instead of a failure. Log the exception and return a generic message.`, nodeRange(value), {
        severity: debugGuard ? 'information' : undefined,
        fixes: [{ title: 'Log the exception and return a generic message', preferred: true, edits }],
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// global-missing

function globalsDeclared(body: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const g of findAll(body, 'global_statement')) for (const id of named(g)) if (id.type === 'identifier') names.add(id.text);
  return names;
}

/** Names a function body binds locally (assignments, for/with/except targets, imports), not entering nested scopes. */
function localBindings(body: SyntaxNode): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  const add = (ids: SyntaxNode[]) => ids.forEach((id) => !out.has(id.text) && out.set(id.text, id));
  walk(body, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') add(targetNames(n.childForFieldName('left')));
    else if (n.type === 'for_statement' || n.type === 'for_in_clause') add(targetNames(n.childForFieldName('left')));
    else if (n.type === 'as_pattern') add(targetNames(n.childForFieldName('alias')));
    else if (n.type === 'named_expression') add(targetNames(n.childForFieldName('name')));
    else if (n.type === 'function_definition' || n.type === 'class_definition') {
      const name = n.childForFieldName('name');
      if (name) add([name]);
    } else if (n.type === 'import_statement' || n.type === 'import_from_statement') {
      for (const nm of n.childrenForFieldName('name')) {
        if (!nm) continue;
        const id = nm.type === 'aliased_import' ? nm.childForFieldName('alias') : nm.type === 'dotted_name' ? nm.namedChild(0) : nm;
        if (id) add([id]);
      }
    }
  });
  return out;
}

/** Identifiers read in a function (including nested functions), excluding attribute names and keyword names. */
function readNames(body: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (const n of findAll(body, 'identifier', true)) {
    const p = n.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) continue;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) continue;
    out.add(n.text);
  }
  return out;
}

function moduleBindings(s: Script): { imports: Set<string>; defs: Set<string>; assigned: Set<string> } {
  const imports = new Set<string>();
  const defs = new Set<string>();
  const assigned = new Set<string>();
  for (const st of s.top) {
    if (st.type === 'import_statement' || st.type === 'import_from_statement') {
      for (const nm of st.childrenForFieldName('name')) {
        if (!nm) continue;
        const id = nm.type === 'aliased_import' ? nm.childForFieldName('alias') : nm.type === 'dotted_name' ? nm.namedChild(0) : nm;
        if (id) imports.add(id.text);
      }
    } else if (st.type === 'function_definition' || st.type === 'class_definition' || st.type === 'decorated_definition') {
      const def = st.type === 'decorated_definition' ? st.childForFieldName('definition') : st;
      const name = def?.childForFieldName('name')?.text;
      if (name) defs.add(name);
    } else if (st.type === 'expression_statement') {
      const a = st.namedChild(0);
      if (a?.type === 'assignment') for (const id of targetNames(a.childForFieldName('left'))) assigned.add(id.text);
    }
  }
  return { imports, defs, assigned };
}

export function checkGlobalMissing(s: Script, out: Finding[]): void {
  const init = s.fns.get('init');
  const run = s.fns.get('run');
  if (!init?.body || !run?.body) return;
  const initGlobals = globalsDeclared(init.body);
  const initLocals = localBindings(init.body);
  const runGlobals = globalsDeclared(run.body);
  const runLocals = localBindings(run.body);
  const runParams = new Set(run.params.map((p) => p.name));
  const reads = readNames(run.body);
  let moduleLevel: ReturnType<typeof moduleBindings> | undefined; // every top-level statement: only when needed
  for (const [name, node] of initLocals) {
    if (initGlobals.has(name) || !reads.has(name) || runParams.has(name)) continue;
    if (runLocals.has(name) && !runGlobals.has(name)) continue;
    const mod = (moduleLevel ??= moduleBindings(s));
    if (mod.imports.has(name) || mod.defs.has(name)) continue;
    if (node.parent?.type === 'function_definition' || node.parent?.type === 'class_definition') continue;
    const consequence = mod.assigned.has(name)
      ? `run() reads the module-level ${name}, which is still None (or its initial value): every request fails (AttributeError: 'NoneType' ... -> HTTP 502)`
      : `run() reads a global ${name} that never exists: every request fails with NameError (HTTP 502)`;
    out.push(
      makeFinding('global-missing', `init() assigns ${name} as a local variable (no "global ${name}"), so ${consequence}. Declare global ${name} at the top of init().`, nodeRange(node), {
        fixes: [{ title: `Add "global ${name}" to init()`, preferred: true, edits: addGlobal(s, init, name) }],
      }),
    );
  }
}

function addGlobal(s: Script, init: FunctionInfo, name: string): TextEdit[] {
  const stmts = statements(init.body);
  const existing = stmts.find((st) => st.type === 'global_statement');
  if (existing) return [{ range: at(existing.endPosition.row, existing.endPosition.column), newText: `, ${name}` }];
  const first = stmts.find((st) => !isDocstring(st)) ?? stmts[0];
  if (!first) return [];
  if (!ownsLine(s, first)) {
    // def init(): model = load()  (one-line body)
    return [{ range: at(first.startPosition.row, first.startPosition.column), newText: `global ${name}; ` }];
  }
  const ind = blockIndent(s, init.body!);
  return [{ range: at(first.startPosition.row, 0), newText: `${ind}global ${name}\n` }];
}

// ---------------------------------------------------------------------------------------------
// model-load-in-run: a model loaded or fetched on every call

/** Calls that load a model, a session or a tokenizer from disk, or fetch a registered model or hub files. */
const LOADERS: { test: (q: string, call: SyntaxNode, s: Script) => boolean; what: string; fetch?: boolean }[] = [
  { what: 'joblib.load', test: (q) => /(^|\.)joblib\.load$/.test(q) },
  { what: 'pickle.load', test: (q) => /^(c?pickle|cloudpickle|dill|_pickle)\.load$/.test(q) },
  { what: 'torch.load', test: (q) => /^torch\.(jit\.)?load$/.test(q) },
  { what: 'torch.hub.load', test: (q) => /^torch\.hub\.load$/.test(q), fetch: true },
  { what: 'load_model', test: (q) => /(^|\.)load_model$/.test(q) },
  { what: 'saved_model.load', test: (q) => /(^|\.)saved_model\.load(_v2)?$/.test(q) },
  { what: 'import_meta_graph', test: (q) => /(^|\.)import_meta_graph$/.test(q) },
  { what: 'onnxruntime.InferenceSession', test: (q) => /(^|\.)InferenceSession$/.test(q) },
  { what: 'onnx.load', test: (q) => /^onnx\.load$/.test(q) },
  { what: 'from_pretrained', test: (q) => /\.from_pretrained$/.test(q) },
  { what: 'transformers.pipeline', test: (q) => /^transformers\.pipeline$/.test(q) },
  { what: 'Booster(model_file=...)', test: (q, c) => /^(xgboost|lightgbm|xgb|lgb)\.Booster$/.test(q) && /model_file/.test(c.text) },
  { what: 'spacy.load', test: (q) => /^spacy\.load$/.test(q) },
  // Fetching: the registered model or hub files downloaded (or looked up in the workspace) per call.
  { what: 'Model.get_model_path', test: (q) => /(^|\.)Model\.get_model_path$/.test(q), fetch: true },
  { what: 'Model.list', test: (q) => /(^|\.)Model\.list$/.test(q), fetch: true },
  { what: 'Model(...).download', test: (q, c, s) => q.endsWith('.download') && isModelDownload(c, s), fetch: true },
  { what: 'models.download', test: (q) => /\.models\.download$/.test(q), fetch: true },
  { what: 'huggingface_hub download', test: (q) => /(^|\.)(hf_hub_download|snapshot_download)$/.test(q), fetch: true },
];

/** `Model(ws, name).download(...)`, or `.download(...)` on a name assigned from `Model(...)`. */
function isModelDownload(call: SyntaxNode, s: Script): boolean {
  const fn = callee(call);
  if (fn?.type !== 'attribute' || lastName(fn) !== 'download') return false;
  const isModelCall = (n: SyntaxNode | null | undefined) => n?.type === 'call' && /(^|\.)Model$/.test(qualifiedName(callee(n), s.aliases));
  const obj = fn.childForFieldName('object');
  if (isModelCall(obj)) return true;
  if (obj?.type !== 'identifier') return false;
  const scope = ancestors(call).find((a) => a.type === 'function_definition') ?? s.root;
  return findAll(scope, 'assignment').some((a) => a.childForFieldName('left')?.text === obj.text && isModelCall(a.childForFieldName('right')));
}

/** A lazy load-once cache: `if model is None:`, `if not model:`, `if key not in cache:` around the call. */
function cachedLoad(call: SyntaxNode, within: SyntaxNode): boolean {
  return ancestors(call, within).some((a) => a.type === 'if_statement' && /\bis None\b|^not\s+[\w.]+$|\bnot in\b/.test(a.childForFieldName('condition')?.text ?? ''));
}

function loaderOf(s: Script, call: SyntaxNode) {
  const q = qualifiedName(callee(call), s.aliases);
  return LOADERS.find((l) => l.test(q, call, s));
}

/** The top-level statement (a function definition, decorated or not) that defines `name`, found from its line. */
function moduleFunction(s: Script, rows: Map<string, number>, name: string): SyntaxNode | undefined {
  const row = rows.get(name);
  if (row === undefined) return undefined;
  let node: SyntaxNode | null = s.root.descendantForPosition({ row, column: 0 });
  while (node?.parent && node.parent.type !== 'module') node = node.parent;
  const def = node?.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
  return def?.type === 'function_definition' && def.childForFieldName('name')?.text === name ? node! : undefined;
}

/** The first uncached loader call in a module-level helper function (one level: what run() calls directly). */
function helperLoad(s: Script, name: string, seen: Map<string, { call: SyntaxNode; loader: (typeof LOADERS)[number] } | undefined>, rows: () => Map<string, number>) {
  if (seen.has(name)) return seen.get(name);
  seen.set(name, undefined);
  const def = moduleFunction(s, rows(), name);
  if (!def) return undefined;
  // A memoised helper (functools.lru_cache / cache) loads once.
  if (def.type === 'decorated_definition' && named(def).some((d) => d.type === 'decorator' && /\b(lru_cache|cache|cached)\b/.test(d.text))) return undefined;
  const fn = def.type === 'decorated_definition' ? def.childForFieldName('definition')! : def;
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  for (const call of findAll(body, 'call')) {
    const loader = loaderOf(s, call);
    if (loader && !cachedLoad(call, body)) {
      seen.set(name, { call, loader });
      return seen.get(name);
    }
  }
  return undefined;
}

export function checkModelLoadInRun(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run?.body) return;
  const per = s.kind === 'batch' ? 'every mini-batch' : 'every request';
  const effect = s.kind === 'batch' ? 'the job spends its time re-loading the model and can exceed run_invocation_timeout' : 'requests become slow and time out (HTTP 504, and 503 under load)';
  const helpers = new Map<string, { call: SyntaxNode; loader: (typeof LOADERS)[number] } | undefined>();
  let rows: Map<string, number> | undefined;
  const definitionRows = () => (rows ??= topLevelDefinitionRows(s.lines));
  for (const call of findAll(run.body, 'call')) {
    const loader = loaderOf(s, call);
    const text = clip(callee(call)?.text ?? '');
    if (loader) {
      if (cachedLoad(call, run.body)) continue; // ancestors only here: every call's would be quadratic in the nesting
      const what = loader.fetch ? `fetches the registered model or its files (${loader.what})` : 'loads the model';
      out.push(
        makeFinding('model-load-in-run', `${text}() ${what} on ${per} inside run(): ${effect}. Load the model once in init() into a global and only use it in run().`, nodeRange(call)),
      );
      continue;
    }
    // One level down: run() calling a helper of this module that loads the model each time.
    const fn = callee(call);
    if (fn?.type !== 'identifier' || s.fns.has(fn.text)) continue;
    const inner = helperLoad(s, fn.text, helpers, definitionRows);
    if (!inner || cachedLoad(call, run.body)) continue;
    const where = `${clip(callee(inner.call)?.text ?? inner.loader.what)}() on line ${inner.call.startPosition.row + 1}`;
    out.push(
      makeFinding('model-load-in-run', `${fn.text}() ${inner.loader.fetch ? 'fetches the registered model' : 'loads the model'} (${where}) and run() calls it on ${per}: ${effect}. Load the model once in init() into a global and only use it in run().`, nodeRange(call)),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// undefined-name

export function checkUndefinedNames(s: Script, out: Finding[]): void {
  for (const u of undefinedNames(s)) {
    const what = u.mainOnly
      ? `${u.name} is only defined under if __name__ == "__main__":, which does not run when the inference server imports the script`
      : `${u.name} is not defined, imported or built in anywhere in this file`;
    const when = u.atImport
      ? `the server imports the script and evaluates ${u.fn}()'s decorators and defaults at start-up, so the container crashes with NameError before it is ready (CrashLoopBackOff / ResourceNotReady)`
      : u.fn === 'init'
        ? 'init() raises NameError when the container starts, so the deployment never becomes ready (CrashLoopBackOff / ResourceNotReady)'
        : `run() raises NameError whenever it gets here, so those requests fail (HTTP 502, or whatever your except clause returns)`;
    // The obvious fix: a well-known module (or its usual alias) used as one, `np.array(...)`, and not imported.
    const module = Object.prototype.hasOwnProperty.call(KNOWN_MODULES, u.name) ? KNOWN_MODULES[u.name]! : undefined;
    const asModule = u.node.parent?.type === 'attribute' && u.node.parent.childForFieldName('object')?.id === u.node.id;
    const fix = module && asModule && !u.mainOnly ? ensureImport(s, module, u.name) : [];
    out.push(
      makeFinding('undefined-name', `${what}: ${when}. ${fix.length ? `Import it (${fix[0]!.newText.trim()}).` : u.mainOnly ? `Define it at module level or in init() (with global ${u.name}).` : 'Import or define it, or fix the spelling.'}`, nodeRange(u.node), {
        fixes: fix.length ? [{ title: `Add "${fix[0]!.newText.trim()}"`, preferred: true, edits: fix }] : undefined,
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// get-model-path

export function checkGetModelPath(s: Script, out: Finding[]): void {
  if (!s.text.includes('get_model_path')) return; // most files: skip the whole-tree walk
  for (const call of s.root.descendantsOfType('call')) {
    if (!call || lastName(callee(call)) !== 'get_model_path') continue;
    out.push(
      makeFinding('get-model-path', `Model.get_model_path() needs azureml-core in the image and resolves the registered model by name and version from the v1 azureml-models folder: on managed online endpoints, Kubernetes and local Docker it raises (ModuleNotFoundError, or "Model not found in cache or in root") and init() fails, so the container never gets ready. Build the path from the AZUREML_MODEL_DIR environment variable instead: os.path.join(os.getenv("AZUREML_MODEL_DIR"), "<model file>").`, nodeRange(call)),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// non-serializable-return

type ArrayKind = 'ndarray' | 'dataframe';
const CONVERSIONS = new Set(['tolist', 'to_dict', 'to_json', 'to_list', 'item', 'to_string', 'to_csv', 'to_records']);
const ARRAY_METHODS = new Set(['predict', 'predict_proba', 'predict_log_proba', 'decision_function', 'transform', 'kneighbors']);

function arrayKind(s: Script, e: SyntaxNode | null | undefined, arrays: Map<string, ArrayKind>): ArrayKind | undefined {
  if (!e) return undefined;
  if (e.type === 'identifier') return arrays.get(e.text);
  if (e.type === 'parenthesized_expression') return arrayKind(s, e.namedChild(0), arrays);
  if (e.type === 'subscript') {
    const k = arrayKind(s, e.childForFieldName('value'), arrays);
    return k === 'dataframe' ? 'dataframe' : undefined; // x[0] of an array is often a scalar
  }
  if (e.type === 'binary_operator') {
    const l = arrayKind(s, e.childForFieldName('left'), arrays);
    const r = arrayKind(s, e.childForFieldName('right'), arrays);
    return l ?? r;
  }
  if (e.type === 'call') {
    const fn = callee(e);
    const q = qualifiedName(fn, s.aliases);
    if (/^(numpy|np)\.(array|asarray|argmax|argmin|where|concatenate|stack|vstack|hstack|round|around|exp|squeeze|expand_dims|zeros|ones)$/.test(q)) return 'ndarray';
    if (/^(pandas|pd)\.(DataFrame|Series)$/.test(q)) return 'dataframe';
    if (fn?.type === 'attribute') {
      const m = lastName(fn);
      const base = arrayKind(s, fn.childForFieldName('object'), arrays);
      if (CONVERSIONS.has(m)) return undefined;
      if (base) return base;
      if (ARRAY_METHODS.has(m)) return 'ndarray';
    }
  }
  return undefined;
}

export function checkNonSerializableReturn(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run?.body || s.kind === 'batch') return;
  if (run.decorators.some((d) => ['output_schema', 'rawhttp'].includes(decoratorName(d)))) return;
  const arrays = new Map<string, ArrayKind>();
  for (const a of findAll(run.body, 'assignment')) {
    const left = a.childForFieldName('left');
    if (left?.type !== 'identifier') continue;
    const k = arrayKind(s, a.childForFieldName('right'), arrays);
    if (k) arrays.set(left.text, k);
    else arrays.delete(left.text);
  }
  for (const r of findAll(run.body, 'return_statement')) {
    const expr = r.namedChild(0);
    if (!expr) continue;
    const candidates: SyntaxNode[] = [];
    const collect = (e: SyntaxNode) => {
      if (e.type === 'dictionary') {
        for (const pair of named(e)) {
          const value = pair.type === 'pair' ? pair.childForFieldName('value') : null;
          if (value) collect(value);
        }
      }
      else if (e.type === 'list' || e.type === 'tuple' || e.type === 'expression_list') named(e).forEach(collect);
      else if (e.type === 'call' && qualifiedName(callee(e), s.aliases) === 'json.dumps') {
        const first = named(e.childForFieldName('arguments'))[0];
        if (first) collect(first);
      } else candidates.push(e);
    };
    collect(expr);
    for (const c of candidates) {
      const k = arrayKind(s, c, arrays);
      if (!k) continue;
      const conv = k === 'dataframe' ? '.to_dict(orient="records")' : '.tolist()';
      const wrap = c.type === 'binary_operator' || c.type === 'await';
      out.push(
        makeFinding('non-serializable-return', `run() returns ${clip(c.text)}, a ${k === 'dataframe' ? 'pandas DataFrame/Series' : 'numpy array'}: the server cannot JSON-encode it ("Object of type ${k === 'dataframe' ? 'DataFrame' : 'ndarray'} is not JSON serializable") and the request fails with HTTP 500/502. Convert it with ${conv}.`, nodeRange(c), {
          fixes: [{ title: `Add ${conv}`, preferred: true, edits: wrap ? [{ range: nodeRange(c), newText: `(${c.text})${conv}` }] : [{ range: at(c.endPosition.row, c.endPosition.column), newText: conv }] }],
        }),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// debugpy-left-in

export function checkDebugpy(s: Script, out: Finding[]): void {
  if (!/debugpy|ptvsd/.test(s.text)) return;
  const calls = s.root.descendantsOfType('call').filter((c): c is SyntaxNode => !!c && /^(debugpy|ptvsd)\.(listen|wait_for_client|breakpoint|enable_attach|wait_for_attach|connect)$/.test(qualifiedName(callee(c), s.aliases)));
  if (calls.length === 0) return;
  const removal = debugpyRemoval(s, calls);
  for (const call of calls) {
    const q = qualifiedName(callee(call), s.aliases);
    const blocks = /wait_for_(client|attach)|breakpoint/.test(q);
    const guarded = ancestors(call).some((a) => (a.type === 'if_statement' || a.type === 'elif_clause') && /environ|getenv|debug/i.test(a.childForFieldName('condition')?.text ?? ''));
    const msg = blocks
      ? `${q}() blocks until a debugger attaches: a production container hangs here (init() never finishes -> the deployment times out, or every request hangs -> HTTP 504). Remove the debugpy lines before deploying.`
      : `${q}() opens a debug port in the container: harmless only while debugging locally; in production it exposes a remote-code port and slows start-up. Remove the debugpy lines before deploying.`;
    out.push(
      makeFinding('debugpy-left-in', guarded ? `${msg} (It is behind a condition; make sure that is off in production.)` : msg, nodeRange(call), {
        severity: guarded ? 'information' : blocks ? 'error' : 'warning',
        fixes: removal.length ? [{ title: 'Remove the debugpy lines', preferred: true, edits: removal }] : undefined,
      }),
    );
  }
}

/** Deletes every debugpy statement (calls and imports); a block left empty gets `pass`. */
function debugpyRemoval(s: Script, calls: SyntaxNode[]): TextEdit[] {
  const stmts = new Map<number, SyntaxNode>();
  for (const c of calls) {
    const st = c.parent?.type === 'expression_statement' ? c.parent : undefined;
    if (st && st.parent?.type !== 'ERROR') stmts.set(st.id, st);
  }
  for (const imp of s.imports) {
    const text = imp.text;
    if (/^import\s+(debugpy|ptvsd)\s*$/.test(text) || /^from\s+(debugpy|ptvsd)\s+import\b/.test(text)) stmts.set(imp.id, imp);
  }
  const edits: TextEdit[] = [];
  const removedPerBlock = new Map<number, number>();
  for (const st of stmts.values()) {
    const block = st.parent;
    if (block) removedPerBlock.set(block.id, (removedPerBlock.get(block.id) ?? 0) + 1);
  }
  for (const st of [...stmts.values()].sort((a, b) => a.startIndex - b.startIndex)) {
    if (!ownsLine(s, st)) return [];
    const rest = (s.lines[st.endPosition.row] ?? '').slice(st.endPosition.column).trim();
    if (rest && !rest.startsWith('#')) return [];
    const block = st.parent!;
    const emptied = block.type === 'block' && removedPerBlock.get(block.id) === statements(block).length;
    const first = emptied && statements(block)[0]!.id === st.id;
    const range: Range = { start: pos(st.startPosition.row, 0), end: pos(st.endPosition.row + 1, 0) };
    edits.push({ range, newText: first ? `${indentOf(s.lines[st.startPosition.row] ?? '')}pass\n` : '' });
  }
  return edits;
}

// ---------------------------------------------------------------------------------------------
// sklearn-externals-joblib, hardcoded-model-path

export function checkSklearnJoblib(s: Script, out: Finding[]): void {
  if (!s.text.includes('sklearn.externals')) return;
  for (const imp of s.root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!imp) continue;
    const from = imp.type === 'import_from_statement' && imp.childForFieldName('module_name')?.text === 'sklearn.externals' && imp.childrenForFieldName('name').some((n) => n && (n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text) === 'joblib');
    const direct = imp.type === 'import_statement' && imp.childrenForFieldName('name').some((n) => n && /^sklearn\.externals\.joblib$/.test(n.type === 'aliased_import' ? n.childForFieldName('name')?.text ?? '' : n.text));
    if (!from && !direct) continue;
    const simple = from && imp.childrenForFieldName('name').length === 1;
    const alias = imp.childrenForFieldName('name')[0];
    const asName = alias?.type === 'aliased_import' ? ` as ${alias.childForFieldName('alias')?.text}` : '';
    out.push(
      makeFinding('sklearn-externals-joblib', `sklearn.externals.joblib was removed in scikit-learn 0.23: in any current image this import raises ModuleNotFoundError when the server loads the script, so the container crashes at start-up (CrashLoopBackOff / ResourceNotReady). Import joblib directly (and add joblib to the environment).`, nodeRange(imp), {
        fixes: simple ? [{ title: 'Use "import joblib"', preferred: true, edits: [{ range: nodeRange(imp), newText: `import joblib${asName}` }] }] : undefined,
      }),
    );
  }
}

export function checkHardcodedModelPath(s: Script, out: Finding[]): void {
  if (!s.text.includes('azureml-models')) return;
  for (const str of s.root.descendantsOfType('string_content')) {
    if (!str || !/(^|[/\\])azureml-models[/\\]|\/var\/azureml-app\/azureml-models/.test(str.text)) continue;
    out.push(
      makeFinding('hardcoded-model-path', `Hard-coded model location "${clip(str.text)}": the azureml-models/<name>/<version> layout only exists in v1 deployments and changes with every model version, so the file is not found after the next registration (init() fails). Use os.path.join(os.getenv("AZUREML_MODEL_DIR"), "<model file>").`, nodeRange(str)),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// batch-run-return

export function checkBatchReturn(s: Script, out: Finding[]): void {
  const run = s.fns.get('run');
  if (!run?.body || s.kind !== 'batch') return;
  const returnsValue = findAll(run.body, 'return_statement').some((r) => r.namedChildCount > 0 && r.namedChild(0)?.text !== 'None');
  if (returnsValue || findAll(run.body, 'yield').length) return;
  out.push(
    makeFinding('batch-run-return', `Batch run() returns nothing: the batch runner counts each mini-batch's results from the returned list or DataFrame, so every mini-batch counts as failed (and append_row output stays empty). Return one result per input item.`, nodeRange(run.def.childForFieldName('name') ?? run.def)),
  );
}
