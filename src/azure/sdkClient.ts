// AzureClient over the real SDKs: @azure/arm-machinelearningservices (workspaces, computes),
// @azure/arm-machinelearning (online endpoints, deployments, getLogs) and one @azure/core-client
// ServiceClient for the two ARM calls without a bundled SDK (subscriptions list, activity log).
// Every client gets the same pipeline options: endpoint and $host from the setting (the generated
// clients build URLs from $host, not from endpoint), a token scope that follows the endpoint, bounded
// retries, a cap on Retry-After, and optional extra CA certificates; and the same policies on top: only
// the endpoint's host is contacted (nextLinks are server data), and a proxy refusing the tunnel is named.
import type * as http from 'node:http';
import * as tls from 'node:tls';
import { AzureMachineLearningWorkspaces as MlClient } from '@azure/arm-machinelearning';
import { AzureMachineLearningWorkspaces as MlServicesClient } from '@azure/arm-machinelearningservices';
import { ServiceClient, type FullOperationResponse, type OperationOptions, type ServiceClientOptions } from '@azure/core-client';
import type { PagedAsyncIterableIterator } from '@azure/core-paging';
import { bearerTokenAuthenticationPolicyName, createPipelineRequest, RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { HttpsProxyAgent } from 'https-proxy-agent';
import * as l10n from '../common/l10n';
import { nullLogger, redactSecrets, type Logger } from '../common/logger';
import { assertEndpointHost, normalizeEndpoint, PageGuard, parseWorkspaceId, scopeFor, type AzureClient, type AzureClientOptions, type LogsRequest } from './client';
import { ProxyRefusedError, RETRY_AFTER_HEADERS, RetryAfterTooLongError, retryAfterMs, toAzureError } from './errors';
import type { AzureEnvironmentVersion } from '../environment/types';
import {
  isGpuVmSize,
  type AzureSubscription,
  type AzureWorkspace,
  type ComputeInfo,
  type OnlineDeploymentInfo,
  type OnlineEndpointInfo,
  type OperationFailure,
  type WorkspaceRef,
} from './types';

const SUBSCRIPTIONS_API = '2022-12-01';
const ACTIVITY_LOG_API = '2015-04-01';

/**
 * Caps every Retry-After, the SDK's own throttling retry included: a wait beyond the cap fails at once
 * (the caller tells the user how long Azure asked for); a shorter one is handed to the SDK as the single
 * header it will read, so no header the SDK parses differently ("1e6", an HTTP date) can make it sleep longer.
 */
function retryAfterCapPolicy(maxMs: number): PipelinePolicy {
  return {
    name: 'amlDoctorRetryAfterCap',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status === 429 || response.status === 503) {
        const wait = retryAfterMs(response.headers);
        if (wait !== undefined && wait > maxMs) throw new RetryAfterTooLongError(response.status, wait, maxMs);
        for (const h of RETRY_AFTER_HEADERS) response.headers.delete(h);
        if (wait !== undefined) response.headers.set('retry-after-ms', String(Math.round(wait)));
      }
      return response;
    },
  };
}

/** Refuses any request to a host other than the endpoint's; placed before the bearer-token policy. */
function endpointHostPolicy(endpoint: string): PipelinePolicy {
  return {
    name: 'amlDoctorEndpointHostOnly',
    sendRequest(request, next) {
      assertEndpointHost(request.url, endpoint);
      return next(request);
    },
  };
}

const PROXY_REFUSED = 'AMLD_PROXY_CONNECT_';

