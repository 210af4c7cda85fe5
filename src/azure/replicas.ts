// Autoscale replica calculator for HTTP 503 (too few replicas) on Azure ML online endpoints.
// replicas = ceil(rps x request time / target utilization / max concurrent requests per container),
// the formula of the Azure ML troubleshooting guide (20 rps, 10 s, 1 concurrent, 70% -> 286).
import * as l10n from '../common/l10n';

export interface ReplicaInput {
  /** Target requests per second. */
  requestsPerSecond: number;
  /** Time one request takes, in seconds. */
  requestSeconds: number;
  /** max_concurrent_requests_per_container / per_instance. */
  maxConcurrentRequests: number;
  /** Target utilization as a fraction in (0, 1]; the guide's default is 0.7. */
  targetUtilization: number;
}

export interface ReplicaPlan {
  /** Replicas needed to serve the load at the target utilization. */
  replicas: number;
  /** Replicas that would be 100% busy at the target load (the floor). */
  fullyBusyReplicas: number;
  /** Requests in flight at the target load (rps x request time). */
  concurrentRequests: number;
  autoscale: {
    autoscale_min_replicas: number;
    autoscale_max_replicas: number;
    autoscale_target_utilization: number;
    max_concurrent_requests_per_container: number;
  };
  /** Managed online endpoints reject with 429 above 2 x max_concurrent_requests_per_instance x instance_count. */
  managed: { instance_count: number; max_concurrent_requests_per_instance: number; throttleThreshold: number };
}

export class ReplicaInputError extends Error {
  constructor(readonly field: keyof ReplicaInput, message: string) {
    super(message);
    this.name = 'ReplicaInputError';
  }
}

// Floating point: 20 * 10 / 0.7 = 285.714...; but e.g. 7 * 1 / 0.7 = 10.000000000000002 must stay 10.
function ceilTolerant(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 ? r : Math.ceil(x);
}

export function validateReplicaInput(input: ReplicaInput): void {
  const positive = (field: keyof ReplicaInput, label: string) => {
    const v = input[field];
    if (!Number.isFinite(v) || v <= 0) throw new ReplicaInputError(field, l10n.t('{0} must be a number greater than 0 (got {1}).', label, v));
  };
  positive('requestsPerSecond', l10n.t('Requests per second'));
  positive('requestSeconds', l10n.t('Request time'));
  positive('maxConcurrentRequests', l10n.t('Max concurrent requests per container'));
  if (!Number.isInteger(input.maxConcurrentRequests)) {
    throw new ReplicaInputError('maxConcurrentRequests', l10n.t('Max concurrent requests per container must be a whole number (got {0}).', input.maxConcurrentRequests));
  }
  const u = input.targetUtilization;
  if (!Number.isFinite(u) || u <= 0 || u > 1) {
    throw new ReplicaInputError('targetUtilization', l10n.t('Target utilization must be between 1% and 100% (got {0}).', Number.isFinite(u) ? Math.round(u * 1000) / 10 + '%' : u));
  }
}

export function calculateReplicas(input: ReplicaInput): ReplicaPlan {
  validateReplicaInput(input);
  const { requestsPerSecond: rps, requestSeconds: t, maxConcurrentRequests: c, targetUtilization: u } = input;
  const concurrentRequests = rps * t;
  const replicas = Math.max(1, ceilTolerant(concurrentRequests / u / c));
  const fullyBusyReplicas = Math.max(1, ceilTolerant(concurrentRequests / c));
  // min: enough for the target load without waiting for a scale-up; max: 50% headroom for bursts.
  const max = Math.max(replicas + 1, ceilTolerant(replicas * 1.5));
  return {
    replicas,
    fullyBusyReplicas,
    concurrentRequests,
    autoscale: {
      autoscale_min_replicas: replicas,
      autoscale_max_replicas: max,
      autoscale_target_utilization: Math.round(u * 100),
      max_concurrent_requests_per_container: c,
    },
    managed: { instance_count: replicas, max_concurrent_requests_per_instance: c, throttleThreshold: 2 * c * replicas },
  };
}

/** Parses a duration typed by a user: "10", "10s", "250ms", "1.5 s", "2m". Plain numbers are seconds. */
export function parseSeconds(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|secs|seconds?|m|min|minutes?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  if (unit === 'ms') return v / 1000;
  if (unit.startsWith('m')) return v * 60;
  return v;
}

/** Parses a utilization typed as "70", "70%" or "0.7" into a fraction. */
export function parseUtilization(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%)?\s*$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  if (m[2] || v > 1) return v / 100;
  return v;
}

/** The plan as YAML a user can paste: v1 AKS autoscale settings and a v2 managed deployment, with comments. */
export function formatReplicaPlan(input: ReplicaInput, plan: ReplicaPlan): string {
  const a = plan.autoscale;
  return [
    `# ${l10n.t('Load: {0} requests/s x {1} s = {2} requests in flight.', input.requestsPerSecond, input.requestSeconds, round(plan.concurrentRequests))}`,
    `# ${l10n.t('Replicas needed at {0}% target utilization with {1} concurrent request(s) per container: {2}', a.autoscale_target_utilization, a.max_concurrent_requests_per_container, plan.replicas)}`,
    `# ${l10n.t('({0} would be 100% busy; the rest is headroom that avoids HTTP 503 while autoscale reacts).', plan.fullyBusyReplicas)}`,
    '',
    `# ${l10n.t('Kubernetes (AKS) deployment: autoscale settings')}`,
    'autoscale_enabled: true',
    `autoscale_min_replicas: ${a.autoscale_min_replicas}`,
    `autoscale_max_replicas: ${a.autoscale_max_replicas}`,
    `autoscale_target_utilization: ${a.autoscale_target_utilization}`,
    `max_concurrent_requests_per_container: ${a.max_concurrent_requests_per_container}`,
    '',
    `# ${l10n.t('Managed online deployment')}`,
    `instance_count: ${plan.managed.instance_count}`,
    'request_settings:',
    `  max_concurrent_requests_per_instance: ${plan.managed.max_concurrent_requests_per_instance}`,
    `# ${l10n.t('HTTP 429 is returned above 2 x {0} x {1} = {2} concurrent requests.', plan.managed.max_concurrent_requests_per_instance, plan.managed.instance_count, plan.managed.throttleThreshold)}`,
  ].join('\n');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
