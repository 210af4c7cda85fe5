// A local HTTPS server answering the documented Azure Resource Manager REST shapes used by the Azure
// layer (subscriptions, ML workspaces, computes, online endpoints/deployments, getLogs, activity log),
// with nextLink pagination, bearer-token checks and injectable faults (401/403/404/429+Retry-After/500,
// slow responses, hostile bodies such as endless or foreign nextLinks). Its certificate is generated at
// start with the openssl CLI, so nothing secret is committed and TLS verification stays on: clients must
// trust `caPem`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';

const ML = 'Microsoft.MachineLearningServices';

export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body?: any;
  at: number;
}

export interface Fault {
  /** Matched against the request path (without the query). */
  path: RegExp;
  method?: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests fail (default 1; Infinity for always). */
  times?: number;
  /** Hold the response until the client goes away (for cancellation tests). */
  hang?: boolean;
  /** Builds the body per request (e.g. a nextLink that changes every time); wins over `body`. */
  respond?: (url: URL) => unknown;
}

export interface FixtureDeployment {
  name: string;
  state: string;
  computeType?: 'Managed' | 'Kubernetes';
  instanceType?: string;
  instanceCount?: number;
  scale?: Record<string, unknown>;
  maxConcurrent?: number;
  /** ISO 8601 request timeout (default PT5S). */
  requestTimeout?: string;
  /** Environment version resource id (properties.environmentId). */
  environmentId?: string;
  logs?: { InferenceServer?: string; StorageInitializer?: string };
  /** Failed operations in the activity log: {code, message} of the ARM async-operation error. */
  failures?: { code: string; message: string; details?: { code: string; message: string }[] }[];
}

export interface FixtureEndpoint {
  name: string;
  state?: string;
  compute?: string;
  traffic?: Record<string, number>;
  deployments: FixtureDeployment[];
}

export interface FixtureEnvironmentVersion {
  version: string;
  image?: string;
  condaFile?: string;
  build?: { contextUri: string; dockerfilePath?: string };
  /** ISO time: `@latest` is the most recently created version. */
  created: string;
}

export interface FixtureWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  endpoints: FixtureEndpoint[];
  /** Registered environments (name -> versions). */
  environments?: Record<string, FixtureEnvironmentVersion[]>;
  computes: { name: string; type: 'AKS' | 'AmlCompute' | 'Kubernetes'; vmSize: string; nodes: number; state?: string }[];
}

export interface ArmFixture {
  subscriptions: { id: string; name: string }[];
  workspaces: FixtureWorkspace[];
  /** Items per page for every list (exercises nextLink). */
  pageSize?: number;
}

export interface ArmServer {
  url: string;
  port: number;
  caPem: string;
  caFile: string;
  requests: ArmRequest[];
  fixture: ArmFixture;
  /** The bearer token the server accepts (others get 401). */
  acceptToken: string;
  addFault(f: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function makeCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certFile: cert };
}

function wsId(w: FixtureWorkspace): string {
  return `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/${ML}/workspaces/${w.name}`;
}

export function deploymentResourceId(w: FixtureWorkspace, endpoint: string, deployment: string): string {
  return `${wsId(w)}/onlineEndpoints/${endpoint}/deployments/${deployment}`;
}

