// Renderings of a doctor report: plain text (terminal), Markdown (an issue or a support ticket: secrets
// redacted, paths relative to the project) and SARIF 2.1.0 (code scanning). All from the same JSON.
import * as path from 'node:path';
import { redactSecrets } from '../common/logger';
import { displayPath, type DoctorReport, type Location, type StepResult } from './report';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;
const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;

function where(report: DoctorReport, loc: Location | undefined): string {
  if (!loc) return '';
  return `${displayPath(report.project.root, loc.file)}:${loc.line}${loc.column ? `:${loc.column}` : ''}`;
}

function outcomeLine(report: DoctorReport): string {
  if (report.outcome === 'cancelled') return 'Cancelled before every step ran.';
  if (report.outcome === 'passed') return report.mode === 'static' ? 'Steps 1-3 passed (static run).' : 'No step failed.';
  const f = report.steps.find((s) => s.id === report.firstFailure)!;
  return `Step ${f.number} (${f.title}) failed.`;
}

export function toText(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`AML Deploy Doctor: ${report.target.name} (${report.target.kind}${report.target.file ? `, ${displayPath(report.project.root, report.target.file)}` : ''})`);
  for (const n of report.project.notes) out.push(`  ${n}`);
  out.push('');
  for (const s of report.steps) {
    out.push(`[${MARK[s.status]}] ${s.number}. ${s.title}: ${s.summary}`);
    if (s.status === 'failed') {
      for (const e of s.evidence) out.push(`       ${e.location ? `${where(report, e.location)}: ` : e.logLine ? `log line ${e.logLine}: ` : ''}${e.text}`);
      if (s.link) out.push(`       at ${where(report, s.link)}`);
      s.fix.forEach((f, i) => out.push(`       fix ${i + 1}: ${f}`));
    }
    for (const n of s.notes) out.push(`       note: ${n}`);
  }
  out.push('', `${outcomeLine(report)} (${(report.durationMs / 1000).toFixed(1)} s)`);
  return out.join('\n') + '\n';
}

/** Backticks inside code spans and fences would end them: a fence longer than any run inside. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text}\n${f}`;
}

/** Characters that would format, link or break a table cell; "_" stays (GitHub leaves intra-word "_" alone). */
function mdEscape(text: string): string {
  return text.replace(/([\\`*[\]<>|])/g, '\\$1');
}

function mdStep(report: DoctorReport, s: StepResult): string[] {
  const out = [`### ${ICON[s.status]} ${s.number}. ${s.title}: ${s.status}`, '', mdEscape(s.summary), ''];
  if (s.link) out.push(`Where: \`${where(report, s.link).replace(/`/g, "'")}\``, '');
  if (s.evidence.length) {
    out.push('Evidence:', '', fence(s.evidence.map((e) => `${e.location ? `${where(report, e.location)}: ` : e.logLine ? `[log line ${e.logLine}] ` : ''}${e.text}`).join('\n')), '');
  }
  if (s.fix.length) out.push('Fix:', '', ...s.fix.map((f, i) => `${i + 1}. ${mdEscape(f)}`), '');
  if (s.notes.length) out.push(...s.notes.map((n) => `> ${mdEscape(n)}`), '');
  if (s.details?.kind === 'azure' && s.details.differences.length) {
    out.push('| setting | local run | Azure | differs |', '|---|---|---|---|');
    for (const d of s.details.differences) out.push(`| ${mdEscape(d.field)} | ${mdEscape(d.local)} | ${mdEscape(d.azure)} | ${d.differs === null ? '?' : d.differs ? 'yes' : 'no'} |`);
    out.push('');
  }
  if (s.details?.kind === 'capacity' && s.details.replicas) out.push(fence(s.details.replicas.yaml), '');
  if (s.docs) out.push(`Guide: ${s.docs}`, '');
  return out;
}

/** Markdown for an issue or a support ticket; every line passes the project's secret redaction. */
export function toMarkdown(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`## AML Deploy Doctor: ${mdEscape(report.target.name)}`, '');
  out.push(`**${mdEscape(outcomeLine(report))}** ${report.mode === 'static' ? '(static run: steps 1-3) ' : ''}Ran ${report.startedAt} in ${(report.durationMs / 1000).toFixed(1)} s with aml-doctor ${report.tool.version}.`, '');
  out.push('| step | status | summary |', '|---|---|---|');
  for (const s of report.steps) out.push(`| ${s.number}. ${s.title} | ${ICON[s.status]} ${s.status} | ${mdEscape(s.summary).replace(/\n/g, ' ')} |`);
  out.push('');
  if (report.project.notes.length) out.push(...report.project.notes.map((n) => `- ${mdEscape(n)}`), '');
  for (const s of report.steps) if (s.status === 'failed') out.push(...mdStep(report, s));
  const others = report.steps.filter((s) => s.status !== 'failed' && (s.notes.length || s.details?.kind === 'azure' || s.details?.kind === 'capacity'));
  if (others.length) {
    out.push('<details><summary>Other steps</summary>', '');
    for (const s of others) out.push(...mdStep(report, s));
    out.push('</details>', '');
  }
  return redactSecrets(out.join('\n'));
}

export function toSarif(report: DoctorReport, cwd = process.cwd()): unknown {
  const failed = report.steps.filter((s) => s.status === 'failed');
  const rules = failed.map((s) => ({ id: `doctor/${s.id}`, name: `doctor-${s.id}`, shortDescription: { text: `Step ${s.number}: ${s.title}` }, helpUri: s.docs, defaultConfiguration: { level: 'error' } }));
  const uri = (file: string) => path.relative(cwd, path.resolve(file)).split(path.sep).join('/');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'aml-doctor', version: report.tool.version, informationUri: 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints', rules } },
        results: failed.map((s, i) => {
          const loc = s.link ?? (report.target.file ? { file: report.target.file, line: 1 } : undefined);
          return {
            ruleId: `doctor/${s.id}`,
            ruleIndex: i,
            level: 'error',
            message: { text: redactSecrets([s.summary, ...s.fix.map((f) => `Fix: ${f}`)].join('\n')) },
            ...(loc ? { locations: [{ physicalLocation: { artifactLocation: { uri: uri(loc.file) }, region: { startLine: loc.line, ...(loc.column ? { startColumn: loc.column } : {}) } } }] } : {}),
          };
        }),
      },
    ],
  };
}
