// Pure analysis of an Azure ML entry (scoring) script: text in, findings out. No vscode, no LSP.
import { getPythonParser, type SyntaxNode } from './parser';
import { RULES } from './rules';
import type { Finding, Range } from './types';

export interface AnalyzeOptions {
  /** File name, used only in messages. */
  fileName?: string;
}

function nodeRange(node: SyntaxNode): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

function finding(rule: keyof typeof RULES, message: string, range: Range): Finding {
  const info = RULES[rule];
  return { rule: info.id, severity: info.severity, message, range, docsUrl: info.docsUrl };
}

/** Top-level function definitions, including decorated ones, by name. */
function topLevelFunctions(root: SyntaxNode): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const child of root.namedChildren) {
    if (!child) continue;
    const def = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'function_definition') {
      const name = def.childForFieldName('name')?.text;
      if (name && !out.has(name)) out.set(name, def);
    }
  }
  return out;
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

export async function analyzeScoringScript(text: string, options: AnalyzeOptions = {}): Promise<Finding[]> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return [];
  try {
    const root = tree.rootNode;
    const findings: Finding[] = [];
    const fileLabel = options.fileName ?? 'The entry script';
    const top: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const err = firstError(root);
    if (err) {
      const what = err.isMissing ? `missing "${err.type}"` : 'invalid syntax';
      findings.push(
        finding('syntax-error', `${what}: the inference server imports this file at start-up, so the container would crash before serving a request (ResourceNotReady / CrashLoopBackOff). Fix the syntax error.`, nodeRange(err)),
      );
    }
    const fns = topLevelFunctions(root);
    if (!fns.has('init')) {
      findings.push(
        finding('missing-init', `${fileLabel} has no top-level init() function. The Azure ML inference server calls init() once at start-up to load the model; without it the server refuses the script and the deployment fails. Add def init(): that loads the model into a global.`, top),
      );
    }
    if (!fns.has('run')) {
      findings.push(
        finding('missing-run', `${fileLabel} has no top-level run() function. The inference server calls run(data) for every POST /score; without it the server refuses the script and the deployment fails. Add def run(raw_data): that returns a JSON-serialisable result.`, top),
      );
    }
    return findings;
  } finally {
    tree.delete();
  }
}