/**
 * The SDK's proxy agent (https-proxy-agent) turns a refused CONNECT into the proxy's own response, replayed
 * as if the target had sent it: a proxy's 403 would read as Azure's "no permission". This agent fails the
 * request instead, with the proxy's status in the error code. It also carries the extra CA certificates
 * into the tunnel (the SDK drops TLS options when a proxy is used).
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(proxy: URL, private readonly ca: string[] | undefined) {
    super(proxy);
  }

  override async connect(req: http.ClientRequest, opts: Parameters<HttpsProxyAgent<string>['connect']>[1]) {
    let status: number | undefined;
    const onConnect = (c: { statusCode: number }) => (status = c.statusCode);
    req.once('proxyConnect', onConnect);
    try {
      const socket = await super.connect(req, this.ca && opts.secureEndpoint && !opts.ca ? { ...opts, ca: this.ca } : opts);
      if (status !== undefined && status !== 200) {
        socket.destroy();
        throw Object.assign(new Error(l10n.t('proxy answered CONNECT with HTTP {0}', status)), { code: `${PROXY_REFUSED}${status}` });
      }
      return socket;
    } finally {
      req.removeListener('proxyConnect', onConnect);
    }
  }
}

/** Swaps the SDK's proxy agent (set by its proxy policy from HTTPS_PROXY/NO_PROXY) for a TunnelAgent. */
function proxyRefusalPolicy(ca: string[] | undefined): PipelinePolicy {
  const agents = new Map<string, TunnelAgent>();
  return {
    name: 'amlDoctorProxyRefusal',
    async sendRequest(request, next) {
      const sdkAgent = request.agent;
      if (!(sdkAgent instanceof HttpsProxyAgent) || !request.url.startsWith('https:')) return next(request);
      const proxy = sdkAgent.proxy;
      let agent = agents.get(proxy.href);
      if (!agent) agents.set(proxy.href, (agent = new TunnelAgent(proxy, ca)));
      request.agent = agent;
      try {
        return await next(request);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith(PROXY_REFUSED)) {
          // Never the proxy URL itself: it may carry user:password.
          throw new ProxyRefusedError(proxy.host, Number(code.slice(PROXY_REFUSED.length)), new URL(request.url).host);
        }
        throw err;
      } finally {
        request.agent = sdkAgent;
      }
    },
  };
}

/** Logs each request's method, path and status (never headers or bodies: they carry tokens). */
function requestLogPolicy(log: Logger): PipelinePolicy {
  return {
    name: 'amlDoctorRequestLog',
    async sendRequest(request, next) {
      const started = Date.now();
      const path = request.url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '');
      try {
        const response = await next(request);
        log.debug(`azure ${request.method} ${path} -> ${response.status} (${Date.now() - started} ms)`);
        return response;
      } catch (err) {
        log.debug(`azure ${request.method} ${path} -> ${redactSecrets(String((err as Error).message))}`);
        throw err;
      }
    },
  };
}

type Loose = Record<string, any>;

export class SdkAzureClient implements AzureClient {
  readonly endpoint: string;
  private readonly log: Logger;
  private readonly options: ServiceClientOptions & { $host: string };
  private readonly maxItems: number;
  private readonly maxPages: number;
  private readonly hostOnly: PipelinePolicy;
  private readonly ml = new Map<string, MlClient>();
  private readonly mlServices = new Map<string, MlServicesClient>();
  private raw?: ServiceClient;

  constructor(private readonly config: AzureClientOptions) {
    this.endpoint = normalizeEndpoint(config.resourceManagerEndpoint);
    this.log = config.logger ?? nullLogger;
    this.maxItems = config.maxItems ?? 2000;
    this.maxPages = config.maxPages ?? 100;
    this.hostOnly = endpointHostPolicy(this.endpoint);
    const r = config.retry ?? {};
    const extraCa = config.tls?.ca === undefined ? [] : Array.isArray(config.tls.ca) ? config.tls.ca : [config.tls.ca];
    const ca = extraCa.length ? [...tls.rootCertificates, ...extraCa] : undefined;
    this.options = {
      endpoint: this.endpoint,
      $host: this.endpoint,
      credential: config.credential,
      credentialScopes: [scopeFor(this.endpoint)],
      retryOptions: { maxRetries: r.maxRetries ?? 3, retryDelayInMs: r.retryDelayInMs ?? 800, maxRetryDelayInMs: r.maxRetryDelayInMs ?? 8000 },
      // A `ca` replaces Node's root store for the agent: keep the defaults and add the extra ones.
      tlsOptions: ca ? { ca } : undefined,
      additionalPolicies: [
        { policy: retryAfterCapPolicy(r.maxRetryAfterMs ?? 30_000), position: 'perRetry' },
        { policy: proxyRefusalPolicy(ca), position: 'perRetry' },
        { policy: requestLogPolicy(this.log), position: 'perRetry' },
      ],
      userAgentOptions: { userAgentPrefix: 'aml-deploy-doctor' },
    };
  }

