// Issue 12 item 2: a backtracking pattern let one log line freeze the extension host for seconds. Every
// pattern that reads container output, log files, ARM error messages or text on its way out (signatures,
// the traceback parser, exception families, normalisation, explanations, redaction) runs here on
// adversarial lines of 65,000 characters: long runs of each character class the pattern uses, with and
// without the literals that complete it. Its time is bounded as a ratio to what the pattern's whole group
// costs on a normal log line of the same length (a quadratic pattern is hundreds of times over; a linear
// one stays within a few).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPLAIN_PATTERNS, explainDeploymentError } from '../../../src/azure/explain';
import { REDACTION_PATTERNS, redactSecrets } from '../../../src/common/redact';
import { SIGNATURES } from '../../../src/logs/catalogue';
import { CLASSIFIER_PATTERNS, explainText } from '../../../src/logs/classifier';
import { EXCEPTION_PATTERNS } from '../../../src/logs/exceptions';
import { NORMALIZE_PATTERNS } from '../../../src/logs/normalize';
import { TRACEBACK_PATTERNS } from '../../../src/logs/traceback';
import { adversarialLines, fastest, normalLine } from '../../helpers/adversarial';

const N = 65_000;
/** A linear pattern measures 0.1-8x its group's normal-line cost here; a quadratic one 100x and more. */
const RATIO = 20;
/** Time at 4x the length over time at 1x: about 4 for a linear pattern, about 16 for a quadratic one. */
const GROWTH = 8;

function run(p: RegExp, s: string): boolean {
  p.lastIndex = 0;
  const r = p.test(s);
  p.lastIndex = 0;
  return r;
}

const groups: [string, RegExp[]][] = [
  ['failure-signature catalogue', SIGNATURES.flatMap((s) => [...s.patterns, ...(s.unless ?? [])])],
  ['classifier line detectors', [...CLASSIFIER_PATTERNS]],
  ['line normalisation', [...NORMALIZE_PATTERNS]],
  ['traceback parser', [...TRACEBACK_PATTERNS]],
  ['exception families', [...EXCEPTION_PATTERNS]],
  ['deployment error explanations', [...EXPLAIN_PATTERNS]],
  ['secret redaction', REDACTION_PATTERNS.map((r) => r.re)],
];

describe('every pattern over untrusted text runs in linear time (unit)', () => {
  const normal = normalLine(N);
  for (const [name, patterns] of groups) {
    it(`${name}: ${patterns.length} patterns on adversarial ${N}-character lines`, () => {
      // The reference: the whole group on a normal line of the same length.
      const reference = fastest(() => patterns.forEach((p) => run(p, normal)), 5);
      const slow: string[] = [];
      for (const p of patterns) {
        const lines = adversarialLines(p, N);
        let longerLines: string[] | undefined; // made once per pattern, when a line of it is over the ratio
        for (const [i, line] of lines.entries()) {
          const t = fastest(() => run(p, line), 2);
          if (t <= RATIO * reference) continue;
          // Over the ratio: a pattern that starts at a character the normal line never holds (an ESC, a
          // quote) is tried at every position of the attack line and not at all on the normal one, so its
          // ratio can pass 20 while it stays linear. What tells linear from quadratic is growth: the same
          // attack four times longer takes about 4x as long when linear, 16x when quadratic.
          // (The same kind of line: lists of the two lengths match index for index unless two lines coincided.)
          longerLines ??= adversarialLines(p, 4 * N);
          const longer = t >= 1000 ? undefined : longerLines.length === lines.length ? longerLines[i]! : line.repeat(4);
          const t4 = longer === undefined ? Infinity : fastest(() => run(p, longer), 2);
          if (t4 > GROWTH * t) {
            slow.push(`${p} took ${t.toFixed(1)} ms (${(t / reference).toFixed(0)}x), ${Number.isFinite(t4) ? `${t4.toFixed(1)} ms at 4x the length` : 'over 1 s, not run longer'}, on ${JSON.stringify(line.slice(0, 40))}...`);
          }
        }
      }
      assert.deepEqual(slow, [], `reference ${reference.toFixed(2)} ms`);
    });
  }

  // The inputs of the report, through the whole classifier and explainer.
  const cases: [string, () => unknown, () => unknown][] = [
    ['"0" x 65,000 + " insufficient" through the log classifier', () => explainText('0'.repeat(N) + ' insufficient'), () => explainText(normalLine(N + 13))],
    ['"back-off " + "0" x 65,000 through the log classifier', () => explainText('back-off ' + '0'.repeat(N)), () => explainText(normalLine(N + 9))],
    ['a 64 KiB run of digits through the deployment error explainer', () => explainDeploymentError('0'.repeat(65_536)), () => explainDeploymentError(normalLine(65_536))],
    [
      'a 64 KiB message of repeated "1/3 nodes are available:" through the deployment error explainer',
      () => explainDeploymentError('1/3 nodes are available: '.repeat(2622)),
      () => explainDeploymentError(normalLine(65_550)),
    ],
    [
      'a 64 KiB message of short lines "1/3 nodes are available: x" and no quote',
      () => explainDeploymentError('1/3 nodes are available: x\n'.repeat(2427)),
      () => explainDeploymentError((normalLine(26) + '\n').repeat(2427)),
    ],
    ['a 64 KiB BadArgument message of punctuation', () => explainDeploymentError('BadArgument' + '-'.repeat(65_525)), () => explainDeploymentError(normalLine(65_536))],
    // The reference mentions a token once, so it passes the cheap pre-check and runs every pattern too.
    ['redaction of 64 KiB of "token" keys without values', () => redactSecrets('"token":'.repeat(8192)), () => redactSecrets('token ' + normalLine(65_530))],
  ];
  for (const [what, attack, reference] of cases) {
    it(`regression: ${what} takes about as long as a normal text of the same length`, () => {
      const ref = fastest(reference, 5);
      const t = fastest(attack, 2);
      assert.ok(t <= RATIO * ref, `${t.toFixed(1)} ms vs ${ref.toFixed(2)} ms for the normal text`);
    });
  }
});
