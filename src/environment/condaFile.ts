// The packages of a conda environment file and of a pip requirements file, each with its 1-based line,
// so that a build failure can point at the line that names the package. Pure: text in.
import * as l10n from '../common/l10n';

export interface PackageLine {
  /** The entry as written, e.g. "numpy=1.24" or "joblib==1.2.0". */
  spec: string;
  /** Normalised distribution name (lower case, runs of -_. as "-"). */
  name: string;
  /** 1-based line in the file. */
  line: number;
}

export interface CondaDependencies {
  name?: string;
  channels: string[];
  /** Conda packages (the top-level dependencies strings). */
  conda: PackageLine[];
  /** The `- pip:` section. */
  pip: PackageLine[];
}

export function normalizePackageName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/** The distribution name of a conda or pip requirement: "numpy=1.24" -> numpy, "scikit-learn[all]>=1" -> scikit-learn. */
export function packageName(spec: string): string {
  const s = spec.trim().replace(/^[\w.-]+::/, ''); // conda channel prefix "conda-forge::numpy"
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(s);
  return normalizePackageName(m ? m[0] : s);
}

export class EnvironmentFileError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
    this.name = 'EnvironmentFileError';
  }
}

/** Parses a conda environment YAML; throws EnvironmentFileError (with the line) when it is not one. */
export function parseCondaFile(text: string, fileName = l10n.t('the conda file')): CondaDependencies {
  // Required here: the YAML library initialises on the first deployment, not at activation.
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new EnvironmentFileError(l10n.t('{0} is not valid YAML: {1}', fileName, e.message.split('\n')[0] ?? ''), lc.linePos(e.pos[0]).line);
  }
  const root = doc.contents;
  const deps = isMap(root) ? root.get('dependencies', true) : undefined;
  if (!isSeq(deps)) throw new EnvironmentFileError(l10n.t('{0} has no dependencies: list (not a conda environment file).', fileName), 1);
  const lineOf = (node: { range?: [number, number, number] | null }) => (node.range ? lc.linePos(node.range[0]).line : 1);
  const out: CondaDependencies = { channels: [], conda: [], pip: [] };
  const name = isMap(root) ? root.get('name') : undefined;
  if (typeof name === 'string') out.name = name;
  const channels = isMap(root) ? root.get('channels', true) : undefined;
  if (isSeq(channels)) for (const c of channels.items) if (isScalar(c) && c.value != null) out.channels.push(String(c.value));
  for (const item of deps.items) {
    if (isScalar(item) && item.value != null) {
      const spec = String(item.value).trim();
      if (spec) out.conda.push({ spec, name: packageName(spec), line: lineOf(item) });
    } else if (isMap(item)) {
      const pip = item.get('pip', true);
      if (isSeq(pip)) {
        for (const p of pip.items) {
          if (isScalar(p) && p.value != null) {
            const spec = String(p.value).trim();
            if (spec) out.pip.push({ spec, name: packageName(spec), line: lineOf(p) });
          }
        }
      }
    }
  }
  return out;
}

/** Requirement lines of a pip requirements file (comments, options and blank lines skipped). */
export function parseRequirements(text: string): PackageLine[] {
  const out: PackageLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const hash = raw.indexOf(' #');
    const line = (raw.trimStart().startsWith('#') ? '' : hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (!line || line.startsWith('-')) continue;
    out.push({ spec: line, name: packageName(line), line: i + 1 });
  }
  return out;
}

/** True for the conda entries that are not packages pip could install (python itself, pip). */
export function isInterpreterEntry(p: PackageLine): boolean {
  return p.name === 'python' || p.name === 'pip';
}
