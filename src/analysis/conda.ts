// Checks for conda environment files used by deployments (conda.yml / environment.yml): pure, YAML text in.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type YAMLSeq } from 'yaml';
import { MAX_SOURCE_CHARS } from './bounds';
import { makeFinding } from './checks';
import type { Finding, Range, TextEdit } from './types';

export interface CondaAnalysis {
  /** The file is a conda environment (a top-level `dependencies:` list). */
  isCondaEnv: boolean;
  findings: Finding[];
}

const SERVER_PACKAGES = /^(azureml-defaults|azureml-inference-server-http)\b/i;
const MIN_DEFAULTS = [1, 0, 45];

function versionLess(v: string, min: number[]): boolean {
  const parts = v.split('.').map((p) => parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const a = Number.isFinite(parts[i]) ? parts[i]! : 0;
    if (a !== min[i]) return a < min[i]!;
  }
  return false;
}

/** True when a `yaml` document looks like a conda environment. */
export function isCondaEnvDocument(doc: Document): boolean {
  const deps = isMap(doc.contents) ? doc.contents.get('dependencies', true) : undefined;
  return isSeq(deps);
}

export function analyzeCondaEnv(text: string, options: { fileName?: string } = {}): CondaAnalysis {
  if (text.length > MAX_SOURCE_CHARS) return { isCondaEnv: false, findings: [] }; // nobody's conda file; not parsed
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const lines = text.split(/\r?\n/);
  const toRange = (r: [number, number, number?] | undefined): Range => {
    if (!r) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const a = lc.linePos(r[0]);
    const b = lc.linePos(r[1]);
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  const label = options.fileName ?? 'This environment file';
  if (!isCondaEnvDocument(doc)) {
    const looksConda = /^dependencies\s*:/m.test(text);
    if (doc.errors.length && looksConda) {
      const e = doc.errors[0]!;
      return {
        isCondaEnv: true,
        findings: [makeFinding('conda-missing-inference-server', `${label} is not valid YAML (${e.code}: ${e.message.split('\n')[0]}): building the environment image fails before the deployment starts. Fix the YAML.`, toRange(e.pos as [number, number]), { severity: 'error' })],
      };
    }
    return { isCondaEnv: false, findings: [] };
  }
  const findings: Finding[] = [];
  const depsPair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'dependencies') : undefined;
  const deps = depsPair?.value as YAMLSeq;
  let pipSeq: YAMLSeq | undefined;
  let found: { name: string; spec: string; node: YamlNode } | undefined;
  for (const item of deps.items) {
    if (isMap(item)) {
      const pip = item.get('pip', true);
      if (isSeq(pip)) {
        pipSeq = pip;
        for (const p of pip.items) {
          if (isScalar(p) && typeof p.value === 'string' && SERVER_PACKAGES.test(p.value.trim())) found ??= { name: p.value.trim().match(SERVER_PACKAGES)![1]!.toLowerCase(), spec: p.value.trim(), node: p };
        }
      }
    } else if (isScalar(item) && typeof item.value === 'string' && /^azureml-inference-server-http\b/i.test(item.value.trim())) {
      found ??= { name: 'azureml-inference-server-http', spec: item.value.trim(), node: item };
    }
  }
  const advice = 'Add azureml-defaults>=1.0.45 (or azureml-inference-server-http) to the pip dependencies.';
  if (found) {
    const m = /^azureml-defaults\s*(==|<=|<|~=)\s*([\d.]+)/i.exec(found.spec);
    if (found.name === 'azureml-defaults' && m && (m[1] !== '<' ? versionLess(m[2]!, MIN_DEFAULTS) : !versionLess(MIN_DEFAULTS.join('.'), m[2]!.split('.').map(Number)))) {
      findings.push(
        makeFinding('conda-missing-inference-server', `${label} pins ${found.spec}: versions before 1.0.45 do not include the current inference server, so the image builds but the container does not serve /score. Require azureml-defaults>=1.0.45.`, toRange(found.node.range as [number, number, number]), {
          fixes: [{ title: 'Require azureml-defaults>=1.0.45', preferred: true, edits: [{ range: toRange(found.node.range as [number, number, number]), newText: 'azureml-defaults>=1.0.45' }] }],
        }),
      );
    }
    return { isCondaEnv: true, findings };
  }
  // Missing: point at the pip list (or at dependencies:) and offer to add the package.
  const range = toRange((depsPair?.key as YamlNode | undefined)?.range as [number, number, number] | undefined);
  const addEdits = (pkg: string): TextEdit[] => {
    if (pipSeq && pipSeq.items.length && !pipSeq.flow) {
      const last = pipSeq.items[pipSeq.items.length - 1] as YamlNode;
      const row = toRange(last.range as [number, number, number]).start.line;
      const indent = /^[ \t]*/.exec(lines[row] ?? '')![0];
      return [{ range: { start: { line: row + 1, character: 0 }, end: { line: row + 1, character: 0 } }, newText: `${indent}- ${pkg}\n` }];
    }
    if (!pipSeq && deps.items.length && !deps.flow) {
      const last = deps.items[deps.items.length - 1] as YamlNode;
      const lr = toRange(last.range as [number, number, number]);
      const firstRow = toRange((deps.items[0] as YamlNode).range as [number, number, number]).start.line;
      const indent = /^[ \t]*/.exec(lines[firstRow] ?? '')![0];
      const row = lr.end.character === 0 ? lr.end.line : lr.end.line + 1;
      const hasPip = deps.items.some((i) => isScalar(i) && i.value === 'pip');
      return [{ range: { start: { line: row, character: 0 }, end: { line: row, character: 0 } }, newText: `${hasPip ? '' : `${indent}- pip\n`}${indent}- pip:\n${indent}    - ${pkg}\n` }];
    }
    return [];
  };
  const fixes = [
    { title: 'Add azureml-defaults>=1.0.45 to the pip dependencies', preferred: true, edits: addEdits('azureml-defaults>=1.0.45') },
    { title: 'Add azureml-inference-server-http to the pip dependencies', edits: addEdits('azureml-inference-server-http') },
  ].filter((f) => f.edits.length);
  findings.push(
    makeFinding('conda-missing-inference-server', `${label} has no azureml-defaults or azureml-inference-server-http in its pip dependencies: the image builds, but the container has no inference server, so it exits or never answers /score (ResourceNotReady, or "azmlinfsrv: command not found" in the logs). ${advice}`, range, { fixes }),
  );
  return { isCondaEnv: true, findings };
}
