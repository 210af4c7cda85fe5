// Text of a diagnosis for people: "Copy diagnosis" in the log panel (an issue, a chat message). It leaves
// the extension, so it is redacted as a whole.
import { redactSecrets } from '../common/redact';
import type { Explanation } from './types';

/** Plain-text diagnosis for the clipboard. */
export function diagnosisText(e: Explanation, title: string): string {
  const p = e.primary;
  const lines = [`AML Deploy Doctor: ${p.title} [${p.category}] (${title})`, '', p.explanation];
  if (p.location) lines.push('', `Where: ${p.location.path}:${p.location.line} in ${p.location.function}`);
  if (p.evidence.length) lines.push('', 'Evidence:', ...p.evidence.map((ev) => `  line ${ev.line}: ${ev.text}`));
  if (p.fix.length) lines.push('', 'Fix:', ...p.fix.map((f, i) => `  ${i + 1}. ${f}`));
  lines.push('', `Guide: ${p.docs}`);
  return redactSecrets(lines.join('\n'));
}
