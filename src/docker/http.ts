// A small HTTP client for scoring endpoints (liveness, test requests): no keep-alive (nothing lingers),
// a hard timeout, the latency measured around the whole exchange, and a capped body.
import * as l10n from '../common/l10n';
import * as http from 'node:http';

export interface HttpResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
  truncated: boolean;
}

export interface HttpRequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number, url: string) {
    super(l10n.t('No answer from {0} within {1} ms', url, timeoutMs));
    this.name = 'HttpTimeoutError';
  }
}

export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResult> {
  const timeoutMs = options.timeoutMs ?? 30000;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (c: Buffer) => {
        if (size < maxBody) chunks.push(size + c.length > maxBody ? c.subarray(0, maxBody - size) : c);
        else truncated = true;
        if (size + c.length > maxBody) truncated = true;
        size += c.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
          truncated,
        });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => req.destroy(new HttpTimeoutError(timeoutMs, url)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
