// Runtime findings: a log's diagnosis whose traceback runs through the user's entry script, placed on the
// line of the local file that raised (the editor shows it in the Problems panel). Pure: the editor glue
// (src/views/runtimeDiagnostics.ts) lists the candidate files and hands in their text.
//
// A frame path is log text, written by whoever wrote the log. It is never joined onto a folder: it is only
// compared, segment by segment, with the relative paths of files the caller already has (the entry script
// a local deployment recorded, the workspace's entry scripts), and the line it names must still hold the
// source line the traceback printed.
import { redactSecrets } from '../common/redact';
import type { Explanation, Finding, Frame } from './types';

export const DEFAULT_REMOTE_ROOT = '/var/azureml-app';

/** A local file a frame path may stand for. */
export interface EntryCandidate {
  /** Absolute local path. */
  file: string;
  /** Its path relative to the folder it is known from (a workspace folder, a recorded source folder), '/'-separated. */
  rel: string;
  /** Named by the deployment (its YAML's scoring_script, a local deployment's record). */
  preferred?: boolean;
}

export interface MapOptions {
  /** AML_APP_ROOT inside the container. Default /var/azureml-app. */
  remoteRoot?: string;
  /** The entry script the log names (the server's "Entry Script Name:"): a hint between equal candidates. */
  entryScript?: string;
  /**
   * The relative path under remoteRoot must equal a candidate's `rel` (a local deployment copies its source
   * folder to remoteRoot as it is). Otherwise one of the two may be a suffix of the other: Azure ML places the
   * code folder itself under /var/azureml-app, and the workspace may hold it one or more folders down.
   */
  exact?: boolean;
}

export type MapResult = { ok: true; candidate: EntryCandidate } | { ok: false; reason: string };

/** Longest frame path read (a log line can hold anything). */
const MAX_PATH = 4096;

/** Path segments, or undefined for a path that climbs (`..`) or is too long to be a real one. */
export function pathSegments(p: string): string[] | undefined {
  if (p.length > MAX_PATH) return undefined;
  const parts = p
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return undefined;
  // A Windows drive ("C:") is not a folder name a workspace path could share.
  if (parts.length && /^[A-Za-z]:$/.test(parts[0]!)) parts.shift();
  return parts;
}

