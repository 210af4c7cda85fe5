// The Azure layer as the rest of the extension sees it. The implementation over the @azure SDKs lives in
// sdkClient.ts and is bundled separately (dist/azure.js) so the SDKs load only on first Azure use.
import type { TokenCredential } from '@azure/core-auth';
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import { ForeignHostError } from './errors';
import type { AzureEnvironmentVersion } from '../environment/types';
import type {
  AzureSubscription,
  AzureWorkspace,
  ComputeInfo,
  LogContainer,
  OnlineDeploymentInfo,
  OnlineEndpointInfo,
  OperationFailure,
  WorkspaceRef,
} from './types';

export const DEFAULT_RESOURCE_MANAGER_ENDPOINT = 'https://management.azure.com';

export interface AzureClientOptions {
  credential: TokenCredential;
  /** Resource-manager endpoint (sovereign clouds, Azure Stack, tests). Default https://management.azure.com. */
  resourceManagerEndpoint?: string;
  logger?: Logger;
  retry?: {
    /** Retries per request for 429/5xx/network errors (default 3). */
    maxRetries?: number;
    retryDelayInMs?: number;
    maxRetryDelayInMs?: number;
    /** A Retry-After longer than this is not waited for: the call fails as 'throttled' at once (default 30 s). */
    maxRetryAfterMs?: number;
  };
  /** Extra trusted CA certificates (PEM) added to Node's defaults, for private clouds and tests. */
  tls?: { ca?: string | string[] };
  /** Safety cap on items collected from one paged list (default 2000). */
  maxItems?: number;
  /** Safety cap on pages (nextLink requests) of one list, empty pages included (default 100). */
  maxPages?: number;
}

export interface LogsRequest {
  container: LogContainer;
  /** Number of lines from the end (getLogs `tail`). */
  tail: number;
}

export interface AzureClient {
  readonly endpoint: string;
  listSubscriptions(signal?: AbortSignal): Promise<AzureSubscription[]>;
  listWorkspaces(subscriptionId: string, signal?: AbortSignal): Promise<AzureWorkspace[]>;
  listComputes(ref: WorkspaceRef, signal?: AbortSignal): Promise<ComputeInfo[]>;
  listOnlineEndpoints(ref: WorkspaceRef, signal?: AbortSignal): Promise<OnlineEndpointInfo[]>;
  /** Traffic percentages come from `endpoint` when passed as the endpoint object. */
  listOnlineDeployments(ref: WorkspaceRef, endpoint: OnlineEndpointInfo | string, signal?: AbortSignal): Promise<OnlineDeploymentInfo[]>;
  getDeploymentLogs(ref: WorkspaceRef, endpoint: string, deployment: string, request: LogsRequest, signal?: AbortSignal): Promise<string>;
  /** Failed control-plane operations on a resource in the last `days` days (ARM activity log), newest first. */
  listOperationFailures(subscriptionId: string, resourceId: string, days: number, signal?: AbortSignal): Promise<OperationFailure[]>;
  /** A registered environment version (image, conda file, build context); version undefined = the latest. */
  getEnvironmentVersion(ref: WorkspaceRef, name: string, version: string | undefined, signal?: AbortSignal): Promise<AzureEnvironmentVersion>;
}

/** The shape of dist/azure.js (src/azure/index.ts). */
export interface AzureModule {
  createAzureClient(options: AzureClientOptions): AzureClient;
  createIdentityCredential(kind: 'azureCli' | 'default', options?: { tenantId?: string; processTimeoutInMs?: number }): TokenCredential;
}

/** Parses /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}[/...]. */
export function parseWorkspaceId(id: string): WorkspaceRef | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)/i.exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, workspace: m[3]! } : undefined;
}

/** Normalizes an endpoint setting: https only (http allowed for loopback), no trailing slash. */
export function normalizeEndpoint(raw: string | undefined): string {
  const text = (raw ?? '').trim() || DEFAULT_RESOURCE_MANAGER_ENDPOINT;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(l10n.t('The resource-manager endpoint "{0}" is not a URL (expected e.g. {1}).', text, DEFAULT_RESOURCE_MANAGER_ENDPOINT));
  }
  if (url.protocol !== 'https:') throw new Error(l10n.t('The resource-manager endpoint must use https (got "{0}"): tokens are never sent in clear text.', text));
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The token scope for a resource-manager endpoint: `<endpoint>/.default`. */
export function scopeFor(endpoint: string): string {
  return `${normalizeEndpoint(endpoint)}/.default`;
}

/**
 * The one rule for where a request of the Azure layer may go, SDK and raw lists alike: the configured
 * endpoint's origin (https, same host and port). A nextLink in an ARM response is server data: anything
 * else is refused before a token is attached.
 */
export function assertEndpointHost(url: string, endpoint: string): void {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ForeignHostError(String(url).slice(0, 200), new URL(endpoint).host);
  }
  const allowed = new URL(endpoint);
  if (target.protocol !== 'https:' || target.host.toLowerCase() !== allowed.host.toLowerCase()) throw new ForeignHostError(target.host || target.href.slice(0, 200), allowed.host);
}

/**
 * Bounds one paged list: a page limit (a server can hand out a new nextLink with an empty page forever)
 * and a stop on a nextLink seen before (a loop). One per list call; `accept` is called with the URL of
 * every page requested.
 */
export class PageGuard {
  private readonly seen = new Set<string>();
  pages = 0;

  constructor(readonly maxPages: number) {}

  /** 'repeated': this URL was requested before (the list is complete); otherwise counts the page. */
  accept(url: string): 'ok' | 'repeated' {
    if (this.seen.has(url)) return 'repeated';
    this.seen.add(url);
    this.pages++;
    return 'ok';
  }

  /** True once maxPages pages were accepted: request no further page. */
  get full(): boolean {
    return this.pages >= this.maxPages;
  }
}
