// The real @azure SDK clients (arm-machinelearningservices, arm-machinelearning, core-client) pointed at a
// local HTTPS ARM server through the resource-manager endpoint option, with a fake TokenCredential.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { AzureClient } from '../../../src/azure/client';
import { AzureError } from '../../../src/azure/errors';
import { explainDeploymentError } from '../../../src/azure/explain';
import { followLogs } from '../../../src/azure/logFollow';
import { createAzureClient } from '../../../src/azure/index';
import { sampleFixture, startArmServer, type ArmServer } from './armServer';

class FakeCredential implements TokenCredential {
  scopes: string[][] = [];
  constructor(public token: string) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(Array.isArray(scopes) ? scopes : [scopes]);
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const SUB = '11111111-1111-1111-1111-111111111111';
const WS = { subscriptionId: SUB, resourceGroup: 'rg-ml', workspace: 'ws-prod' };

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<AzureError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AzureError, `expected AzureError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a ${kind} failure`);
}

describe('Azure layer with the real SDKs against a local HTTPS ARM server (integration)', () => {
  let server: ArmServer;
  let credential: FakeCredential;
  let client: AzureClient;
  const make = (overrides: Partial<Parameters<typeof createAzureClient>[0]> = {}) =>
    createAzureClient({
      credential,
      resourceManagerEndpoint: server.url,
      tls: { ca: server.caPem },
      retry: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50, maxRetryAfterMs: 5000 },
      ...overrides,
    });

  before(async () => {
    server = await startArmServer(sampleFixture());
  });
  after(async () => server.close());
  beforeEach(() => {
    server.clearFaults();
    server.requests.length = 0;
    credential = new FakeCredential(server.acceptToken);
    client = make();
  });

  it('lists subscriptions across nextLink pages with a token scoped to the configured endpoint', async () => {
    const subs = await client.listSubscriptions();
    assert.deepEqual(subs.map((s) => s.name), ['ml-dev', 'ml-prod', 'sandbox']);
    const listCalls = server.requests.filter((r) => r.path === '/subscriptions');
    assert.equal(listCalls.length, 2, 'page size 2: two pages');
    assert.ok(listCalls.every((r) => r.authorization === `Bearer ${server.acceptToken}`));
    assert.deepEqual(credential.scopes[0], [`${server.url}/.default`]);
  });

  it('lists workspaces and compute targets (AKS with node count, VM size, GPU)', async () => {
    const ws = await client.listWorkspaces(SUB);
    assert.deepEqual(ws.map((w) => `${w.resourceGroup}/${w.workspace}`), ['rg-ml/ws-prod']);
    const wsCall = server.requests.find((r) => r.path.endsWith('/workspaces'))!;
    assert.equal(wsCall.query.get('api-version'), '2021-07-01', 'arm-machinelearningservices made the call');
    const computes = await client.listComputes(WS);
    const aks = computes.find((c) => c.name === 'aks-gpu')!;
    assert.equal(aks.computeType, 'AKS');
    assert.equal(aks.nodeCount, 3);
    assert.equal(aks.vmSize, 'Standard_NC6s_v3');
    assert.equal(aks.gpu, true);
    const cpu = computes.find((c) => c.name === 'cpu-cluster')!;
    assert.equal(cpu.gpu, false);
    assert.equal(cpu.nodeCount, 2);
  });

  it('lists online endpoints and deployments (state, instance type and count, scale settings, traffic) across pages', async () => {
    const endpoints = await client.listOnlineEndpoints(WS);
    assert.deepEqual(endpoints.map((e) => e.name), ['aks-ep', 'diabetes-ep']);
    const ep = endpoints.find((e) => e.name === 'diabetes-ep')!;
    assert.deepEqual(ep.traffic, { blue: 90, green: 10 });
    const deployments = await client.listOnlineDeployments(WS, ep);
    assert.deepEqual(deployments.map((d) => [d.name, d.provisioningState, d.traffic]), [
      ['blue', 'Succeeded', 90],
      ['gray', 'Creating', 0],
      ['green', 'Failed', 10],
    ]);
    const blue = deployments[0]!;
    assert.equal(blue.instanceType, 'Standard_DS3_v2');
    assert.equal(blue.instanceCount, 3);
    assert.deepEqual(blue.scale, { type: 'TargetUtilization', minInstances: 1, maxInstances: 5, targetUtilizationPercentage: 70, pollingInterval: 'PT1S' });
    assert.equal(blue.maxConcurrentRequestsPerInstance, 1);
    const pages = server.requests.filter((r) => r.path.endsWith('/onlineEndpoints/diabetes-ep/deployments'));
    assert.equal(pages.length, 2, 'three deployments, page size 2: the SDK followed nextLink');
    assert.equal(pages[0]!.query.get('api-version'), '2022-10-01', 'arm-machinelearning made the call');
  });

  it('gets logs of both containers with tail N (POST .../getLogs)', async () => {
    const inference = await client.getDeploymentLogs(WS, 'diabetes-ep', 'green', { container: 'InferenceServer', tail: 3 });
    assert.equal(inference.trim().split('\n').length, 3);
    assert.match(inference, /Worker exiting/);
    const storage = await client.getDeploymentLogs(WS, 'diabetes-ep', 'green', { container: 'StorageInitializer', tail: 100 });
    assert.match(storage, /Downloading model diabetes:1/);
    const posts = server.requests.filter((r) => r.method === 'POST');
    assert.deepEqual(posts.map((r) => r.body), [{ containerType: 'InferenceServer', tail: 3 }, { containerType: 'StorageInitializer', tail: 100 }]);
    assert.ok(posts.every((r) => r.path.endsWith('/deployments/green/getLogs')));
  });

  it('follows logs by polling getLogs, emitting each new line once', async () => {
    const dep = server.fixture.workspaces[0]!.endpoints.find((e) => e.name === 'diabetes-ep')!.deployments.find((d) => d.name === 'blue')!;
    const original = dep.logs!.InferenceServer!;
    const ac = new AbortController();
    const received: string[] = [];
    let polls = 0;
    try {
      for await (const chunk of followLogs({
        fetch: (signal) => client.getDeploymentLogs(WS, 'diabetes-ep', 'blue', { container: 'InferenceServer', tail: 3 }, signal),
        wait: async () => {
          polls++;
          if (polls === 1) dep.logs!.InferenceServer += 'POST /score 200\n';
          if (polls === 2) dep.logs!.InferenceServer += 'POST /score 200\nPOST /score 500\n';
          if (polls === 3) ac.abort();
        },
        intervalMs: 0,
        signal: ac.signal,
      })) {
        received.push(chunk);
      }
    } finally {
      dep.logs!.InferenceServer = original;
    }
    assert.deepEqual(received.join('').trim().split('\n'), ['Booting worker with pid: 41', 'Initializing logger', 'score.py init() done', 'POST /score 200', 'POST /score 200', 'POST /score 500']);
  });

  it('reads failed operations from the activity log and explains them', async () => {
    const [dep] = (await client.listOnlineDeployments(WS, 'aks-ep')).filter((d) => d.name === 'gpu');
    const failures = await client.listOperationFailures(SUB, dep!.id, 30);
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /Insufficient nvidia\.com\/gpu/);
    const ids = explainDeploymentError(failures.map((f) => f.message).join('\n')).map((e) => e.id);
    assert.deepEqual(ids, ['gpu-unavailable', 'cluster-no-resources']);
    const call = server.requests.find((r) => r.path.includes('Microsoft.Insights'))!;
    assert.match(call.query.get('$filter')!, /resourceUri eq '.*\/deployments\/gpu'/);
  });

  it('401: a token the server rejects becomes an "unauthenticated" error asking to sign in again', async () => {
    credential.token = 'expired-token';
    const e = await rejectsWith(client.listSubscriptions(), 'unauthenticated');
    assert.match(e.message, /Sign in again/);
    assert.doesNotMatch(e.message, /expired-token/);
  });

  it('403: no permission, with the ARM error code', async () => {
    server.addFault({ path: /onlineEndpoints$/, status: 403 });
    const e = await rejectsWith(client.listOnlineEndpoints(WS), 'forbidden');
    assert.match(e.message, /AuthorizationFailed/);
    assert.equal(e.details.status, 403);
  });

  it('404: a workspace that does not exist', async () => {
    const e = await rejectsWith(client.listOnlineEndpoints({ ...WS, workspace: 'gone' }), 'notFound');
    assert.match(e.message, /ResourceNotFound/);
  });

  it('429 with a small Retry-After: the SDK waits that long and the call succeeds', async () => {
    server.addFault({ path: /^\/subscriptions$/, status: 429, headers: { 'retry-after': '1' } });
    const subs = await client.listSubscriptions();
    assert.equal(subs.length, 3);
    const calls = server.requests.filter((r) => r.path === '/subscriptions');
    assert.equal(calls.length, 3, 'throttled + retried first page + second page');
    assert.ok(calls[1]!.at - calls[0]!.at >= 950, `retried after ${calls[1]!.at - calls[0]!.at} ms, Retry-After was 1 s`);
  });

  it('429 that persists: retries are bounded, then a "throttled" error carrying Retry-After', async () => {
    server.addFault({ path: /onlineEndpoints$/, status: 429, headers: { 'retry-after-ms': '30' }, times: Infinity });
    const e = await rejectsWith(client.listOnlineEndpoints(WS), 'throttled');
    assert.equal(e.details.retryAfterMs, 30);
    assert.equal(server.requests.filter((r) => r.path.endsWith('onlineEndpoints')).length, 3, '1 try + maxRetries 2');
  });

  it('429 with a Retry-After beyond the cap fails at once instead of blocking', async () => {
    server.addFault({ path: /onlineEndpoints$/, status: 429, headers: { 'retry-after': '3600' }, times: Infinity });
    const started = Date.now();
    const e = await rejectsWith(client.listOnlineEndpoints(WS), 'throttled');
    assert.ok(Date.now() - started < 3000);
    assert.match(e.message, /3600 s/);
    assert.equal(server.requests.filter((r) => r.path.endsWith('onlineEndpoints')).length, 1);
  });

  it('500: retried with backoff; a transient one succeeds, a persistent one becomes a "server" error', async () => {
    server.addFault({ path: /computes$/, status: 500 });
    assert.equal((await client.listComputes(WS)).length, 2);
    server.requests.length = 0;
    server.addFault({ path: /computes$/, status: 500, times: Infinity });
    const e = await rejectsWith(client.listComputes(WS), 'server');
    assert.match(e.message, /HTTP 500/);
    assert.equal(server.requests.length, 3);
  });

  it('cancellation: aborting a hanging request ends the call promptly as "cancelled"', async () => {
    server.addFault({ path: /workspaces$/, status: 200, hang: true });
    const ac = new AbortController();
    const p = client.listWorkspaces(SUB, ac.signal);
    const deadline = Date.now() + 5000;
    while (!server.requests.some((r) => r.path.endsWith('/workspaces')) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    const started = Date.now();
    ac.abort();
    await rejectsWith(p, 'cancelled');
    assert.ok(Date.now() - started < 1000);
  });

  it('TLS stays verified: without the generated CA the call fails as "certificate"', async () => {
    const untrusted = make({ tls: undefined, retry: { maxRetries: 0 } });
    const e = await rejectsWith(untrusted.listSubscriptions(), 'certificate');
    assert.match(e.message, /NODE_EXTRA_CA_CERTS/);
    assert.equal(server.requests.length, 0, 'no request (and no token) reached the server');
  });

  describe('hostile ARM responses', () => {
    const warnings: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    let other: ArmServer;
    before(async () => {
      other = await startArmServer(sampleFixture());
    });
    after(async () => other.close());
    beforeEach(() => {
      warnings.length = 0;
      other.requests.length = 0;
    });
    const WS_PATH = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-prod/onlineEndpoints`;
    const endpointItem = { id: `${WS_PATH}/e1`, name: 'e1', properties: { provisioningState: 'Succeeded', traffic: {} } };

    it('a nextLink to another host is refused before any request reaches it, SDK lists and raw lists alike', async () => {
      // The SDK path (arm-machinelearning) and the raw path (subscriptions) follow the same rule.
      server.addFault({ path: /onlineEndpoints$/, status: 200, body: { value: [endpointItem], nextLink: `${other.url}${WS_PATH}?api-version=2022-10-01&$skiptoken=1` } });
      const sdk = await rejectsWith(client.listOnlineEndpoints(WS), 'foreignHost');
      assert.match(sdk.message, new RegExp(`127\\.0\\.0\\.1:${other.port}`));
      assert.match(sdk.message, /no token was sent/);
      server.addFault({ path: /^\/subscriptions$/, status: 200, body: { value: [], nextLink: `${other.url}/subscriptions?api-version=2022-12-01&$skiptoken=1` } });
      await rejectsWith(client.listSubscriptions(), 'foreignHost');
      assert.equal(other.requests.length, 0, `the other host received ${other.requests.length} request(s), authorization: ${other.requests.map((r) => r.authorization ?? 'none').join(', ')}`);
    });

    it('an endless chain of new nextLinks with empty pages stops at the page limit (SDK and raw lists)', { timeout: 60000 }, async () => {
      const bounded = make({ maxPages: 7, logger });
      let n = 0;
      const endless = (path: string, api: string) => () => ({ value: [], nextLink: `${server.url}${path}?api-version=${api}&$skiptoken=${++n}` });
      server.addFault({ path: /onlineEndpoints$/, status: 200, respond: endless(WS_PATH, '2022-10-01'), times: Infinity });
      assert.deepEqual(await bounded.listOnlineEndpoints(WS), []);
      assert.equal(server.requests.filter((r) => r.path === WS_PATH).length, 7);
      server.addFault({ path: /^\/subscriptions$/, status: 200, respond: endless('/subscriptions', '2022-12-01'), times: Infinity });
      assert.deepEqual(await bounded.listSubscriptions(), []);
      assert.equal(server.requests.filter((r) => r.path === '/subscriptions').length, 7);
      assert.equal(warnings.filter((w) => /stopped after 7 pages/.test(w)).length, 2, warnings.join('\n'));
    });

    it('the default page limit ends an endless chain too', { timeout: 60000 }, async () => {
      let n = 0;
      server.addFault({ path: /onlineEndpoints$/, status: 200, respond: () => ({ value: [], nextLink: `${server.url}${WS_PATH}?api-version=2022-10-01&$skiptoken=${++n}` }), times: Infinity });
      assert.deepEqual(await make({ logger }).listOnlineEndpoints(WS), []);
      assert.equal(server.requests.filter((r) => r.path === WS_PATH).length, 100);
    });

    it('a nextLink that repeats ends the list with the items already read (SDK list)', { timeout: 60000 }, async () => {
      const again = `${server.url}${WS_PATH}?api-version=2022-10-01&$skiptoken=again`;
      server.addFault({ path: /onlineEndpoints$/, status: 200, body: { value: [endpointItem], nextLink: again }, times: Infinity });
      const list = await make({ logger }).listOnlineEndpoints(WS);
      assert.deepEqual(list.map((e) => e.name), ['e1', 'e1'], 'the first page and the page at the nextLink, once');
      assert.equal(server.requests.filter((r) => r.path === WS_PATH).length, 3);
      assert.ok(warnings.some((w) => /nextLink it had sent before/.test(w)), warnings.join('\n'));
    });

    const longWaits: Record<string, string>[] = [{ 'retry-after': '1e6' }, { 'retry-after': 'Infinity' }, { 'retry-after': '0x1000' }, { 'retry-after-ms': '1e9' }, { 'x-ms-retry-after-ms': '4e6' }];
    for (const header of longWaits) {
      it(`429 with ${JSON.stringify(header)}: no wait beyond the cap, the user is told how long Azure asked for`, { timeout: 60000 }, async () => {
        server.addFault({ path: /onlineEndpoints$/, status: 429, headers: header, times: Infinity });
        const started = Date.now();
        const e = await rejectsWith(make({ retry: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50, maxRetryAfterMs: 2000 } }).listOnlineEndpoints(WS), 'throttled');
        assert.ok(Date.now() - started < 2000, `returned after ${Date.now() - started} ms`);
        assert.equal(server.requests.filter((r) => r.path.endsWith('onlineEndpoints')).length, 1, 'not retried');
        assert.match(e.message, /asked to wait (\d+ s|an unlimited time).*not waiting that long/);
      });
    }

    it('Retry-After: 1e6 reads as 11.6 days in the message', async () => {
      server.addFault({ path: /onlineEndpoints$/, status: 429, headers: { 'retry-after': '1e6' }, times: Infinity });
      const e = await rejectsWith(client.listOnlineEndpoints(WS), 'throttled');
      assert.match(e.message, /1000000 s \(11\.6 days\)/);
      assert.equal(e.details.retryAfterMs, 1e9);
    });

    it('a Retry-After within the cap in a form the SDK reads differently ("1.5e0") is still honoured, once', async () => {
      server.addFault({ path: /^\/subscriptions$/, status: 429, headers: { 'retry-after': '1.5e0' } });
      assert.equal((await client.listSubscriptions()).length, 3);
      const calls = server.requests.filter((r) => r.path === '/subscriptions');
      assert.ok(calls[1]!.at - calls[0]!.at >= 1400, `retried after ${calls[1]!.at - calls[0]!.at} ms, Retry-After was 1.5 s`);
    });
  });

  it('an http:// endpoint is refused before any token is requested', () => {
    assert.throws(() => make({ resourceManagerEndpoint: `http://127.0.0.1:${server.port}` }), /must use https/);
    assert.equal(credential.scopes.length, 0);
  });
});
