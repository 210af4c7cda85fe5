// Step 7's load: a short burst of the same test request at a fixed concurrency against the local
// container only, bounded in requests, concurrency and wall time; latency percentiles of the answers.
import { httpRequest } from '../docker/http';

export const BURST_LIMITS = { maxRequests: 500, maxConcurrency: 32, maxSeconds: 60 };

export interface BurstOptions {
  requests: number;
  concurrency: number;
  /** Per-request timeout (the deployment's request_timeout_ms). */
  timeoutMs: number;
  /** The whole burst stops after this (no new request starts). */
  maxMs: number;
  signal?: AbortSignal;
}

export interface BurstResult {
  requests: number;
  completed: number;
  /** Answers other than 200 and requests without an answer. */
  errors: number;
  /** status (0: no answer) -> count, for the errors. */
  errorStatuses: Record<string, number>;
  concurrency: number;
  durationMs: number;
  throughputRps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** True when the time bound stopped it before all requests ran. */
  cutShort: boolean;
}

export function clampBurst(o: { requests?: number; concurrency?: number; maxSeconds?: number }): { requests: number; concurrency: number; maxMs: number } {
  const int = (v: number | undefined, d: number, max: number) => Math.max(1, Math.min(max, Number.isFinite(v) ? Math.floor(v!) : d));
  const requests = int(o.requests, 50, BURST_LIMITS.maxRequests);
  return { requests, concurrency: Math.min(requests, int(o.concurrency, 4, BURST_LIMITS.maxConcurrency)), maxMs: int(o.maxSeconds, 30, BURST_LIMITS.maxSeconds) * 1000 };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runBurst(url: string, body: string, options: BurstOptions): Promise<BurstResult> {
  const latencies: number[] = [];
  const errorStatuses: Record<string, number> = {};
  let next = 0;
  let completed = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async () => {
    while (next < options.requests && performance.now() < deadline && !options.signal?.aborted) {
      next++;
      try {
        const r = await httpRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: options.timeoutMs, signal: options.signal, maxBodyBytes: 64 * 1024 });
        completed++;
        if (r.status === 200) latencies.push(r.latencyMs);
        else errorStatuses[r.status] = (errorStatuses[r.status] ?? 0) + 1;
      } catch {
        if (options.signal?.aborted) return;
        completed++;
        errorStatuses['0'] = (errorStatuses['0'] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: options.requests,
    completed,
    errors: Object.values(errorStatuses).reduce((a, b) => a + b, 0),
    errorStatuses,
    concurrency: options.concurrency,
    durationMs: round(durationMs),
    throughputRps: round(latencies.length / (durationMs / 1000)),
    latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
    cutShort: completed < options.requests && !options.signal?.aborted,
  };
}
