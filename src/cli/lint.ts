// `aml-doctor lint`: JSON output shape is a stable contract:
// [{ "file", "findings": [{ "rule", "severity", "message", "line", "column", "endLine", "endColumn" }] }], 1-based.
// SARIF 2.1.0 for code-scanning uploads. Files: score*.py (and scripts named by deployment YAML /
// InferenceConfig), conda environment YAML files.
import { parseFormatArgs } from './args';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { analyzeScoringScript, tooLargeToRead } from '../analysis/analyze';
import { MAX_SOURCE_BYTES } from '../analysis/bounds';
import { analyzeCondaEnv } from '../analysis/conda';
import { resolveReference, yamlReferences } from '../analysis/references';
import { RULES } from '../analysis/rules';
import type { Finding } from '../analysis/types';

export interface FileReport {
  file: string;
  findings: {
    rule: string;
    severity: string;
    message: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
  }[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', 'dist', '.tox']);
const YAML = /\.ya?ml$/i;

async function collect(target: string, out: Set<string>): Promise<void> {
  const st = await fs.stat(target);
  if (st.isFile()) {
    out.add(path.normalize(target));
    return;
  }
  for (const entry of await fs.readdir(target, { withFileTypes: true })) {
    const p = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) await collect(p, out);
    } else if (/^score.*\.py$/.test(entry.name) || YAML.test(entry.name)) {
      out.add(path.normalize(p));
    }
  }
}

export function toReport(file: string, findings: Finding[]): FileReport {
  return {
    file,
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      endLine: f.range.end.line + 1,
      endColumn: f.range.end.character + 1,
    })),
  };
}

const SARIF_LEVEL: Record<string, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function toSarif(reports: FileReport[], cwd = process.cwd()): unknown {
  const used = new Set(reports.flatMap((r) => r.findings.map((f) => f.rule)));
  const rules = Object.values(RULES).filter((r) => used.has(r.id));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aml-doctor',
            informationUri: 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints',
            rules: rules.map((r) => ({ id: r.id, name: r.id, shortDescription: { text: r.title }, helpUri: r.docsUrl, defaultConfiguration: { level: SARIF_LEVEL[r.severity] } })),
          },
        },
        results: reports.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.rule,
            ruleIndex: rules.findIndex((x) => x.id === f.rule),
            level: SARIF_LEVEL[f.severity] ?? 'warning',
            message: { text: f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: path.relative(cwd, path.resolve(r.file)).split(path.sep).join('/') },
                  region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
}

/** Adds the scripts and conda files that deployment YAML files name (relative to the YAML file). */
async function followYamlReferences(files: Set<string>): Promise<void> {
  for (const file of [...files]) {
    if (!YAML.test(file)) continue;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    const refs = yamlReferences(text);
    const targets = [
      ...refs.scripts.map((r) => resolveReference(file, r.script, r.codeDir)),
      ...refs.condaFiles.map((c) => resolveReference(file, c)),
    ];
    for (const t of targets) {
      if (!t) continue;
      try {
        if ((await fs.stat(t)).isFile()) files.add(path.relative(process.cwd(), t) || t);
      } catch {
        /* a reference to a missing file: the deployment tooling reports it */
      }
    }
  }
}

export async function runLint(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const parsed = parseFormatArgs('lint', args, ['text', 'json', 'sarif']);
  if ('error' in parsed) {
    stderr.write(`${parsed.error}\n`);
    return 2;
  }
  const { format, targets } = parsed;
  const files = new Set<string>();
  for (const t of targets.length ? targets : ['.']) {
    try {
      await collect(t, files);
    } catch (err) {
      stderr.write(`aml-doctor lint: cannot read ${t}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
  }
  await followYamlReferences(files);
  const reports: FileReport[] = [];
  const explicit = new Set(targets.map((t) => path.normalize(t)));
  for (const file of [...files].sort()) {
    let text: string;
    try {
      // Not even read when it cannot be analysed (analysis/bounds.ts): a multi-GiB file must not fill memory.
      const { size } = await fs.stat(file);
      if (size > MAX_SOURCE_BYTES) {
        if (!YAML.test(file)) reports.push(toReport(file, tooLargeToRead(size, path.basename(file))));
        else stderr.write(`aml-doctor lint: ${file} is ${size} bytes, too large for a conda environment; skipped\n`);
        continue;
      }
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      stderr.write(`aml-doctor lint: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
    if (YAML.test(file)) {
      const conda = analyzeCondaEnv(text, { fileName: path.basename(file) });
      // YAML files that are not conda environments (deployment specs, CI files) are only followed, not reported.
      if (conda.isCondaEnv) reports.push(toReport(file, conda.findings));
      else if (explicit.has(path.normalize(file)) && !yamlReferences(text).scripts.length) {
        stderr.write(`aml-doctor lint: ${file} is neither a conda environment (no dependencies: list) nor a deployment file naming a scoring_script; skipped\n`);
      }
      continue;
    }
    reports.push(toReport(file, await analyzeScoringScript(text, { fileName: path.basename(file) })));
  }
  if (format === 'json') {
    stdout.write(JSON.stringify(reports, null, 2) + '\n');
  } else if (format === 'sarif') {
    stdout.write(JSON.stringify(toSarif(reports), null, 2) + '\n');
  } else {
    let n = 0;
    for (const r of reports) {
      for (const f of r.findings) {
        n++;
        stdout.write(`${r.file}:${f.line}:${f.column}: ${f.severity} [${f.rule}] ${f.message}\n`);
      }
    }
    stdout.write(`${n} finding${n === 1 ? '' : 's'} in ${reports.length} file${reports.length === 1 ? '' : 's'}\n`);
  }
  return reports.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
}
