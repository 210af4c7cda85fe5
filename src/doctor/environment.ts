// Step 2, the environment: does the conda file / requirements.txt install the inference server, and does
// it pin packages in combinations known to break the server at import? The pins are data (PIN_RULES):
// an old release of one package installed by pip next to a newer release of a package it imports, which
// pip happily resolves because the old release declared no upper bound.
import * as fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { analyzeCondaEnv } from '../analysis/conda';
import * as l10n from '../common/l10n';

type Version = number[];

export interface Requirement {
  /** Normalised name: lower case, "_" and "." as "-". */
  name: string;
  spec: string;
  /** 1-based line in the file. */
  line: number;
  installer: 'conda' | 'pip';
  range: VersionRange;
}

export interface VersionRange {
  min?: { v: Version; inclusive: boolean };
  max?: { v: Version; inclusive: boolean };
  /** `==1.24` / conda `=1.24`: every release starting with this prefix. */
  prefix?: Version;
}

export interface EnvProblem {
  /** A PIN_RULES id, or the analysis rule for the inference server. */
  rule: string;
  package: string;
  line?: number;
  column?: number;
  problem: string;
  fix: string;
}

export interface EnvironmentCheck {
  source: 'conda' | 'requirements';
  file: string;
  serverPackage?: string;
  problems: EnvProblem[];
  requirements: Requirement[];
}

const SERVER = new Set(['azureml-defaults', 'azureml-inference-server-http']);

export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[_.]+/g, '-');
}

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(text.trim());
  return m ? m[1]!.split('.').map(Number) : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Parses the version part of a requirement: "==1.2", ">=1,<2", "~=1.4", conda "=1.24", "1.24.*", "1.24 py_0". */
export function parseRange(spec: string, installer: 'conda' | 'pip'): VersionRange {
  const range: VersionRange = {};
  for (const raw of spec.split(',')) {
    const clause = raw.trim().split(/\s+/)[0] ?? '';
    const m = /^(===|==|~=|!=|>=|<=|>|<|=)?\s*(.*)$/.exec(clause);
    if (!m || !m[2]) continue;
    const op = m[1] ?? (installer === 'conda' ? '=' : '');
    const text = m[2].replace(/\.\*$/, '');
    const v = parseVersion(text.split('=')[0]!); // conda "1.24=py_0": version then build
    if (!v) continue;
    if (op === '==' || op === '===' || op === '=') {
      // pip "==1.2" is exact (1.2 == 1.2.0); conda "=1.2" and "1.2.*" are prefixes.
      range.prefix = v;
      if ((op === '==' || op === '===') && !/\*$/.test(m[2])) {
        range.min = { v, inclusive: true };
        range.max = { v, inclusive: true };
        delete range.prefix;
      }
    } else if (op === '>=' || op === '>') range.min = { v, inclusive: op === '>=' };
    else if (op === '<=' || op === '<') range.max = { v, inclusive: op === '<=' };
    else if (op === '~=') {
      range.min = { v, inclusive: true };
      const upper = v.length > 1 ? [...v.slice(0, -2), (v[v.length - 2] ?? 0) + 1] : [v[0]! + 1];
      range.max = { v: upper, inclusive: false };
    }
  }
  return range;
}

/** Every version the range allows is below `limit`. */
export function forcedBelow(range: VersionRange, limit: Version): boolean {
  if (range.max && (compare(range.max.v, limit) < 0 || (compare(range.max.v, limit) === 0 && !range.max.inclusive))) return true;
  if (range.prefix) {
    const p = range.prefix;
    const c = compare(p, limit.slice(0, p.length));
    return c < 0;
  }
  return false;
}

/** Requirements of a conda file (conda section and its pip: list), with 1-based lines. */
export function condaRequirements(text: string): Requirement[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const deps = isMap(doc.contents) ? doc.contents.get('dependencies', true) : undefined;
  if (!isSeq(deps)) return [];
  const out: Requirement[] = [];
  const add = (node: YamlNode, installer: 'conda' | 'pip') => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const r = requirementOf(node.value, installer, node.range ? lc.linePos(node.range[0]).line : 0);
    if (r) out.push(r);
  };
  for (const item of deps.items) {
    if (isMap(item)) {
      const pip = item.get('pip', true);
      if (isSeq(pip)) for (const p of pip.items) add(p as YamlNode, 'pip');
    } else add(item as YamlNode, 'conda');
  }
  return out;
}

