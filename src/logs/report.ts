// A diagnosis as text for people: `aml-doctor explain` (text format) and "Copy diagnosis" in the log panel
// (an issue, a chat message). It leaves the extension, so it is redacted as a whole.
import { redactSecrets } from '../common/redact';
import { exceptionText } from './traceback';
import type { Explanation, Finding, Frame, Phase } from './types';

/** Words for a confidence: what a reader needs, with the number next to it. */
export function confidenceLabel(c: number): string {
  return `${c >= 0.8 ? 'high' : c >= 0.6 ? 'medium' : 'low'} (${c.toFixed(2)})`;
}

export const PHASE_LABELS: Record<Phase, string> = {
  import: 'importing the entry script',
  init: 'init()',
  run: 'run(), handling a request',
  response: 'after run() returned (serialising its answer)',
  server_start: "the inference server's own start",
  build: 'the image build',
  scheduling: 'placing the replica (scheduling, image pull, model download)',
  control_plane: 'the Azure ML control plane',
  request: 'the answer to a request',
  client: 'the SDK or CLI on your machine',
};

function frameText(f: Frame): string {
  return `${f.path}:${f.line}${f.function ? ` in ${f.function}` : ''}`;
}

/** The lines that describe one finding (title first). */
export function findingLines(p: Finding): string[] {
  const out = [`${p.title} [${p.category}]`, `Confidence: ${confidenceLabel(p.confidence)}`, '', p.explanation];
  const facts: string[] = [];
  if (p.phase) facts.push(`Phase: ${PHASE_LABELS[p.phase]}`);
  if (p.exception) facts.push(`Exception: ${exceptionText(p.exception)}`);
  if (p.location) {
    facts.push(`Where: ${frameText(p.location)}`);
    if (p.location.source) facts.push(`  > ${p.location.source}`);
  }
  if (p.entryFrame && !(p.location && p.location.path === p.entryFrame.path && p.location.line === p.entryFrame.line)) facts.push(`In the entry script: ${frameText(p.entryFrame)}`);
  if (p.traceback?.truncated) facts.push(`The traceback is cut off at line ${p.traceback.endLine} (no exception line in the text).`);
  if (facts.length) out.push('', ...facts);
  if (p.evidence.length) out.push('', 'Evidence:', ...p.evidence.map((e) => `  line ${e.line}: ${e.text}`));
  if (p.fix.length) out.push('', 'Fix:', ...p.fix.map((f, i) => `  ${i + 1}. ${f}`));
  if (p.collect?.length) out.push('', 'Collect next:', ...p.collect.map((c) => `  - ${c.what}${c.command ? `\n      ${c.command}` : ''}`));
  out.push('', `Guide: ${p.docs}`);
  return out;
}

/** Plain-text diagnosis for the clipboard. */
export function diagnosisText(e: Explanation, title: string): string {
  const [first, ...rest] = findingLines(e.primary);
  return redactSecrets([`AML Deploy Doctor: ${first} (${title})`, ...rest].join('\n'));
}

/** The whole report of `aml-doctor explain`: the diagnosis, the other findings, the noise ignored. */
export function reportText(r: Explanation, name: string): string {
  const [first, ...rest] = findingLines(r.primary);
  const out = [`${name}: ${first}`, ...rest];
  const others = r.findings.filter((f) => f.id !== r.primary.id);
  if (others.length) {
    out.push('', 'Also seen:');
    for (const f of others) out.push(`  - ${f.title} [${f.category}] (${f.count} line${f.count === 1 ? '' : 's'}, first at line ${f.evidence[0]?.line}, confidence ${f.confidence.toFixed(2)})`);
  }
  if (r.noise.length) out.push('', `Harmless noise ignored: ${r.noise.map((n) => `${n.title} (${n.count})`).join('; ')}`);
  out.push('', `${r.lines} line${r.lines === 1 ? '' : 's'} read.`);
  return redactSecrets(out.join('\n')) + '\n';
}