  /** Every client checks the host before its bearer-token policy runs, so a token never leaves for another host. */
  private guarded<C extends ServiceClient>(client: C): C {
    client.pipeline.addPolicy(this.hostOnly, { beforePolicies: [bearerTokenAuthenticationPolicyName] });
    return client;
  }

  private mlClient(subscriptionId: string): MlClient {
    let c = this.ml.get(subscriptionId);
    if (!c) this.ml.set(subscriptionId, (c = this.guarded(new MlClient(this.config.credential, subscriptionId, this.options))));
    return c;
  }

  private mlServicesClient(subscriptionId: string): MlServicesClient {
    let c = this.mlServices.get(subscriptionId);
    if (!c) this.mlServices.set(subscriptionId, (c = this.guarded(new MlServicesClient(this.config.credential, subscriptionId, this.options))));
    return c;
  }

  private rawClient(): ServiceClient {
    return (this.raw ??= this.guarded(new ServiceClient(this.options)));
  }

  private stopped(what: string, why: 'items' | 'pages' | 'repeated'): void {
    if (why === 'items') this.log.warn(`azure: ${what}: stopped after ${this.maxItems} items`);
    else if (why === 'pages') this.log.warn(`azure: ${what}: stopped after ${this.maxPages} pages (the server kept sending a nextLink)`);
    else this.log.warn(`azure: ${what}: the server sent a nextLink it had sent before; the list ends there`);
  }

  /** Collects a paged SDK list page by page, within the item and page limits, stopping on a repeated nextLink. */
  private async collect<T>(what: string, list: (options: OperationOptions) => PagedAsyncIterableIterator<T>, signal: AbortSignal | undefined): Promise<T[]> {
    const guard = new PageGuard(this.maxPages);
    let repeated = false;
    // Called with every page's response before the page is handed out: the URL each page came from.
    const onResponse = (raw: FullOperationResponse) => {
      if (guard.accept(raw.request.url) === 'repeated') repeated = true;
    };
    const out: T[] = [];
    for await (const page of list({ abortSignal: signal, onResponse }).byPage()) {
      if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      if (repeated) {
        this.stopped(what, 'repeated');
        break;
      }
      out.push(...page.slice(0, this.maxItems - out.length));
      if (out.length >= this.maxItems) {
        this.stopped(what, 'items');
        break;
      }
      if (guard.full) {
        this.stopped(what, 'pages');
        break;
      }
    }
    return out;
  }

