// The real SDKs behind an HTTPS proxy (HTTPS_PROXY, as users set it): a local HTTP proxy that refuses
// CONNECT (407, 403, 502) or tunnels to the local HTTPS ARM server. A refusal is the proxy's, never
// "No permission, ask for a role"; a 403 from ARM through a working tunnel still is.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureError } from '../../../src/azure/errors';
import { createAzureClient } from '../../../src/azure/index';
import { sampleFixture, startArmServer, type ArmServer } from './armServer';

// The SDK reads NO_PROXY once per process, when the first client is made: this file's process starts clean.
for (const k of ['NO_PROXY', 'no_proxy', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[k];

const WS = { subscriptionId: '11111111-1111-1111-1111-111111111111', resourceGroup: 'rg-ml', workspace: 'ws-prod' };

interface Proxy {
  port: number;
  /** How the next CONNECTs are answered: an HTTP status line, or 'tunnel'. */
  mode: 'tunnel' | { status: number; reason: string; headers?: string };
  connects: { target: string; proxyAuthorization?: string }[];
  close(): Promise<void>;
}

async function startProxy(): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const proxy: Proxy = { port: 0, mode: 'tunnel', connects: [], close: () => new Promise<void>((r) => server.close(() => r())) };
  const server: Server = createServer((_req, res) => res.writeHead(400).end());
  server.on('connect', (req, client: Socket) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    proxy.connects.push({ target: req.url ?? '', proxyAuthorization: req.headers['proxy-authorization'] });
    if (proxy.mode !== 'tunnel') {
      const m = proxy.mode;
      client.end(`HTTP/1.1 ${m.status} ${m.reason}\r\n${m.headers ?? ''}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.port = (server.address() as { port: number }).port;
  const close = proxy.close;
  proxy.close = () => {
    sockets.forEach((s) => s.destroy());
    return close();
  };
  return proxy;
}

const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: 'fake-arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

async function failure(p: Promise<unknown>): Promise<AzureError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AzureError, `expected AzureError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

describe('Azure layer behind an HTTPS proxy (integration, real SDKs, HTTPS_PROXY)', { timeout: 120000 }, () => {
  let arm: ArmServer;
  let proxy: Proxy;
  const make = () => createAzureClient({ credential, resourceManagerEndpoint: arm.url, tls: { ca: arm.caPem }, retry: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50 } });

  before(async () => {
    arm = await startArmServer(sampleFixture());
    proxy = await startProxy();
  });
  after(async () => {
    delete process.env.HTTPS_PROXY;
    await proxy.close();
    await arm.close();
  });
  beforeEach(() => {
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
    proxy.connects.length = 0;
    arm.requests.length = 0;
    arm.clearFaults();
  });

  it('407 from the proxy: a proxy failure that names the proxy, HTTPS_PROXY and NO_PROXY, not "ask for a role"', async () => {
    proxy.mode = { status: 407, reason: 'Proxy Authentication Required', headers: 'Proxy-Authenticate: Basic realm="corp"\r\n' };
    const e = await failure(make().listOnlineEndpoints(WS));
    assert.equal(e.kind, 'proxy', e.message);
    assert.match(e.message, new RegExp(`proxy 127\\.0\\.0\\.1:${proxy.port} \\(HTTPS_PROXY\\) refused to connect to 127\\.0\\.0\\.1:${arm.port} \\(HTTP 407\\)`));
    assert.match(e.message, /credentials/);
    assert.match(e.message, /NO_PROXY/);
    assert.doesNotMatch(e.message, /No permission|ask for a role/);
    assert.equal(e.details.status, 407);
    assert.equal(proxy.connects.length, 1, 'not retried: the proxy will refuse again');
    assert.equal(arm.requests.length, 0);
  });

  it('403 from the proxy (destination not allowed): told apart from an ARM 403, raw lists too', async () => {
    proxy.mode = { status: 403, reason: 'Forbidden' };
    const sdk = await failure(make().listOnlineEndpoints(WS));
    assert.equal(sdk.kind, 'proxy', sdk.message);
    assert.match(sdk.message, /does not allow this destination.*NO_PROXY/);
    assert.doesNotMatch(sdk.message, /No permission|ask for a role/);
    const raw = await failure(make().listSubscriptions());
    assert.equal(raw.kind, 'proxy', raw.message);
    assert.equal(arm.requests.length, 0);
  });

  it('502 from the proxy (tunnel failed): a proxy failure too', async () => {
    proxy.mode = { status: 502, reason: 'Bad Gateway' };
    const e = await failure(make().listWorkspaces(WS.subscriptionId));
    assert.equal(e.kind, 'proxy', e.message);
    assert.match(e.message, /could not open a tunnel.*HTTPS_PROXY/);
  });

  it('proxy credentials in HTTPS_PROXY reach the proxy but never the message', async () => {
    process.env.HTTPS_PROXY = `http://alice:s3cret-pw@127.0.0.1:${proxy.port}`;
    proxy.mode = { status: 407, reason: 'Proxy Authentication Required' };
    const e = await failure(make().listOnlineEndpoints(WS));
    assert.equal(proxy.connects[0]!.proxyAuthorization, `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`);
    assert.doesNotMatch(e.message, /s3cret|alice/);
  });

  it('through a working tunnel the calls succeed (extra CA carried into the tunnel), and an ARM 403 is still a permission problem', async () => {
    proxy.mode = 'tunnel';
    const client = make();
    assert.deepEqual((await client.listOnlineEndpoints(WS)).map((e) => e.name), ['aks-ep', 'diabetes-ep']);
    assert.ok(proxy.connects.length >= 1 && proxy.connects.every((c) => c.target === `127.0.0.1:${arm.port}`));
    arm.addFault({ path: /onlineEndpoints$/, status: 403 });
    const e = await failure(client.listOnlineEndpoints(WS));
    assert.equal(e.kind, 'forbidden');
    assert.match(e.message, /No permission \(HTTP 403\).*AuthorizationFailed/);
  });
});