/** How many trailing segments two paths share. */
function sharedTail(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * Which candidate a frame path (as seen inside the container, or wherever the log was written) stands for.
 * Among the candidates that match, the one the deployment names wins, then the longest shared path, then
 * the one matching the entry script the log names; when that still leaves several, none is chosen.
 */
export function mapFramePath(framePath: string, candidates: readonly EntryCandidate[], options: MapOptions = {}): MapResult {
  const frame = pathSegments(framePath);
  if (!frame || frame.length === 0) return { ok: false, reason: `the frame path ${JSON.stringify(framePath.slice(0, 200))} is not a file path` };
  const root = pathSegments(options.remoteRoot ?? DEFAULT_REMOTE_ROOT) ?? [];
  const underRoot = root.length > 0 && frame.length > root.length && root.every((s, i) => frame[i] === s);
  const rel = underRoot ? frame.slice(root.length) : frame;
  if (options.exact && !underRoot) return { ok: false, reason: `${framePath} is not under ${options.remoteRoot ?? DEFAULT_REMOTE_ROOT}` };
  const scored: { c: EntryCandidate; score: number }[] = [];
  for (const c of candidates) {
    const have = pathSegments(c.rel);
    if (!have || have.length === 0) continue;
    const shared = sharedTail(rel, have);
    const matches = options.exact ? shared === rel.length && shared === have.length : shared === Math.min(rel.length, have.length);
    if (matches) scored.push({ c, score: shared });
  }
  if (scored.length === 0) return { ok: false, reason: `no entry script in the workspace matches ${framePath}` };
  let best = scored;
  const preferred = best.filter((s) => s.c.preferred);
  if (preferred.length) best = preferred;
  const top = Math.max(...best.map((s) => s.score));
  best = best.filter((s) => s.score === top);
  if (best.length > 1 && options.entryScript) {
    const hint = pathSegments(options.entryScript);
    const hinted = hint?.length ? best.filter((s) => sharedTail(hint, pathSegments(s.c.rel)!) === Math.min(hint.length, pathSegments(s.c.rel)!.length)) : [];
    if (hinted.length) best = hinted;
  }
  if (best.length > 1) return { ok: false, reason: `${framePath} matches ${best.length} entry scripts (${best.map((s) => s.c.rel).join(', ')}); none is named by a deployment YAML` };
  return { ok: true, candidate: best[0]!.c };
}

/** A source line as Python prints it in a traceback (stripped), and as the log engine keeps it (500 characters). */
function sourceKey(line: string): string {
  return line.trim().slice(0, 500);
}

export type PlaceResult = { ok: true; line: number } | { ok: false; reason: string };

/**
 * The 1-based line of `lines` that raised. With the source line the traceback printed, that line must hold
 * it: when lines were added or removed above since the log was written, the nearest line holding it is
 * taken; when no line holds it, the file is not the code that ran and nothing is placed.
 */
export function placeFrame(frame: Pick<Frame, 'line' | 'source'>, lines: readonly string[]): PlaceResult {
  const at = frame.line;
  if (!Number.isInteger(at) || at < 1) return { ok: false, reason: `line ${at} is not a line number` };
  const want = frame.source !== undefined ? sourceKey(frame.source) : undefined;
  if (!want) {
    // No source line in the log (python -OO, a cut log, a collector that dropped it): the line must exist.
    if (at > lines.length || !lines[at - 1]!.trim()) return { ok: false, reason: `line ${at} is ${at > lines.length ? 'past the end of the file' : 'blank'}` };
    return { ok: true, line: at };
  }
  const same = (i: number) => {
    const have = sourceKey(lines[i]!);
    return have === want || (have.length > 0 && redactSecrets(have) === want);
  };
  if (at <= lines.length && same(at - 1)) return { ok: true, line: at };
  for (let d = 1; d < lines.length; d++) {
    const up = at - 1 - d;
    const down = at - 1 + d;
    if (up < 0 && down >= lines.length) break;
    if (up >= 0 && up < lines.length && same(up)) return { ok: true, line: up + 1 };
    if (down >= 0 && down < lines.length && same(down)) return { ok: true, line: down + 1 };
  }
  return { ok: false, reason: `no line of the file holds "${want.slice(0, 80)}" (line ${at} in the log): the file is not the code that ran` };
}

const MAX_MESSAGE = 300;
const MAX_EXCEPTION = 180;

/** One line of log text fit for a diagnostic: control characters and runs of spaces collapsed, redacted. */
function oneLine(text: string, max: number): string {
  const flat = redactSecrets(text.slice(0, max * 4).replace(/\x1b\[[0-9;?]{0,32}[A-Za-z]/g, '').replace(/[\x00-\x1f\x7f]+/g, ' ')).replace(/ {2,}/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The diagnostic's message: the diagnosis's title and the exception, short. */
export function runtimeMessage(f: Pick<Finding, 'title' | 'exception' | 'traceback'>): string {
  const exc = f.exception ?? f.traceback?.exception;
  const what = exc ? oneLine(`${exc.type}${exc.message ? `: ${exc.message}` : ''}`, MAX_EXCEPTION) : '';
  const text = what ? `${oneLine(f.title, 200)}: ${what}` : oneLine(f.title, 200);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

/** What a runtime finding rests on: the diagnosis and the frame of the entry script it names. */
export interface RuntimeSubject {
  finding: Finding;
  frame: Frame;
  /**
   * Identifies this diagnosis of this log (the diagnosis, the frame, the exception, where the traceback
   * starts): a log read again or growing keeps it (more occurrences of the same traceback do not change it).
   */
  key: string;
  /** 1-based log line where the traceback starts (for a link into the log). */
  logLine?: number;
  message: string;
}

/**
 * The subject of a runtime finding in an explanation: its primary diagnosis, when its traceback runs
 * through the entry script. A log with no failure, or whose failure has no entry-script frame, has none.
 */
export function runtimeSubject(e: Explanation): RuntimeSubject | undefined {
  const f = e.primary;
  const frame = f.entryFrame;
  if (!frame || f.category === 'no_failure' || !frame.path || !(frame.line > 0)) return undefined;
  const logLine = f.traceback?.line ?? f.evidence[0]?.line;
  const exc = f.exception ?? f.traceback?.exception;
  return {
    finding: f,
    frame,
    key: [f.id, frame.path, frame.line, exc?.type ?? '', logLine ?? 0].join('\u0000'),
    logLine,
    message: runtimeMessage(f),
  };
}

/** A 0-based span of a line: where a diagnostic sits. */
export interface LineSpan {
  line: number;
  startCol: number;
  endCol: number;
}

/** A text change as the editor reports it: a 0-based range of the text before the change, and its new text. */
export interface TextEdit {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  text: string;
}

/** The span of a line from its first non-blank character to its end. */
export function lineSpan(line: number, text: string): LineSpan {
  const start = text.length - text.trimStart().length;
  return { line, startCol: start === text.length ? 0 : start, endCol: text.length };
}

const before = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 < c2);

/**
 * Where a span is after an edit: the same span when the edit is after it, moved with the text when the
 * edit is before it, and undefined when the edit touches it (the line that raised was edited).
 */
export function shiftSpan(span: LineSpan, edit: TextEdit): LineSpan | undefined {
  if (before(span.line, span.endCol, edit.startLine, edit.startCol)) return span;
  // An edit ending right where the statement starts leaves it alone when it only pushed it down (Enter in
  // front of it) or removed whole lines above it; typing there edits the statement.
  const atStart = edit.endLine === span.line && edit.endCol === span.startCol;
  const pushesDown = atStart && (/\n[ \t]*$/.test(edit.text) || (edit.text === '' && edit.startLine < span.line && edit.startCol === 0));
  if (!before(edit.endLine, edit.endCol, span.line, span.startCol) && !pushesDown) return undefined;
  const newlines = countNewlines(edit.text);
  const line = span.line + newlines - (edit.endLine - edit.startLine);
  if (edit.endLine < span.line) return { ...span, line };
  // The edit ends on the span's line, before it: the columns move too.
  const endOfInserted = newlines ? edit.text.length - edit.text.lastIndexOf('\n') - 1 : edit.startCol + edit.text.length;
  const delta = endOfInserted - edit.endCol;
  return { line, startCol: span.startCol + delta, endCol: span.endCol + delta };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