function requirementOf(text: string, installer: 'conda' | 'pip', line: number): Requirement | undefined {
  let t = text.trim();
  if (!t || t.startsWith('-') || t.startsWith('#')) return undefined; // pip options (-r, --index-url), comments
  const comment = t.search(/\s#/);
  if (comment >= 0) t = t.slice(0, comment);
  const marker = t.indexOf(';'); // environment marker
  if (marker >= 0) t = t.slice(0, marker);
  if (installer === 'conda') t = t.replace(/^[\w.-]+::/, ''); // channel::package
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(t);
  if (!m) return undefined;
  return { name: normalizeName(m[1]!), spec: text.trim(), line, installer, range: parseRange(m[3] ?? '', installer) };
}

/** Requirements of a requirements.txt (one per line; options and URLs skipped). */
export function requirementsTxt(text: string): Requirement[] {
  const out: Requirement[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(https?:|git\+|\.|\/)/.test(line)) return;
    const r = requirementOf(line, 'pip', i + 1);
    if (r) out.push(r);
  });
  return out;
}

export interface PinRule {
  id: string;
  /** The package pip installs at an old release... */
  package: string;
  below: string;
  /** ...next to a release of this one at or above `atLeast`. */
  other: string;
  atLeast: string;
  /** The newer `other` needs at least this Python (numpy 2 needs 3.9). */
  python?: string;
  /** Functions, so the text is translated when a check runs (the language is chosen after this module loads). */
  error: () => string;
  fix: () => string;
}

/** Combinations known to break the inference server or the model at import time. */
export const PIN_RULES: PinRule[] = [
  {
    id: 'flask-werkzeug3',
    package: 'flask',
    below: '2.3',
    other: 'werkzeug',
    atLeast: '3.0',
    error: () => l10n.t("Flask before 2.3 imports url_quote from werkzeug.urls, which Werkzeug 3.0 removed: the server fails at start-up with ImportError: cannot import name 'url_quote' from 'werkzeug.urls'."),
    fix: () => l10n.t('Pin werkzeug<3 next to this Flask (e.g. werkzeug==2.3.8), or drop the Flask pin and let the inference server choose it.'),
  },
  {
    id: 'flask1-jinja2',
    package: 'flask',
    below: '2.0',
    other: 'jinja2',
    atLeast: '3.1',
    error: () => l10n.t("Flask 1.x imports Markup and escape from jinja2, which Jinja2 3.1 removed: ImportError: cannot import name 'escape' from 'jinja2' at start-up."),
    fix: () => l10n.t('Pin jinja2<3.1 (with markupsafe<2.1), or drop the old Flask pin.'),
  },
  {
    id: 'flask1-itsdangerous',
    package: 'flask',
    below: '2.0',
    other: 'itsdangerous',
    atLeast: '2.1',
    error: () => l10n.t("Flask 1.x imports json from itsdangerous, which itsdangerous 2.1 removed: ImportError: cannot import name 'json' from 'itsdangerous' at start-up."),
    fix: () => l10n.t('Pin itsdangerous<2.1, or drop the old Flask pin.'),
  },
  {
    id: 'jinja2-markupsafe',
    package: 'jinja2',
    below: '3.0',
    other: 'markupsafe',
    atLeast: '2.1',
    error: () => l10n.t("Jinja2 2.x imports soft_unicode from markupsafe, which MarkupSafe 2.1 removed: ImportError: cannot import name 'soft_unicode' from 'markupsafe'."),
    fix: () => l10n.t('Pin markupsafe==2.0.1 next to this Jinja2, or require jinja2>=3.'),
  },
  {
    id: 'pandas-numpy2',
    package: 'pandas',
    below: '2.2.2',
    other: 'numpy',
    atLeast: '2.0',
    python: '3.9',
    error: () => l10n.t('pandas before 2.2.2 is built against NumPy 1.x and fails to import under NumPy 2 ("numpy.dtype size changed, may indicate binary incompatibility"), which pip installs because this pandas release declares no upper bound.'),
    fix: () => l10n.t('Pin numpy<2 in the same environment, or require pandas>=2.2.2.'),
  },
  {
    id: 'sklearn-numpy2',
    package: 'scikit-learn',
    below: '1.4.2',
    other: 'numpy',
    atLeast: '2.0',
    python: '3.9',
    error: () => l10n.t('scikit-learn before 1.4.2 is built against NumPy 1.x and fails to import under NumPy 2 (binary incompatibility), which pip installs because this release declares no upper bound.'),
    fix: () => l10n.t('Pin numpy<2 in the same environment, or require scikit-learn>=1.4.2 (and re-check that the pickled model loads with it).'),
  },
];

