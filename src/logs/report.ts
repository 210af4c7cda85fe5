// A diagnosis as text for people: `aml-doctor explain` (text format) and "Copy diagnosis" in the log panel
// (an issue, a chat message). It leaves the extension, so it is redacted as a whole. Its words are translated
// (l10n.t) when the text is made, so the language chosen after load (CLI --lang, the extension's) is the one used.
import * as l10n from '../common/l10n';
import { redactSecrets } from '../common/redact';
import { exceptionText } from './traceback';
import type { Explanation, Finding, Frame, Phase } from './types';

/** Words for a confidence: what a reader needs, with the number next to it. */
export function confidenceLabel(c: number): string {
  const n = c.toFixed(2);
  return c >= 0.8 ? l10n.t('high ({0})', n) : c >= 0.6 ? l10n.t('medium ({0})', n) : l10n.t('low ({0})', n);
}

/** Where in a deployment's life a failure happened, in words. */
export function phaseLabel(phase: Phase): string {
  switch (phase) {
    case 'import':
      return l10n.t('importing the entry script');
    case 'init':
      return 'init()';
    case 'run':
      return l10n.t('run(), handling a request');
    case 'response':
      return l10n.t('after run() returned (serialising its answer)');
    case 'server_start':
      return l10n.t("the inference server's own start");
    case 'build':
      return l10n.t('the image build');
    case 'scheduling':
      return l10n.t('placing the replica (scheduling, image pull, model download)');
    case 'control_plane':
      return l10n.t('the Azure ML control plane');
    case 'request':
      return l10n.t('the answer to a request');
    case 'client':
      return l10n.t('the SDK or CLI on your machine');
  }
}

/** Two sentences as one text: a space between them, none after a full-width stop (Chinese needs none). */
export function appendSentence(text: string, sentence: string): string {
  return /[。！？]$/.test(text) ? text + sentence : `${text} ${sentence}`;
}

function frameText(f: Frame): string {
  return f.function ? l10n.t('{0}:{1} in {2}', f.path, f.line, f.function) : `${f.path}:${f.line}`;
}

/** The lines that describe one finding (title first). */
export function findingLines(p: Finding): string[] {
  const out = [`${p.title} [${p.category}]`, l10n.t('Confidence: {0}', confidenceLabel(p.confidence)), '', p.explanation];
  const facts: string[] = [];
  if (p.phase) facts.push(l10n.t('Phase: {0}', phaseLabel(p.phase)));
  if (p.exception) facts.push(l10n.t('Exception: {0}', exceptionText(p.exception)));
  if (p.location) {
    facts.push(l10n.t('Where: {0}', frameText(p.location)));
    if (p.location.source) facts.push(`  > ${p.location.source}`);
  }
  if (p.entryFrame && !(p.location && p.location.path === p.entryFrame.path && p.location.line === p.entryFrame.line))
    facts.push(l10n.t('In the entry script: {0}', frameText(p.entryFrame)));
  if (p.traceback?.truncated) facts.push(l10n.t('The traceback is cut off at line {0} (no exception line in the text).', p.traceback.endLine));
  if (facts.length) out.push('', ...facts);
  if (p.evidence.length) out.push('', l10n.t('Evidence:'), ...p.evidence.map((e) => `  ${l10n.t('line {0}: {1}', e.line, e.text)}`));
  if (p.fix.length) out.push('', l10n.t('Fix:'), ...p.fix.map((f, i) => `  ${i + 1}. ${f}`));
  if (p.collect?.length) out.push('', l10n.t('Collect next:'), ...p.collect.map((c) => `  - ${c.what}${c.command ? `\n      ${c.command}` : ''}`));
  out.push('', l10n.t('Guide: {0}', p.docs));
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
    out.push('', l10n.t('Also seen:'));
    for (const f of others) {
      const confidence = f.confidence.toFixed(2);
      const line = f.evidence[0]?.line;
      const seen =
        f.count === 1
          ? l10n.t('1 line, first at line {0}, confidence {1}', line ?? '', confidence)
          : l10n.t('{0} lines, first at line {1}, confidence {2}', f.count, line ?? '', confidence);
      out.push(`  - ${f.title} [${f.category}] (${seen})`);
    }
  }
  if (r.noise.length) out.push('', l10n.t('Harmless noise ignored: {0}', r.noise.map((n) => `${n.title} (${n.count})`).join('; ')));
  out.push('', r.lines === 1 ? l10n.t('1 line read.') : l10n.t('{0} lines read.', r.lines));
  return redactSecrets(out.join('\n')) + '\n';
}
