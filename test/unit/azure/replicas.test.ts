import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateReplicas, formatReplicaPlan, parseSeconds, parseUtilization, ReplicaInputError } from '../../../src/azure/replicas';

describe('autoscale replica calculator (unit)', () => {
  it("gives the troubleshooting guide's 286 replicas for 20 rps, 10 s, 1 concurrent request, 70%", () => {
    const plan = calculateReplicas({ requestsPerSecond: 20, requestSeconds: 10, maxConcurrentRequests: 1, targetUtilization: 0.7 });
    assert.equal(plan.replicas, 286);
    assert.equal(plan.fullyBusyReplicas, 200);
    assert.equal(plan.concurrentRequests, 200);
    assert.equal(plan.autoscale.autoscale_min_replicas, 286);
    assert.ok(plan.autoscale.autoscale_max_replicas > 286);
    assert.equal(plan.autoscale.autoscale_target_utilization, 70);
    assert.equal(plan.autoscale.max_concurrent_requests_per_container, 1);
    // managed endpoints: 429 above 2 x max_concurrent_requests_per_instance x instance_count
    assert.equal(plan.managed.throttleThreshold, 2 * 1 * 286);
  });

  it('divides by the concurrent requests per container and rounds up', () => {
    assert.equal(calculateReplicas({ requestsPerSecond: 20, requestSeconds: 10, maxConcurrentRequests: 4, targetUtilization: 0.7 }).replicas, 72); // 71.43
    assert.equal(calculateReplicas({ requestsPerSecond: 5, requestSeconds: 0.2, maxConcurrentRequests: 1, targetUtilization: 1 }).replicas, 1);
  });

  it('does not add a replica for floating-point noise (7 x 1 / 0.7 = 10)', () => {
    assert.equal(calculateReplicas({ requestsPerSecond: 7, requestSeconds: 1, maxConcurrentRequests: 1, targetUtilization: 0.7 }).replicas, 10);
  });

  it('never suggests fewer than one replica', () => {
    assert.equal(calculateReplicas({ requestsPerSecond: 0.01, requestSeconds: 0.01, maxConcurrentRequests: 10, targetUtilization: 0.7 }).replicas, 1);
  });

  it('rejects bad input with a message naming the field', () => {
    const base = { requestsPerSecond: 20, requestSeconds: 10, maxConcurrentRequests: 1, targetUtilization: 0.7 };
    const bad = (patch: object, field: string, re: RegExp) =>
      assert.throws(() => calculateReplicas({ ...base, ...patch }), (e: unknown) => e instanceof ReplicaInputError && e.field === field && re.test(e.message));
    bad({ requestsPerSecond: 0 }, 'requestsPerSecond', /greater than 0/);
    bad({ requestSeconds: Number.NaN }, 'requestSeconds', /Request time/);
    bad({ maxConcurrentRequests: 1.5 }, 'maxConcurrentRequests', /whole number/);
    bad({ targetUtilization: 1.2 }, 'targetUtilization', /between 1% and 100%/);
    bad({ targetUtilization: 0 }, 'targetUtilization', /between/);
  });

  it('parses durations and utilizations as users type them', () => {
    assert.equal(parseSeconds('10'), 10);
    assert.equal(parseSeconds('10 s'), 10);
    assert.equal(parseSeconds('250ms'), 0.25);
    assert.equal(parseSeconds('2m'), 120);
    assert.equal(parseSeconds('ten'), undefined);
    assert.equal(parseUtilization('70'), 0.7);
    assert.equal(parseUtilization('70%'), 0.7);
    assert.equal(parseUtilization('0.7'), 0.7);
    assert.equal(parseUtilization('seventy'), undefined);
  });

  it('formats settings a user can paste (v1 autoscale keys and managed instance_count)', () => {
    const input = { requestsPerSecond: 20, requestSeconds: 10, maxConcurrentRequests: 1, targetUtilization: 0.7 };
    const text = formatReplicaPlan(input, calculateReplicas(input));
    assert.match(text, /autoscale_min_replicas: 286/);
    assert.match(text, /autoscale_target_utilization: 70/);
    assert.match(text, /instance_count: 286/);
    assert.match(text, /= 572 concurrent requests/);
  });
});

describe('replica plan output (unit)', () => {
  it('is valid YAML with the suggested settings', async () => {
    const { parse } = await import('yaml');
    const input = { requestsPerSecond: 20, requestSeconds: 10, maxConcurrentRequests: 1, targetUtilization: 0.7 };
    const doc = parse(formatReplicaPlan(input, calculateReplicas(input)));
    assert.equal(doc.autoscale_min_replicas, 286);
    assert.equal(doc.autoscale_target_utilization, 70);
    assert.equal(doc.instance_count, 286);
    assert.equal(doc.request_settings.max_concurrent_requests_per_instance, 1);
  });
});