  private async guard<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const e = toAzureError(err, what, this.endpoint);
      this.log.warn(`azure: ${e.message}`);
      throw e;
    }
  }

  /** GET with nextLink pagination through the shared pipeline, for ARM lists without an SDK here. */
  private async rawList(what: string, firstUrl: string, signal: AbortSignal | undefined): Promise<Loose[]> {
    const client = this.rawClient();
    const guard = new PageGuard(this.maxPages);
    const out: Loose[] = [];
    let url: string | undefined = firstUrl;
    while (url) {
      assertEndpointHost(url, this.endpoint); // also enforced by the pipeline policy: fail before building the request
      if (guard.accept(url) === 'repeated') {
        this.stopped(what, 'repeated');
        break;
      }
      const request = createPipelineRequest({ url, method: 'GET', abortSignal: signal });
      const response = await client.sendRequest(request);
      if (response.status >= 400) {
        throw new RestError(`HTTP ${response.status}`, { statusCode: response.status, request, response });
      }
      const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: Loose[]; nextLink?: string };
      out.push(...(Array.isArray(body.value) ? body.value : []).slice(0, this.maxItems - out.length));
      url = typeof body.nextLink === 'string' && body.nextLink ? body.nextLink : undefined;
      if (url && out.length >= this.maxItems) {
        this.stopped(what, 'items');
        break;
      }
      if (url && guard.full) {
        this.stopped(what, 'pages');
        break;
      }
    }
    return out;
  }

  listSubscriptions(signal?: AbortSignal): Promise<AzureSubscription[]> {
    return this.guard(l10n.t('list subscriptions'), async () => {
      const items = await this.rawList('list subscriptions', `${this.endpoint}/subscriptions?api-version=${SUBSCRIPTIONS_API}`, signal);
      return items
        .map((s) => ({ id: String(s.subscriptionId ?? ''), name: String(s.displayName ?? s.subscriptionId ?? ''), state: s.state, tenantId: s.tenantId }))
        .filter((s) => s.id)
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  listWorkspaces(subscriptionId: string, signal?: AbortSignal): Promise<AzureWorkspace[]> {
    return this.guard(l10n.t('list Azure ML workspaces in subscription {0}', subscriptionId), async () => {
      const items = await this.collect('list workspaces', (o) => this.mlServicesClient(subscriptionId).workspaces.listBySubscription(o), signal);
      const out: AzureWorkspace[] = [];
      for (const w of items) {
        const ref = w.id ? parseWorkspaceId(w.id) : undefined;
        if (ref) out.push({ ...ref, id: w.id!, location: w.location });
      }
      return out.sort((a, b) => a.workspace.localeCompare(b.workspace));
    });
  }

  listComputes(ref: WorkspaceRef, signal?: AbortSignal): Promise<ComputeInfo[]> {
    return this.guard(l10n.t('list compute targets in workspace {0}', ref.workspace), async () => {
      const items = await this.collect('list compute targets', (o) => this.mlServicesClient(ref.subscriptionId).computeOperations.list(ref.resourceGroup, ref.workspace, o), signal);
      return items
        .map((c): ComputeInfo => {
          const p = (c.properties ?? {}) as Loose;
          const inner = (p.properties ?? {}) as Loose;
          const vmSize: string | undefined = inner.agentVmSize ?? inner.vmSize ?? inner.defaultInstanceType;
          const nodeCount: number | undefined = inner.agentCount ?? inner.currentNodeCount ?? inner.scaleSettings?.maxNodeCount;
          return {
            ref,
            name: c.name ?? '',
            id: c.id ?? '',
            computeType: p.computeType,
            provisioningState: p.provisioningState,
            location: p.computeLocation ?? c.location,
            vmSize,
            nodeCount,
            gpu: isGpuVmSize(vmSize),
            clusterFqdn: inner.clusterFqdn,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  listOnlineEndpoints(ref: WorkspaceRef, signal?: AbortSignal): Promise<OnlineEndpointInfo[]> {
    return this.guard(l10n.t('list online endpoints in workspace {0}', ref.workspace), async () => {
      const items = await this.collect('list online endpoints', (o) => this.mlClient(ref.subscriptionId).onlineEndpoints.list(ref.resourceGroup, ref.workspace, o), signal);
      return items
        .map((e): OnlineEndpointInfo => ({
          ref,
          name: e.name ?? '',
          id: e.id ?? '',
          provisioningState: e.properties.provisioningState,
          authMode: e.properties.authMode,
          scoringUri: e.properties.scoringUri,
          compute: e.properties.compute,
          traffic: { ...(e.properties.traffic ?? {}) },
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  listOnlineDeployments(ref: WorkspaceRef, endpoint: OnlineEndpointInfo | string, signal?: AbortSignal): Promise<OnlineDeploymentInfo[]> {
    const name = typeof endpoint === 'string' ? endpoint : endpoint.name;
    const traffic = typeof endpoint === 'string' ? {} : endpoint.traffic;
    return this.guard(l10n.t('list deployments of endpoint {0}', name), async () => {
      const items = await this.collect('list deployments', (o) => this.mlClient(ref.subscriptionId).onlineDeployments.list(ref.resourceGroup, ref.workspace, name, o), signal);
      return items
        .map((d): OnlineDeploymentInfo => {
          const p = d.properties as Loose;
          const scale = p.scaleSettings as Loose | undefined;
          return {
            ref,
            endpoint: name,
            name: d.name ?? '',
            id: d.id ?? '',
            provisioningState: p.provisioningState,
            computeType: p.endpointComputeType,
            instanceType: p.instanceType,
            instanceCount: d.sku?.capacity,
            scale: scale
              ? {
                  type: scale.scaleType,
                  minInstances: scale.minInstances,
                  maxInstances: scale.maxInstances,
                  targetUtilizationPercentage: scale.targetUtilizationPercentage,
                  pollingInterval: scale.pollingInterval,
                }
              : undefined,
            maxConcurrentRequestsPerInstance: p.requestSettings?.maxConcurrentRequestsPerInstance,
            requestTimeout: p.requestSettings?.requestTimeout,
            model: p.model,
            environment: p.environmentId,
            traffic: traffic[d.name ?? ''] ?? 0,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  getDeploymentLogs(ref: WorkspaceRef, endpoint: string, deployment: string, request: LogsRequest, signal?: AbortSignal): Promise<string> {
    return this.guard(l10n.t('get {0} logs of deployment {1}/{2}', request.container, endpoint, deployment), async () => {
      const tail = Math.max(1, Math.min(10000, Math.floor(request.tail)));
      const r = await this.mlClient(ref.subscriptionId).onlineDeployments.getLogs(
        ref.resourceGroup,
        ref.workspace,
        endpoint,
        deployment,
        { containerType: request.container, tail },
        { abortSignal: signal },
      );
      return r.content ?? '';
    });
  }

  listOperationFailures(subscriptionId: string, resourceId: string, days: number, signal?: AbortSignal): Promise<OperationFailure[]> {
    return this.guard(l10n.t('read the activity log of {0}', resourceId.split('/').pop() ?? ''), async () => {
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      const filter = `eventTimestamp ge '${since}' and resourceUri eq '${resourceId}'`;
      const url = `${this.endpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Insights/eventtypes/management/values?api-version=${ACTIVITY_LOG_API}&$filter=${encodeURIComponent(filter)}`;
      const events = await this.rawList('read the activity log', url, signal);
      const failures: OperationFailure[] = [];
      for (const ev of events) {
        if (String(ev.status?.value ?? '').toLowerCase() !== 'failed') continue;
        const parsed = parseStatusMessage(ev.properties?.statusMessage);
        failures.push({
          operation: String(ev.operationName?.localizedValue ?? ev.operationName?.value ?? 'operation'),
          time: ev.eventTimestamp,
          code: parsed.code ?? ev.properties?.statusCode,
          message: parsed.message || String(ev.properties?.statusMessage ?? ev.description ?? 'failed'),
        });
      }
      return failures.sort((a, b) => String(b.time).localeCompare(String(a.time)));
    });
  }

  getEnvironmentVersion(ref: WorkspaceRef, name: string, version: string | undefined, signal?: AbortSignal): Promise<AzureEnvironmentVersion> {
    return this.guard(l10n.t('read environment {0} in workspace {1}', `${name}${version ? `:${version}` : '@latest'}`, ref.workspace), async () => {
      const versions = this.mlClient(ref.subscriptionId).environmentVersions;
      if (version) return environmentVersionOf(name, await versions.get(ref.resourceGroup, ref.workspace, name, version, { abortSignal: signal }));
      // @latest, as the CLI resolves it: the most recently created version.
      for await (const v of versions.list(ref.resourceGroup, ref.workspace, name, { orderBy: 'createdtime desc', top: 1, abortSignal: signal })) return environmentVersionOf(name, v);
      throw Object.assign(new Error(l10n.t('The environment {0} has no versions in workspace {1}.', name, ref.workspace)), { statusCode: 404 });
    });
  }
}

/** What local deployments need of an environment version (image, conda file text, build context). */
function environmentVersionOf(name: string, e: { name?: string; properties?: Loose }): AzureEnvironmentVersion {
  const p = (e.properties ?? {}) as Loose;
  const build = p.build as Loose | undefined;
  return {
    name,
    version: String(e.name ?? ''),
    image: typeof p.image === 'string' ? p.image : undefined,
    condaFile: typeof p.condaFile === 'string' ? p.condaFile : undefined,
    build: build?.contextUri ? { contextUri: String(build.contextUri), dockerfilePath: build.dockerfilePath } : undefined,
  };
}

/** statusMessage is a JSON string: {"status":"Failed","error":{"code","message","details":[...]}}. */
function parseStatusMessage(text: unknown): { code?: string; message: string } {
  if (typeof text !== 'string') return { message: '' };
  try {
    const parsed = JSON.parse(text) as Loose;
    const err = (parsed.error ?? parsed) as Loose;
    const parts: string[] = [];
    const walk = (e: Loose | undefined, depth: number) => {
      if (!e || depth > 5) return;
      if (e.message) parts.push(e.code ? `${e.code}: ${e.message}` : String(e.message));
      for (const d of (e.details as Loose[] | undefined) ?? []) walk(d, depth + 1);
    };
    walk(err, 0);
    return { code: err.code, message: parts.join('\n') };
  } catch {
    return { message: text };
  }
}

export function createAzureClient(options: AzureClientOptions): AzureClient {
  return new SdkAzureClient(options);
}
