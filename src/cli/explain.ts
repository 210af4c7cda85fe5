// `aml-doctor explain [file|-] [--format text|json]`: names the failure in a deployment log.
// JSON shape (stable contract):
// { "primary": { "id", "category", "title", "explanation", "fix": [..], "docs", "confidence", "evidence": [{ "line", "text" }],
//                "phase"?, "exception"?: { "type", "message" }, "location"?: frame, "entryFrame"?: frame,
//                "traceback"?: { "frames": [frame], "exception"?, "truncated", "line", "endLine", "phase"?, "elided"?, "chained"? },
//                "collect"?: [{ "what", "command"? }] },
//   "findings": [ same shape + "count", "score" ], "noise": [{ "id", "title", "count" }], "entryScript"?, "lines", "bytes" }
// frame: { "path" (as in the container), "line", "function", "source"?, "origin"?: entry|user|server|library|runtime|client }.
// `primary.category` is "no_failure" (id "no-failure") when the text holds no failure, "other" (id
// "unrecognised") when it reports one no known cause explains; both come with "collect". Exit 0 on success,
// 2 on bad usage.
import { parseFormatArgs } from './args';
import { createReadStream } from 'node:fs';
import * as l10n from '../common/l10n';
import { redactSecrets } from '../common/redact';
import { explainStream } from '../logs/classifier';
import { reportText } from '../logs/report';
import type { Explanation, Finding, Frame, Traceback } from '../logs/types';

function publicFrame(f: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = { path: f.path, line: f.line, function: f.function };
  // A source line is code from the container: it may hold a literal credential.
  if (f.source !== undefined) out.source = redactSecrets(f.source);
  if (f.origin) out.origin = f.origin;
  return out;
}

function publicTraceback(t: Traceback): Record<string, unknown> {
  const out: Record<string, unknown> = { frames: t.frames.map(publicFrame), truncated: t.truncated, line: t.line, endLine: t.endLine };
  if (t.exception) out.exception = { type: t.exception.type, message: redactSecrets(t.exception.message) };
  if (t.phase) out.phase = t.phase;
  if (t.elided) out.elided = t.elided;
  if (t.chained) out.chained = { relation: t.chained.relation, traceback: publicTraceback(t.chained.traceback) };
  return out;
}

function publicFinding(f: Finding, withScore: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    category: f.category,
    title: f.title,
    explanation: redactSecrets(f.explanation),
    fix: f.fix,
    docs: f.docs,
    confidence: f.confidence,
    evidence: f.evidence.map((e) => ({ line: e.line, text: redactSecrets(e.text) })),
  };
  if (f.phase) out.phase = f.phase;
  if (f.exception) out.exception = { type: f.exception.type, message: redactSecrets(f.exception.message) };
  if (f.location) out.location = publicFrame(f.location);
  if (f.entryFrame) out.entryFrame = publicFrame(f.entryFrame);
  if (f.traceback) out.traceback = publicTraceback(f.traceback);
  if (f.collect) out.collect = f.collect;
  if (withScore) {
    out.count = f.count;
    out.score = f.score;
  }
  return out;
}

export function toJson(r: Explanation): unknown {
  const out: Record<string, unknown> = {
    primary: publicFinding(r.primary, false),
    findings: r.findings.map((f) => publicFinding(f, true)),
    noise: r.noise,
  };
  if (r.entryScript) out.entryScript = r.entryScript;
  out.lines = r.lines;
  out.bytes = r.bytes;
  return out;
}

export function toText(r: Explanation, name: string): string {
  return reportText(r, name);
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
    stderr.write(`aml-doctor explain: ${l10n.t('give one log file (or - for stdin), not {0}', targets.length)}\n`);
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
      stderr.write(`aml-doctor explain: ${l10n.t('cannot read {0}: {1}', target, opened.code ?? opened.message)}\n`);
      return 2;
    }
    input = stream;
  }
  let result: Explanation;
  try {
    result = await explainStream(input);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    stderr.write(`aml-doctor explain: ${l10n.t('cannot read {0}: {1}', target === '-' ? 'stdin' : target, e.code ?? e.message)}\n`);
    return 2;
  }
  stdout.write(format === 'json' ? JSON.stringify(toJson(result), null, 2) + '\n' : toText(result, target === '-' ? 'stdin' : target));
  return 0;
}