function armError(status: number): { code: string; message: string } {
  switch (status) {
    case 401:
      return { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
    case 403:
      return { code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read' over scope." };
    case 404:
      return { code: 'ResourceNotFound', message: 'The Resource was not found.' };
    case 429:
      return { code: 'TooManyRequests', message: 'The request is being throttled.' };
    default:
      return { code: 'InternalServerError', message: 'Encountered internal server error.' };
  }
}

export async function startArmServer(fixture: ArmFixture, acceptToken = 'fake-arm-token'): Promise<ArmServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-azure-cert-'));
  const { key, cert, certFile } = makeCertificate(dir);
  const requests: ArmRequest[] = [];
  let faults: Fault[] = [];
  let base = '';

  const page = (res: ServerResponse, items: unknown[], url: URL) => {
    const size = fixture.pageSize ?? 1000;
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const value = items.slice(skip, skip + size);
    let nextLink: string | undefined;
    if (skip + size < items.length) {
      const next = new URL(url.pathname, base);
      for (const [k, v] of url.searchParams) if (k !== '$skiptoken') next.searchParams.set(k, v);
      next.searchParams.set('$skiptoken', String(skip + size));
      nextLink = next.toString();
    }
    json(res, 200, nextLink ? { value, nextLink } : { value });
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': `req-${requests.length}`, ...headers });
    res.end(text);
  };

  const findWs = (sub: string, rg: string, name: string) =>
    fixture.workspaces.find((w) => w.subscriptionId === sub && w.resourceGroup.toLowerCase() === rg.toLowerCase() && w.name === name);

  const handle = (req: IncomingMessage, res: ServerResponse, bodyText: string) => {
    const url = new URL(req.url ?? '/', base);
    const p = decodeURIComponent(url.pathname);
    let body: any;
    try {
      body = bodyText ? JSON.parse(bodyText) : undefined;
    } catch {
      body = bodyText;
    }
    requests.push({ method: req.method ?? 'GET', path: p, query: url.searchParams, authorization: req.headers.authorization, body, at: Date.now() });

    const fault = faults.find((f) => f.path.test(p) && (!f.method || f.method === req.method));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults = faults.filter((f) => f !== fault);
      if (fault.hang) return; // never answered; the client must cancel
      return json(res, fault.status, fault.respond?.(url) ?? fault.body ?? { error: armError(fault.status) }, fault.headers);
    }
    if (!url.searchParams.get('api-version')) return json(res, 400, { error: { code: 'MissingApiVersionParameter', message: "The api-version query parameter (?api-version=) is required for all requests." } });
    if (req.headers.authorization !== `Bearer ${acceptToken}`) {
      return json(res, 401, { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing or invalid." } }, { 'www-authenticate': 'Bearer authorization_uri="https://login.invalid/", error="invalid_token"' });
    }

    let m: RegExpExecArray | null;
    if (req.method === 'GET' && p === '/subscriptions') {
      return page(res, fixture.subscriptions.map((s) => ({ id: `/subscriptions/${s.id}`, subscriptionId: s.id, displayName: s.name, state: 'Enabled', tenantId: '00000000-0000-0000-0000-0000000000aa' })), url);
    }
    if (req.method === 'GET' && (m = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces$/i.exec(p))) {
      const sub = m[1]!;
      if (!fixture.subscriptions.some((s) => s.id === sub)) return json(res, 404, { error: { code: 'SubscriptionNotFound', message: `The subscription '${sub}' could not be found.` } });
      return page(res, fixture.workspaces.filter((w) => w.subscriptionId === sub).map((w) => ({ id: wsId(w), name: w.name, type: `${ML}/workspaces`, location: w.location ?? 'westeurope', properties: { friendlyName: w.name, provisioningState: 'Succeeded' } })), url);
    }
    if ((m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(\/.*)?$/i.exec(p))) {
      const w = findWs(m[1]!, m[2]!, m[3]!);
      if (!w) return json(res, 404, { error: { code: 'ResourceNotFound', message: `The Resource '${ML}/workspaces/${m[3]}' under resource group '${m[2]}' was not found.` } });
      const rest = m[4] ?? '';
      let r: RegExpExecArray | null;
      if (req.method === 'GET' && rest === '/computes') {
        return page(res, w.computes.map((c) => ({
          id: `${wsId(w)}/computes/${c.name}`,
          name: c.name,
          type: `${ML}/workspaces/computes`,
          location: w.location ?? 'westeurope',
          properties: {
            computeType: c.type,
            computeLocation: w.location ?? 'westeurope',
            provisioningState: c.state ?? 'Succeeded',
            properties: c.type === 'AmlCompute' ? { vmSize: c.vmSize, currentNodeCount: c.nodes, scaleSettings: { maxNodeCount: c.nodes, minNodeCount: 0 } } : { agentCount: c.nodes, agentVmSize: c.vmSize, clusterFqdn: `${c.name}.hcp.westeurope.azmk8s.io` },
          },
        })), url);
      }
      if (req.method === 'GET' && rest === '/onlineEndpoints') {
        return page(res, w.endpoints.map((e) => ({
          id: `${wsId(w)}/onlineEndpoints/${e.name}`,
          name: e.name,
          type: `${ML}/workspaces/onlineEndpoints`,
          location: w.location ?? 'westeurope',
          kind: e.compute ? 'K8S' : 'Managed',
          identity: { type: 'SystemAssigned' },
          properties: { authMode: 'Key', scoringUri: `https://${e.name}.westeurope.inference.ml.azure.com/score`, provisioningState: e.state ?? 'Succeeded', traffic: e.traffic ?? {}, ...(e.compute ? { compute: `${wsId(w)}/computes/${e.compute}` } : {}) },
        })), url);
      }
      if (req.method === 'GET' && (r = /^\/environments\/([^/]+)\/versions(?:\/([^/]+))?$/.exec(rest))) {
        const versions = w.environments?.[r[1]!];
        if (!versions) return json(res, 404, { error: { code: 'UserError', message: `Could not find asset with name ${r[1]}` } });
        const shape = (v: FixtureEnvironmentVersion) => ({
          id: `${wsId(w)}/environments/${r![1]}/versions/${v.version}`,
          name: v.version,
          type: `${ML}/workspaces/environments/versions`,
          systemData: { createdAt: v.created },
          properties: { image: v.image, condaFile: v.condaFile, build: v.build, osType: 'Linux', isAnonymous: false },
        });
        if (r[2]) {
          const v = versions.find((x) => x.version === r![2]);
          return v ? json(res, 200, shape(v)) : json(res, 404, { error: { code: 'UserError', message: `Could not find asset with name ${r[1]} and version ${r[2]}` } });
        }
        let list = [...versions];
        if (url.searchParams.get('$orderBy') === 'createdtime desc') list.sort((a, b) => b.created.localeCompare(a.created));
        const top = Number(url.searchParams.get('$top') ?? '0');
        if (top > 0) list = list.slice(0, top);
        return page(res, list.map(shape), url);
      }
      if ((r = /^\/onlineEndpoints\/([^/]+)\/deployments(?:\/([^/]+)(\/getLogs)?)?$/.exec(rest))) {
        const e = w.endpoints.find((x) => x.name === r![1]);
        if (!e) return json(res, 404, { error: { code: 'ResourceNotFound', message: `Online endpoint ${r[1]} not found.` } });
        if (req.method === 'GET' && !r[2]) {
          return page(res, e.deployments.map((d) => ({
            id: deploymentResourceId(w, e.name, d.name),
            name: d.name,
            type: `${ML}/workspaces/onlineEndpoints/deployments`,
            location: w.location ?? 'westeurope',
            kind: d.computeType ?? 'Managed',
            sku: { name: 'Default', capacity: d.instanceCount ?? 1 },
            properties: {
              endpointComputeType: d.computeType ?? 'Managed',
              instanceType: d.instanceType,
              provisioningState: d.state,
              scaleSettings: d.scale ?? { scaleType: 'Default' },
              requestSettings: { maxConcurrentRequestsPerInstance: d.maxConcurrent ?? 1, requestTimeout: d.requestTimeout ?? 'PT5S' },
              model: `${wsId(w)}/models/diabetes/versions/1`,
              ...(d.environmentId ? { environmentId: d.environmentId } : {}),
            },
          })), url);
        }
        const d = e.deployments.find((x) => x.name === r![2]);
        if (!d) return json(res, 404, { error: { code: 'ResourceNotFound', message: `Deployment ${r[2]} not found.` } });
        if (req.method === 'POST' && r[3]) {
          const container = body?.containerType ?? 'InferenceServer';
          const all = (d.logs?.[container as 'InferenceServer'] ?? '').split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
          const tail = Number(body?.tail ?? all.length);
          return json(res, 200, { content: all.slice(Math.max(0, all.length - tail)).join('\n') + (all.length ? '\n' : '') });
        }
      }
      return json(res, 404, { error: { code: 'NoRegisteredProviderFound', message: `No route for ${req.method} ${rest}` } });
    }
    if (req.method === 'GET' && (m = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Insights\/eventtypes\/management\/values$/i.exec(p))) {
      const filter = url.searchParams.get('$filter') ?? '';
      const resourceUri = /resourceUri eq '([^']+)'/.exec(filter)?.[1];
      const events: unknown[] = [];
      for (const w of fixture.workspaces) {
        for (const e of w.endpoints) {
          for (const d of e.deployments) {
            const id = deploymentResourceId(w, e.name, d.name);
            if (resourceUri && resourceUri.toLowerCase() !== id.toLowerCase()) continue;
            (d.failures ?? []).forEach((f, i) =>
              events.push({
                eventTimestamp: new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString(),
                resourceId: id,
                operationName: { value: `${ML}/workspaces/onlineEndpoints/deployments/write`, localizedValue: 'Create or update online deployment' },
                status: { value: 'Failed', localizedValue: 'Failed' },
                properties: { statusCode: 'BadRequest', statusMessage: JSON.stringify({ status: 'Failed', error: f }) },
              }),
            );
          }
        }
      }
      return page(res, events, url);
    }
    return json(res, 404, { error: { code: 'InvalidResourceType', message: `No route for ${req.method} ${p}` } });
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  base = `https://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    caPem: cert,
    caFile: certFile,
    requests,
    fixture,
    acceptToken,
    addFault: (f) => faults.push({ times: 1, ...f }),
    clearFaults: () => (faults = []),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** A fixture with the cases the UI must show: traffic split, a failed deployment with a quota error, an AKS GPU cluster. */
export function sampleFixture(): ArmFixture {
  return {
    pageSize: 2,
    subscriptions: [
      { id: '11111111-1111-1111-1111-111111111111', name: 'ml-prod' },
      { id: '22222222-2222-2222-2222-222222222222', name: 'ml-dev' },
      { id: '33333333-3333-3333-3333-333333333333', name: 'sandbox' },
    ],
    workspaces: [
      {
        subscriptionId: '11111111-1111-1111-1111-111111111111',
        resourceGroup: 'rg-ml',
        name: 'ws-prod',
        computes: [
          { name: 'aks-gpu', type: 'AKS', vmSize: 'Standard_NC6s_v3', nodes: 3 },
          { name: 'cpu-cluster', type: 'AmlCompute', vmSize: 'STANDARD_DS3_V2', nodes: 2 },
        ],
        endpoints: [
          {
            name: 'diabetes-ep',
            traffic: { blue: 90, green: 10 },
            deployments: [
              {
                name: 'blue',
                state: 'Succeeded',
                instanceType: 'Standard_DS3_v2',
                instanceCount: 3,
                scale: { scaleType: 'TargetUtilization', minInstances: 1, maxInstances: 5, targetUtilizationPercentage: 70, pollingInterval: 'PT1S' },
                logs: {
                  InferenceServer: 'Booting worker with pid: 41\nInitializing logger\nscore.py init() done\n',
                  StorageInitializer: 'Downloading model diabetes:1\nDownload complete\n',
                },
              },
              {
                name: 'green',
                state: 'Failed',
                instanceType: 'Standard_F4s_v2',
                instanceCount: 2,
                logs: {
                  InferenceServer:
                    'Booting worker with pid: 7\nException in worker process\nTraceback (most recent call last):\n  File "/var/azureml-app/score.py", line 12, in init\n    model = joblib.load(path)\nFileNotFoundError: [Errno 2] No such file or directory: \'/var/azureml-app/azureml-models/diabetes/1/model.pkl\'\nWorker exiting (pid: 7)\n',
                  StorageInitializer: 'Downloading model diabetes:1\nDownload complete\n',
                },
                failures: [
                  {
                    code: 'OutOfQuota',
                    message: 'Not enough quota available for Standard_F4s_v2 in SubscriptionId 11111111-1111-1111-1111-111111111111. Current usage/limit: 0/6. Additional needed: 8',
                  },
                ],
              },
              { name: 'gray', state: 'Creating', instanceType: 'Standard_DS2_v2', instanceCount: 1 },
            ],
          },
          {
            name: 'aks-ep',
            compute: 'aks-gpu',
            traffic: { gpu: 100 },
            deployments: [
              {
                name: 'gpu',
                state: 'Failed',
                computeType: 'Kubernetes',
                instanceType: 'gpuinstancetype',
                instanceCount: 1,
                failures: [
                  {
                    code: 'DeploymentFailed',
                    message: 'Kubernetes deployment failed',
                    details: [
                      { code: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.' },
                      { code: 'DeploymentFailed', message: "Couldn't Schedule because the kubernetes cluster didn't have available resources after trying for 00:05:00." },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      { subscriptionId: '22222222-2222-2222-2222-222222222222', resourceGroup: 'rg-dev', name: 'ws-dev', computes: [], endpoints: [] },
    ],
  };
}
