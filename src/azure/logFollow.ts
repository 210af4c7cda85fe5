// "Follow" for deployment logs: getLogs only returns the last N lines, so following means polling and
// emitting only the lines that were not in the previous window. Pure: the fetch and the wait are passed in.
import * as l10n from '../common/l10n';

/** Splits getLogs content into complete lines (a trailing newline does not make an empty line). */
export function splitLines(content: string): string[] {
  if (!content) return [];
  const lines = content.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The lines of `next` that come after the previous window. The overlap is the longest suffix of
 * `previous` that is a prefix of `next`; preferring the longest overlap never repeats a line, at the
 * price of treating repeated identical lines conservatively. `gap` is true when nothing overlaps although
 * both windows are non-empty: lines may have been missed between two polls (the tail was too short).
 * Linear time (KMP prefix function over next + separator + previous), so a 10,000-line tail of identical
 * health-check lines costs no more than any other.
 */
export function newLines(previous: readonly string[], next: readonly string[]): { lines: string[]; gap: boolean } {
  if (previous.length === 0 || next.length === 0) return { lines: [...next], gap: false };
  const SEP = Symbol('separator');
  const seq: (string | symbol)[] = [...next, SEP, ...previous];
  const pi = new Int32Array(seq.length);
  for (let i = 1; i < seq.length; i++) {
    let k = pi[i - 1]!;
    while (k > 0 && seq[i] !== seq[k]) k = pi[k - 1]!;
    if (seq[i] === seq[k]) k++;
    pi[i] = k;
  }
  const overlap = pi[seq.length - 1]!;
  return { lines: next.slice(overlap), gap: overlap === 0 };
}

export interface FollowOptions {
  /** Fetches the current tail of the log (content of getLogs). */
  fetch(signal: AbortSignal): Promise<string>;
  /** Waits between polls; resolves early (or rejects) when the signal aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  intervalMs: number;
  signal: AbortSignal;
  /** Called when a poll fails; the follow continues unless it returns false (then the error ends it). */
  onError?(err: unknown): boolean | void;
}

/** Yields text chunks (lines joined with newlines): the first window, then only new lines, until aborted. */
export async function* followLogs(options: FollowOptions): AsyncGenerator<string> {
  const { signal } = options;
  let previous: string[] = [];
  let first = true;
  while (!signal.aborted) {
    let content: string | undefined;
    try {
      content = await options.fetch(signal);
    } catch (err) {
      if (signal.aborted) return;
      if (options.onError?.(err) === false) throw err;
    }
    if (content !== undefined) {
      const window = splitLines(content);
      const { lines, gap } = first ? { lines: window, gap: false } : newLines(previous, window);
      if (gap) yield `[aml-doctor] ${l10n.t('... earlier lines may be missing: more lines arrived between two polls than the tail returns.')}\n`;
      if (lines.length) yield lines.join('\n') + '\n';
      previous = window;
      first = false;
    }
    if (signal.aborted) return;
    try {
      await options.wait(options.intervalMs, signal);
    } catch {
      return;
    }
  }
}

/** A wait that ends early on abort (real timers; tests pass their own). */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
