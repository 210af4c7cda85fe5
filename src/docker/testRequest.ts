// "Send test request": POST a JSON sample to a scoring URI and report status, latency and body, with
// the status explained. Pure: the view supplies the text (picked or edited sample).
import * as l10n from '../common/l10n';
import { explainStatus, type StatusExplanation } from './httpStatus';
import { HttpTimeoutError, httpRequest } from './http';

export interface TestRequestResult {
  url: string;
  status: number;
  statusText: string;
  latencyMs: number;
  body: string;
  /** The body pretty-printed when it is JSON. */
  prettyBody: string;
  headers: Record<string, string>;
  truncated: boolean;
  explanation: StatusExplanation;
  /** Set when no HTTP answer came back (refused, reset, timed out). */
  networkError?: string;
}

export class InvalidSampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSampleError';
  }
}

/** Offset of the first JSON syntax error (a small recursive-descent scan), or -1 when the text parses. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const str = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, text.length) : 0;
  }
}

/** Checks that a sample is JSON before anything is sent; the message names the line and column. */
export function validateSample(text: string): void {
  if (!text.trim()) throw new InvalidSampleError(l10n.t('The request body is empty: pick a JSON sample or type one.'));
  try {
    JSON.parse(text);
  } catch (err) {
    const at = jsonErrorOffset(text);
    let where = '';
    if (at >= 0) {
      const before = text.slice(0, at);
      where = l10n.t(' (line {0}, column {1})', before.split('\n').length, at - before.lastIndexOf('\n'));
    }
    throw new InvalidSampleError(l10n.t('The request body is not valid JSON{0}: {1}', where, (err as Error).message.split('\n')[0]));
  }
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export async function sendTestRequest(
  scoringUri: string,
  body: string,
  options: { timeoutMs?: number; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<TestRequestResult> {
  const started = process.hrtime.bigint();
  try {
    const r = await httpRequest(scoringUri, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...options.headers },
      timeoutMs: options.timeoutMs ?? 60000,
      signal: options.signal,
    });
    return { url: scoringUri, status: r.status, statusText: r.statusText, latencyMs: r.latencyMs, body: r.body, prettyBody: pretty(r.body), headers: r.headers, truncated: r.truncated, explanation: explainStatus(r.status) };
  } catch (err) {
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const e = err as NodeJS.ErrnoException;
    // No HTTP status came back: describe it like the gateway would (timeout 504, broken connection 502).
    const status = err instanceof HttpTimeoutError ? 504 : 502;
    const what =
      err instanceof HttpTimeoutError
        ? err.message
        : e.code === 'ECONNREFUSED'
          ? l10n.t('Nothing listens at {0} (connection refused): the container is stopped or its server has not started.', scoringUri)
          : e.code === 'ECONNRESET' || /socket hang up/.test(e.message)
            ? l10n.t('The connection to {0} was dropped before an answer: the worker probably died while serving (out of memory or a crash in native code).', scoringUri)
            : `${e.code ?? 'Error'}: ${e.message}`;
    return { url: scoringUri, status: 0, statusText: l10n.t('no response'), latencyMs, body: '', prettyBody: '', headers: {}, truncated: false, explanation: explainStatus(status), networkError: what };
  }
}
