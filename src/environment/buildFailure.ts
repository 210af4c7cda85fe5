// Explains a failed environment build: the build output goes through the log classifier (with the build
// signatures) and a small reader that picks out what the classifier does not keep: the failing step,
// the packages pip or conda named, and the line of the conda file / requirements.txt that pins them.
// Bounded: lines are cut at 8 KB, at most 32 package names are kept.
import * as l10n from '../common/l10n';
import { BUILD_SIGNATURES } from '../logs/buildSignatures';
import { SIGNATURES } from '../logs/catalogue';
import { LogClassifier } from '../logs/classifier';
import type { Finding } from '../logs/types';
import { normalizePackageName, packageName, type PackageLine } from './condaFile';

export interface MarkedLine {
  file: string;
  /** 1-based. */
  line: number;
  spec: string;
  message: string;
}

export interface BuildDiagnosis {
  /** One paragraph for the notification and the log. */
  message: string;
  finding: Finding;
  /** Packages named by the failure, as the build log wrote them. */
  packages: string[];
  /** The environment-file lines that pin them (each becomes a Problems-panel diagnostic). */
  marks: MarkedLine[];
  /** "Step 5/7 : RUN pip install ..." of the failing step. */
  step?: string;
  /** The engine's error message. */
  error?: string;
}

/** Environment files a failure can point into. */
export interface EnvironmentFiles {
  conda?: { file: string; deps: PackageLine[] };
  requirements?: { file: string; deps: PackageLine[] };
}

const MAX_LINE = 8192;
const MAX_PACKAGES = 32;

const RE = {
  step: /^Step \d+\/\d+ : /,
  noDistribution: /(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([A-Za-z0-9][A-Za-z0-9._\-[\]=<>!~,]*)/,
  userRequested: /The user requested (?:\(constraint\) )?([A-Za-z0-9][A-Za-z0-9._\-[\]=<>!~,]*)/,
  condaListStart: /PackagesNotFoundError|ResolvePackageNotFound/,
  condaItem: /^\s+- ([A-Za-z0-9][A-Za-z0-9._\-=<>!*:/]*)\s*$/,
};

/** Reads build output line by line (feed it as it streams); explain() when the build failed. */
export class BuildOutputReader {
  private readonly classifier = new LogClassifier({ signatures: [...BUILD_SIGNATURES, ...SIGNATURES], format: 'raw' });
  private readonly packages: string[] = [];
  private condaList = false;
  private lastStep?: string;
  private rest = '';

  push(text: string): void {
    this.classifier.push(text);
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    if (this.rest.length > MAX_LINE) this.rest = this.rest.slice(0, MAX_LINE);
    for (const line of parts) this.line(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
  }

  private add(pkg: string): void {
    if (this.packages.length < MAX_PACKAGES && !this.packages.includes(pkg)) this.packages.push(pkg);
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (RE.step.test(line)) {
      this.lastStep = line.trim();
      this.condaList = false;
      return;
    }
    let m = RE.noDistribution.exec(line);
    if (m) this.add(m[1]!);
    if ((m = RE.userRequested.exec(line))) this.add(m[1]!);
    if (RE.condaListStart.test(line)) {
      this.condaList = true;
      return;
    }
    if (this.condaList) {
      if ((m = RE.condaItem.exec(line))) this.add(m[1]!);
      else if (line.trim() && !/^\s/.test(line) && !/following packages|current channels|^\s*$/i.test(line)) this.condaList = false;
    }
  }

  /** The diagnosis; `error` is the engine's final error message. */
  explain(files: EnvironmentFiles, error: string | undefined): BuildDiagnosis {
    if (this.rest) {
      this.line(this.rest);
      this.rest = '';
    }
    if (error) this.classifier.push(`\n${error}\n`);
    const primary = this.classifier.end().primary;
    const marks: MarkedLine[] = [];
    const names = new Set(this.packages.map((p) => packageName(p.replace(/^[\w.-]+::/, ''))));
    for (const src of [files.conda, files.requirements]) {
      if (!src) continue;
      for (const d of src.deps) {
        if (names.has(normalizePackageName(d.name))) {
          const named = this.packages.find((p) => packageName(p) === d.name) ?? d.spec;
          marks.push({ file: src.file, line: d.line, spec: d.spec, message: l10n.t('{0}: {1} ({2} on this line).', primary.title, named, d.spec) });
        }
      }
    }
    const where = marks.length ? ' ' + l10n.t('Pinned at {0}.', marks.map((m) => `${shortName(m.file)}:${m.line} (${m.spec})`).join(', ')) : '';
    const pkgText = this.packages.length ? ' ' + (this.packages.length > 1 ? l10n.t('Packages: {0}.', this.packages.join(', ')) : l10n.t('Package: {0}.', this.packages[0]!)) : '';
    const stepText = this.lastStep ? ' ' + l10n.t('Failing step: {0}.', this.lastStep.slice(0, 300)) : '';
    const message = `${primary.title}.${pkgText}${where}${stepText} ${primary.fix[0] ?? ''}`.trim();
    return { message, finding: primary, packages: [...this.packages], marks, step: this.lastStep, error };
  }
}

function shortName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.slice(-2).join('/');
}
