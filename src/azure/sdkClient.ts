// AzureClient over the real SDKs: @azure/arm-machinelearningservices (workspaces, computes),
// @azure/arm-machinelearning (online endpoints, deployments, getLogs) and one @azure/core-client
// ServiceClient for the two ARM calls without a bundled SDK (subscriptions list, activity log).
// Every client gets the same pipeline options: endpoint and $host from the setting (the generated
// clients build URLs from $host, not from endpoint), a token scope that follows the endpoint, bounded
// retries, a cap on Retry-After, and optional extra CA certificates.
import * as tls from 'node:tls';
import { AzureMachineLearningWorkspaces as MlClient } from '@azure/arm-machinelearning';
import { AzureMachineLearningWorkspaces as MlServicesClient } from '@azure/arm-machinelearningservices';
import { ServiceClient, type ServiceClientOptions } from '@azure/core-client';
import { createPipelineRequest, RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { nullLogger, redactSecrets, type Logger } from '../common/logger';
import type { AzureEnvironmentVersion } from '../environment/types';
import { normalizeEndpoint, parseWorkspaceId, scopeFor, type AzureClient, type AzureClientOptions, type LogsRequest } from './client';
import { RetryAfterTooLongError, retryAfterMs, toAzureError } from './errors';
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

/** Fails fast when the server asks to wait longer than we accept; shorter waits are left to the SDK's throttling retry. */
function retryAfterCapPolicy(maxMs: number): PipelinePolicy {
  return {
    name: 'amlDoctorRetryAfterCap',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status === 429 || response.status === 503) {
        const wait = retryAfterMs(response.headers);
        if (wait !== undefined && wait > maxMs) throw new RetryAfterTooLongError(response.status, wait);
      }
      return response;
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
  private readonly ml = new Map<string, MlClient>();
  private readonly mlServices = new Map<string, MlServicesClient>();
  private raw?: ServiceClient;

  constructor(private readonly config: AzureClientOptions) {
    this.endpoint = normalizeEndpoint(config.resourceManagerEndpoint);
    this.log = config.logger ?? nullLogger;
    this.maxItems = config.maxItems ?? 2000;
    const r = config.retry ?? {};
    const extraCa = config.tls?.ca === undefined ? [] : Array.isArray(config.tls.ca) ? config.tls.ca : [config.tls.ca];
    this.options = {
      endpoint: this.endpoint,
      $host: this.endpoint,
      credential: config.credential,
      credentialScopes: [scopeFor(this.endpoint)],
      retryOptions: { maxRetries: r.maxRetries ?? 3, retryDelayInMs: r.retryDelayInMs ?? 800, maxRetryDelayInMs: r.maxRetryDelayInMs ?? 8000 },
      // A `ca` replaces Node's root store for the agent: keep the defaults and add the extra ones.
      tlsOptions: extraCa.length ? { ca: [...tls.rootCertificates, ...extraCa] } : undefined,
      additionalPolicies: [
        { policy: retryAfterCapPolicy(r.maxRetryAfterMs ?? 30_000), position: 'perRetry' },
        { policy: requestLogPolicy(this.log), position: 'perRetry' },
      ],
      userAgentOptions: { userAgentPrefix: 'aml-deploy-doctor' },
    };
  }

  private mlClient(subscriptionId: string): MlClient {
    let c = this.ml.get(subscriptionId);
    if (!c) this.ml.set(subscriptionId, (c = new MlClient(this.config.credential, subscriptionId, this.options)));
    return c;
  }

  private mlServicesClient(subscriptionId: string): MlServicesClient {
    let c = this.mlServices.get(subscriptionId);
    if (!c) this.mlServices.set(subscriptionId, (c = new MlServicesClient(this.config.credential, subscriptionId, this.options)));
    return c;
  }

  private rawClient(): ServiceClient {
    return (this.raw ??= new ServiceClient(this.options));
  }

  private async collect<T>(iter: AsyncIterable<T>, signal: AbortSignal | undefined): Promise<T[]> {
    const out: T[] = [];
    for await (const item of iter) {
      if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      out.push(item);
      if (out.length >= this.maxItems) {
        this.log.warn(`azure: stopped after ${this.maxItems} items`);
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
  private async rawList(firstUrl: string, signal: AbortSignal | undefined): Promise<Loose[]> {
    const client = this.rawClient();
    const origin = new URL(this.endpoint).origin;
    const out: Loose[] = [];
    const seen = new Set<string>();
    let url: string | undefined = firstUrl;
    while (url) {
      if (new URL(url).origin !== origin) throw new Error(`refusing to follow nextLink to another host (${new URL(url).host})`);
      if (seen.has(url)) break; // a server repeating its nextLink would loop forever
      seen.add(url);
      const request = createPipelineRequest({ url, method: 'GET', abortSignal: signal });
      const response = await client.sendRequest(request);
      if (response.status >= 400) {
        throw new RestError(`HTTP ${response.status}`, { statusCode: response.status, request, response });
      }
      const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: Loose[]; nextLink?: string };
      out.push(...(body.value ?? []));
      if (out.length >= this.maxItems) break;
      url = body.nextLink || undefined;
    }
    return out;
  }

  listSubscriptions(signal?: AbortSignal): Promise<AzureSubscription[]> {
    return this.guard('list subscriptions', async () => {
      const items = await this.rawList(`${this.endpoint}/subscriptions?api-version=${SUBSCRIPTIONS_API}`, signal);
      return items
        .map((s) => ({ id: String(s.subscriptionId ?? ''), name: String(s.displayName ?? s.subscriptionId ?? ''), state: s.state, tenantId: s.tenantId }))
        .filter((s) => s.id)
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  listWorkspaces(subscriptionId: string, signal?: AbortSignal): Promise<AzureWorkspace[]> {
    return this.guard(`list Azure ML workspaces in subscription ${subscriptionId}`, async () => {
      const items = await this.collect(this.mlServicesClient(subscriptionId).workspaces.listBySubscription({ abortSignal: signal }), signal);
      const out: AzureWorkspace[] = [];
      for (const w of items) {
        const ref = w.id ? parseWorkspaceId(w.id) : undefined;
        if (ref) out.push({ ...ref, id: w.id!, location: w.location });
      }
      return out.sort((a, b) => a.workspace.localeCompare(b.workspace));
    });
  }

  listComputes(ref: WorkspaceRef, signal?: AbortSignal): Promise<ComputeInfo[]> {
    return this.guard(`list compute targets in workspace ${ref.workspace}`, async () => {
      const items = await this.collect(this.mlServicesClient(ref.subscriptionId).computeOperations.list(ref.resourceGroup, ref.workspace, { abortSignal: signal }), signal);
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
    return this.guard(`list online endpoints in workspace ${ref.workspace}`, async () => {
      const items = await this.collect(this.mlClient(ref.subscriptionId).onlineEndpoints.list(ref.resourceGroup, ref.workspace, { abortSignal: signal }), signal);
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
    return this.guard(`list deployments of endpoint ${name}`, async () => {
      const items = await this.collect(this.mlClient(ref.subscriptionId).onlineDeployments.list(ref.resourceGroup, ref.workspace, name, { abortSignal: signal }), signal);
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
    return this.guard(`get ${request.container} logs of deployment ${endpoint}/${deployment}`, async () => {
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
    return this.guard(`read the activity log of ${resourceId.split('/').pop()}`, async () => {
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      const filter = `eventTimestamp ge '${since}' and resourceUri eq '${resourceId}'`;
      const url = `${this.endpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Insights/eventtypes/management/values?api-version=${ACTIVITY_LOG_API}&$filter=${encodeURIComponent(filter)}`;
      const events = await this.rawList(url, signal);
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
    return this.guard(`read environment ${name}${version ? `:${version}` : '@latest'} in workspace ${ref.workspace}`, async () => {
      const versions = this.mlClient(ref.subscriptionId).environmentVersions;
      if (version) return environmentVersionOf(name, await versions.get(ref.resourceGroup, ref.workspace, name, version, { abortSignal: signal }));
      // @latest, as the CLI resolves it: the most recently created version.
      for await (const v of versions.list(ref.resourceGroup, ref.workspace, name, { orderBy: 'createdtime desc', top: 1, abortSignal: signal })) return environmentVersionOf(name, v);
      throw Object.assign(new Error(`The environment ${name} has no versions in workspace ${ref.workspace}.`), { statusCode: 404 });
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
