// Renderings of a doctor report: plain text (terminal), Markdown (an issue or a support ticket: secrets
// redacted, paths relative to the project) and SARIF 2.1.0 (code scanning). All from the same JSON.
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import { redactSecrets } from '../common/logger';
import { displayPath, fieldLabel, targetKindLabel, type DoctorReport, type Location, type StepResult } from './report';

// The text output's marks stay as they are in every language: scripts grep for them, as for the JSON statuses.
const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;
const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;

function where(report: DoctorReport, loc: Location | undefined): string {
  if (!loc) return '';
  return `${displayPath(report.project.root, loc.file)}:${loc.line}${loc.column ? `:${loc.column}` : ''}`;
}

/** A step's status as a reader sees it (the JSON keeps the status itself). */
export function statusLabel(status: StepResult['status']): string {
  switch (status) {
    case 'passed':
      return l10n.t({ message: 'passed', comment: ['a Run Doctor step status'] });
    case 'failed':
      return l10n.t({ message: 'failed', comment: ['a Run Doctor step status'] });
    case 'skipped':
      return l10n.t({ message: 'skipped', comment: ['a Run Doctor step status'] });
  }
}

function outcomeLine(report: DoctorReport): string {
  if (report.outcome === 'cancelled') return l10n.t('Cancelled before every step ran.');
  if (report.outcome === 'passed') return report.mode === 'static' ? l10n.t('Steps 1-3 passed (static run).') : l10n.t('No step failed.');
  const f = report.steps.find((s) => s.id === report.firstFailure)!;
  return l10n.t('Step {0} ({1}) failed.', f.number, f.title);
}

const seconds = (ms: number) => l10n.t('{0} s', (ms / 1000).toFixed(1));

export function toText(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`AML Deploy Doctor: ${report.target.name} (${targetKindLabel(report.target.kind)}${report.target.file ? `, ${displayPath(report.project.root, report.target.file)}` : ''})`);
  for (const n of report.project.notes) out.push(`  ${n}`);
  out.push('');
  for (const s of report.steps) {
    out.push(`[${MARK[s.status]}] ${s.number}. ${s.title}: ${s.summary}`);
    if (s.status === 'failed') {
      for (const e of s.evidence) out.push(`       ${e.location ? `${where(report, e.location)}: ${e.text}` : e.logLine ? l10n.t('log line {0}: {1}', e.logLine, e.text) : e.text}`);
      if (s.link) out.push(`       ${l10n.t('at {0}', where(report, s.link))}`);
      s.fix.forEach((f, i) => out.push(`       ${l10n.t('fix {0}: {1}', i + 1, f)}`));
    }
    for (const n of s.notes) out.push(`       ${l10n.t('note: {0}', n)}`);
  }
  out.push('', `${outcomeLine(report)} (${seconds(report.durationMs)})`);
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
  const out = [`### ${ICON[s.status]} ${s.number}. ${s.title}: ${statusLabel(s.status)}`, '', mdEscape(s.summary), ''];
  if (s.link) out.push(l10n.t('Where: {0}', `\`${where(report, s.link).replace(/`/g, "'")}\``), '');
  if (s.evidence.length) {
    out.push(l10n.t('Evidence:'), '', fence(s.evidence.map((e) => `${e.location ? `${where(report, e.location)}: ` : e.logLine ? `[${l10n.t('log line {0}', e.logLine)}] ` : ''}${e.text}`).join('\n')), '');
  }
  if (s.fix.length) out.push(l10n.t('Fix:'), '', ...s.fix.map((f, i) => `${i + 1}. ${mdEscape(f)}`), '');
  if (s.notes.length) out.push(...s.notes.map((n) => `> ${mdEscape(n)}`), '');
  if (s.details?.kind === 'azure' && s.details.differences.length) {
    out.push(`| ${l10n.t('setting')} | ${l10n.t('local run')} | Azure | ${l10n.t('differs')} |`, '|---|---|---|---|');
    for (const d of s.details.differences) out.push(`| ${mdEscape(fieldLabel(d.field))} | ${mdEscape(d.local)} | ${mdEscape(d.azure)} | ${d.differs === null ? '?' : d.differs ? l10n.t('yes') : l10n.t('no')} |`);
    out.push('');
  }
  if (s.details?.kind === 'capacity' && s.details.replicas) out.push(fence(s.details.replicas.yaml), '');
  if (s.docs) out.push(l10n.t('Guide: {0}', s.docs), '');
  return out;
}

/** Markdown for an issue or a support ticket; every line passes the project's secret redaction. */
export function toMarkdown(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`## AML Deploy Doctor: ${mdEscape(report.target.name)}`, '');
  out.push(`**${mdEscape(outcomeLine(report))}** ${report.mode === 'static' ? `${l10n.t('(static run: steps 1-3)')} ` : ''}${l10n.t('Ran {0} in {1} with aml-doctor {2}.', report.startedAt, seconds(report.durationMs), report.tool.version)}`, '');
  out.push(`| ${l10n.t('step')} | ${l10n.t('status')} | ${l10n.t('summary')} |`, '|---|---|---|');
  for (const s of report.steps) out.push(`| ${s.number}. ${s.title} | ${ICON[s.status]} ${statusLabel(s.status)} | ${mdEscape(s.summary).replace(/\n/g, ' ')} |`);
  out.push('');
  if (report.project.notes.length) out.push(...report.project.notes.map((n) => `- ${mdEscape(n)}`), '');
  for (const s of report.steps) if (s.status === 'failed') out.push(...mdStep(report, s));
  const others = report.steps.filter((s) => s.status !== 'failed' && (s.notes.length || s.details?.kind === 'azure' || s.details?.kind === 'capacity'));
  if (others.length) {
    out.push(`<details><summary>${mdEscape(l10n.t('Other steps'))}</summary>`, '');
    for (const s of others) out.push(...mdStep(report, s));
    out.push('</details>', '');
  }
  return redactSecrets(out.join('\n'));
}

export function toSarif(report: DoctorReport, cwd = process.cwd()): unknown {
  const failed = report.steps.filter((s) => s.status === 'failed');
  const rules = failed.map((s) => ({ id: `doctor/${s.id}`, name: `doctor-${s.id}`, shortDescription: { text: l10n.t('Step {0}: {1}', s.number, s.title) }, helpUri: s.docs, defaultConfiguration: { level: 'error' } }));
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
            message: { text: redactSecrets([s.summary, ...s.fix.map((f) => l10n.t('Fix: {0}', f))].join('\n')) },
            ...(loc ? { locations: [{ physicalLocation: { artifactLocation: { uri: uri(loc.file) }, region: { startLine: loc.line, ...(loc.column ? { startColumn: loc.column } : {}) } } }] } : {}),
          };
        }),
      },
    ],
  };
}