function pinProblems(reqs: Requirement[]): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const python = reqs.find((r) => r.name === 'python');
  for (const rule of PIN_RULES) {
    const old = reqs.find((r) => r.installer === 'pip' && r.name === rule.package && forcedBelow(r.range, parseVersion(rule.below)!));
    if (!old) continue;
    if (rule.python && python && forcedBelow(python.range, parseVersion(rule.python)!)) continue;
    // The newer release arrives unless something in the environment keeps it below (a pin in either section).
    const limit = parseVersion(rule.atLeast)!;
    if (reqs.some((r) => r.name === rule.other && forcedBelow(r.range, limit))) continue;
    problems.push({ rule: rule.id, package: old.spec, line: old.line, problem: rule.error(), fix: rule.fix() });
  }
  return problems;
}

/** Checks a conda environment file. */
export function checkCondaFile(file: string): EnvironmentCheck {
  const text = fs.readFileSync(file, 'utf8');
  const reqs = condaRequirements(text);
  const problems: EnvProblem[] = [];
  // The inference-server check is the analysis rule the editor shows (same message, same quick fix).
  for (const f of analyzeCondaEnv(text, { fileName: file.split(/[\\/]/).pop() }).findings) {
    if (f.severity !== 'error') continue;
    const fixTitle = f.fixes?.[0]?.title;
    problems.push({ rule: f.rule, package: 'azureml-defaults', line: f.range.start.line + 1, column: f.range.start.character + 1, problem: f.message, fix: fixTitle ? l10n.t('{0} (quick fix on this line in VS Code).', fixTitle) : l10n.t('Add azureml-defaults>=1.0.45 to the pip dependencies.') });
  }
  problems.push(...pinProblems(reqs));
  const server = reqs.find((r) => SERVER.has(r.name));
  return { source: 'conda', file, serverPackage: server?.spec, problems, requirements: reqs };
}

/** Checks a requirements.txt. */
export function checkRequirementsFile(file: string): EnvironmentCheck {
  const reqs = requirementsTxt(fs.readFileSync(file, 'utf8'));
  const problems: EnvProblem[] = [];
  const server = reqs.find((r) => SERVER.has(r.name));
  if (!server) {
    problems.push({
      rule: 'conda-missing-inference-server',
      package: 'azureml-defaults',
      line: 1,
      problem: l10n.t('{0} installs neither azureml-defaults nor azureml-inference-server-http: the image builds, but the container has no inference server, so it exits or never answers /score.', file.split(/[\\/]/).pop()!),
      fix: l10n.t('Add a line azureml-inference-server-http (or azureml-defaults>=1.0.45).'),
    });
  } else if (server.name === 'azureml-defaults' && forcedBelow(server.range, [1, 0, 45])) {
    problems.push({ rule: 'conda-missing-inference-server', package: server.spec, line: server.line, problem: l10n.t('{0}: versions before 1.0.45 do not include the current inference server, so the container does not serve /score.', server.spec), fix: l10n.t('Require azureml-defaults>=1.0.45.') });
  }
  problems.push(...pinProblems(reqs));
  return { source: 'requirements', file, serverPackage: server?.spec, problems, requirements: reqs };
}
