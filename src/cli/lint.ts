// `aml-doctor lint`: JSON output shape is a stable contract:
// [{ "file", "findings": [{ "rule", "severity", "message", "line", "column", "endLine", "endColumn" }] }], 1-based.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { analyzeScoringScript } from '../analysis/analyze';
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

async function collect(target: string, out: string[]): Promise<void> {
  const st = await fs.stat(target);
  if (st.isFile()) {
    out.push(target);
    return;
  }
  for (const entry of await fs.readdir(target, { withFileTypes: true })) {
    const p = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) await collect(p, out);
    } else if (/^score.*\.py$/.test(entry.name)) {
      out.push(p);
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

export async function runLint(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let format = 'text';
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a === '-f') format = args[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a.startsWith('-')) {
      stderr.write(`aml-doctor lint: unknown option ${a}\n`);
      return 2;
    } else targets.push(a);
  }
  if (!['text', 'json'].includes(format)) {
    stderr.write(`aml-doctor lint: --format must be text or json, not "${format}"\n`);
    return 2;
  }
  const files: string[] = [];
  for (const t of targets.length ? targets : ['.']) {
    try {
      await collect(t, files);
    } catch (err) {
      stderr.write(`aml-doctor lint: cannot read ${t}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
  }
  const reports: FileReport[] = [];
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    reports.push(toReport(file, await analyzeScoringScript(text, { fileName: path.basename(file) })));
  }
  if (format === 'json') {
    stdout.write(JSON.stringify(reports, null, 2) + '\n');
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
