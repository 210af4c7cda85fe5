// `aml-doctor explain [file|-] [--format text|json]`: names the failure in a deployment log.
// JSON shape (stable contract):
// { "primary": { "id", "category", "title", "explanation", "fix": [..], "docs", "evidence": [{ "line", "text" }], "location"? },
//   "findings": [ same shape + "count", "score" ], "noise": [{ "id", "title", "count" }], "lines", "bytes" }
// `primary.category` is "other" (id "unrecognised") when nothing is recognised. Exit 0 on success, 2 on bad usage.
import { parseFormatArgs } from './args';
import { createReadStream } from 'node:fs';
import { redactSecrets } from '../common/logger';
import { explainStream } from '../logs/classifier';
import type { Explanation, Finding } from '../logs/types';

function publicFinding(f: Finding, withScore: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    category: f.category,
    title: f.title,
    explanation: f.explanation,
    fix: f.fix,
    docs: f.docs,
    evidence: f.evidence.map((e) => ({ line: e.line, text: redactSecrets(e.text) })),
  };
  if (f.location) out.location = f.location;
  if (withScore) {
    out.count = f.count;
    out.score = f.score;
  }
  return out;
}

export function toJson(r: Explanation): unknown {
  return {
    primary: publicFinding(r.primary, false),
    findings: r.findings.map((f) => publicFinding(f, true)),
    noise: r.noise,
    lines: r.lines,
    bytes: r.bytes,
  };
}

export function toText(r: Explanation, name: string): string {
  const p = r.primary;
  const out: string[] = [];
  out.push(`${name}: ${p.title} [${p.category}]`);
  out.push('');
  out.push(p.explanation);
  if (p.location) out.push('', `Where: ${p.location.path}:${p.location.line} in ${p.location.function}`);
  if (p.evidence.length) {
    out.push('', 'Evidence:');
    for (const e of p.evidence) out.push(`  line ${e.line}: ${redactSecrets(e.text)}`);
  }
  if (p.fix.length) {
    out.push('', 'Fix:');
    p.fix.forEach((f, i) => out.push(`  ${i + 1}. ${f}`));
  }
  out.push('', `Guide: ${p.docs}`);
  const others = r.findings.slice(1);
  if (others.length) {
    out.push('', 'Also seen:');
    for (const f of others) out.push(`  - ${f.title} [${f.category}] (${f.count} line${f.count === 1 ? '' : 's'}, first at line ${f.evidence[0]?.line})`);
  }
  if (r.noise.length) out.push('', `Harmless noise ignored: ${r.noise.map((n) => `${n.title} (${n.count})`).join('; ')}`);
  out.push('', `${r.lines} line${r.lines === 1 ? '' : 's'} read.`);
  return out.join('\n') + '\n';
}

export async function runExplain(
  args: string[],
  stdin: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const parsed = parseFormatArgs('explain', args, ['text', 'json']);
  if ('error' in parsed) {
    stderr.write(`${parsed.error}\n`);
    return 2;
  }
  const { format, targets } = parsed;
  if (targets.length > 1) {
    stderr.write(`aml-doctor explain: give one log file (or - for stdin), not ${targets.length}\n`);
    return 2;
  }
  const target = targets[0] ?? '-';
  let input: AsyncIterable<string | Uint8Array>;
  if (target === '-') {
    input = stdin as AsyncIterable<Uint8Array>;
  } else {
    const stream = createReadStream(target, { highWaterMark: 1 << 20 });
    // Surface open errors (missing file, directory) as a clear message before reading.
    const opened = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      stream.once('ready', () => resolve(undefined));
      stream.once('error', (err) => resolve(err));
    });
    if (opened) {
      stderr.write(`aml-doctor explain: cannot read ${target}: ${opened.code ?? opened.message}\n`);
      return 2;
    }
    input = stream;
  }
  let result: Explanation;
  try {
    result = await explainStream(input);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    stderr.write(`aml-doctor explain: cannot read ${target === '-' ? 'stdin' : target}: ${e.code ?? e.message}\n`);
    return 2;
  }
  stdout.write(format === 'json' ? JSON.stringify(toJson(result), null, 2) + '\n' : toText(result, target === '-' ? 'stdin' : target));
  return 0;
}
