// Turns failures of the Azure SDK pipeline (RestError, AbortError, Node network/TLS errors, credential
// errors) into one error type with a kind the UI can act on and a message a user understands.
// Pure and SDK-free: it reads the duck-typed shape, so the extension bundle can use it without the SDKs.
import * as l10n from '../common/l10n';
import { redactSecrets } from '../common/logger';

export type AzureErrorKind =
  | 'signedOut' // no credential / credential unavailable
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'notFound' // 404
  | 'throttled' // 429 (after the SDK's own bounded retries, or Retry-After beyond our cap)
  | 'server' // 5xx
  | 'badRequest' // other 4xx
  | 'network'
  | 'proxy' // the HTTPS proxy refused the tunnel: Azure was never reached
  | 'foreignHost' // a response pointed at another host (nextLink): refused before any token was attached
  | 'certificate'
  | 'cancelled'
  | 'unknown';

export class AzureError extends Error {
  constructor(
    readonly kind: AzureErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number; requestId?: string } = {},
  ) {
    super(message);
    this.name = 'AzureError';
  }
}

/** Thrown by our pipeline policy when the server asks to wait longer than we are willing to block. */
export class RetryAfterTooLongError extends Error {
  constructor(readonly status: number, readonly retryAfterMs: number, readonly capMs?: number) {
    super(l10n.t('Azure asked to retry after {0}', formatWait(retryAfterMs)));
    this.name = 'RetryAfterTooLongError';
  }
}

/** A request (a nextLink from a response) aimed at a host other than the configured endpoint's. */
export class ForeignHostError extends Error {
  constructor(readonly host: string, readonly allowedHost: string) {
    super(l10n.t('refused a request to {0}: only {1} (amlDoctor.azure.resourceManagerEndpoint) is contacted', host, allowedHost));
    this.name = 'ForeignHostError';
  }
}

/** The HTTPS proxy answered CONNECT with something other than 200: the request never reached Azure. */
export class ProxyRefusedError extends Error {
  constructor(readonly proxyHost: string, readonly status: number, readonly targetHost: string) {
    super(l10n.t('the proxy {0} answered CONNECT {1} with HTTP {2}', proxyHost, targetHost, status));
    this.name = 'ProxyRefusedError';
  }
}

interface RestLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  response?: { status?: number; headers?: { get(name: string): string | undefined }; bodyAsText?: string | null };
  details?: unknown;
}

/** The throttling headers, in the order the SDK's throttling retry reads them. */
export const RETRY_AFTER_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms', 'retry-after'] as const;

/**
 * Retry-After / retry-after-ms / x-ms-retry-after-ms in milliseconds, read the way the SDK's throttling retry
 * reads them: any number JavaScript's Number() accepts ("1e6" is a million seconds, "Infinity" forever),
 * else an HTTP date for Retry-After. Negative waits are 0.
 */
export function retryAfterMs(headers: { get(name: string): string | undefined } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  for (const h of RETRY_AFTER_HEADERS) {
    const v = headers.get(h);
    if (!v) continue;
    const n = Number(v);
    if (!Number.isNaN(n)) return Math.max(0, h === 'retry-after' ? n * 1000 : n);
  }
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** "45 s", "3600 s (1 h)", "1000000 s (11.6 days)": seconds as the header said, and a scale a person reads. */
export function formatWait(ms: number): string {
  if (!Number.isFinite(ms)) return l10n.t('an unlimited time');
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const human = s < 7200 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${+(s / 3600).toFixed(1)} h` : l10n.t('{0} days', +(s / 86_400).toFixed(1));
  return `${s} s (${human})`;
}

function armError(e: RestLike): { code?: string; message?: string } {
  const d = e.details as { error?: { code?: string; message?: string } } | undefined;
  if (d?.error && (d.error.code || d.error.message)) return d.error;
  const body = e.response?.bodyAsText;
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
      if (parsed.error) return parsed.error;
    } catch {
      /* not JSON */
    }
  }
  return {};
}

const CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKETTIMEDOUT']);

/**
 * Maps any failure of an Azure call to an AzureError. `what` names the operation for the message
 * ("list online endpoints in workspace ws1"); `endpoint` is the resource-manager endpoint in use.
 */
export function toAzureError(err: unknown, what: string, endpoint = 'https://management.azure.com'): AzureError {
  if (err instanceof AzureError) return err;
  const e = (err ?? {}) as RestLike;
  const text = redactSecrets(String(e.message ?? err));
  if (e.name === 'AbortError' || e.name === 'CancellationError') return new AzureError('cancelled', l10n.t('Cancelled: {0}.', what));
  if (err instanceof RetryAfterTooLongError) {
    const message =
      err.capMs !== undefined
        ? l10n.t('Azure Resource Manager is throttling requests (HTTP {0}) and asked to wait {1} before retrying to {2} (more than the {3} AML Deploy Doctor waits): not waiting that long. Try again later.', err.status, formatWait(err.retryAfterMs), what, formatWait(err.capMs))
        : l10n.t('Azure Resource Manager is throttling requests (HTTP {0}) and asked to wait {1} before retrying to {2}: not waiting that long. Try again later.', err.status, formatWait(err.retryAfterMs), what);
    return new AzureError('throttled', message, {
      status: err.status,
      retryAfterMs: err.retryAfterMs,
    });
  }
  if (err instanceof ForeignHostError) {
    return new AzureError('foreignHost', l10n.t("Azure's answer pointed to another host ({0}) when trying to {1}: refused, and no token was sent there. Only {2} (amlDoctor.azure.resourceManagerEndpoint) is contacted; the list may be incomplete.", err.host, what, err.allowedHost));
  }
  if (err instanceof ProxyRefusedError) {
    return new AzureError('proxy', proxyMessage(err, what), { status: err.status, code: 'ProxyRefused' });
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationRequiredError' || e.name === 'AggregateAuthenticationError' || e.name === 'SignInRequiredError') {
    return new AzureError('signedOut', l10n.t('Not signed in to Azure: {0}', text));
  }
  if (e.name === 'AuthenticationError') return new AzureError('unauthenticated', l10n.t('Azure sign-in failed: {0}', text));
  const status = e.statusCode ?? e.response?.status;
  const headers = e.response?.headers;
  const requestId = headers?.get('x-ms-request-id') ?? headers?.get('x-ms-correlation-request-id');
  const { code, message } = armError(e);
  const server = message ? ` ${l10n.t('Azure said: {0}', redactSecrets(message))}${code ? ` (${code})` : ''}` : code ? ` (${code})` : '';
  if (status !== undefined) {
    const base = { status, code, requestId };
    if (status === 401) return new AzureError('unauthenticated', l10n.t('Azure rejected the sign-in (HTTP 401) when trying to {0}: the token is missing, expired or for another tenant. Sign in again.', what) + server, base);
    if (status === 403) return new AzureError('forbidden', l10n.t('No permission (HTTP 403) to {0}: ask for a role such as Reader (or AzureML Data Scientist) on it.', what) + server, base);
    if (status === 404) return new AzureError('notFound', l10n.t('Not found (HTTP 404) when trying to {0}: it was deleted, renamed, or is in another subscription.', what) + server, base);
    if (status === 429) {
      const wait = retryAfterMs(headers);
      return new AzureError('throttled', (wait !== undefined ? l10n.t('Azure Resource Manager is throttling requests (HTTP 429) to {0}; it asked to wait {1}. Try again in a moment.', what, formatWait(wait)) : l10n.t('Azure Resource Manager is throttling requests (HTTP 429) to {0}. Try again in a moment.', what)) + server, { ...base, retryAfterMs: wait });
    }
    if (status >= 500) return new AzureError('server', l10n.t('Azure returned a server error (HTTP {0}) when trying to {1}, also after retrying. Try again later.', status, what) + server, base);
    if (status >= 400) return new AzureError('badRequest', l10n.t('Azure refused the request (HTTP {0}) to {1}.', status, what) + server, base);
  }
  const sysCode = e.code ?? '';
  if (CERT_CODES.has(sysCode) || /certificate|self[- ]signed/i.test(text)) {
    return new AzureError('certificate', l10n.t("The TLS certificate of {0} is not trusted ({1}). If a proxy or private cloud uses its own CA, start VS Code with NODE_EXTRA_CA_CERTS pointing at that CA's PEM file.", endpoint, sysCode || text), { code: sysCode });
  }
  if (NETWORK_CODES.has(sysCode) || e.name === 'RestError') {
    return new AzureError('network', l10n.t('Cannot reach {0} to {1} ({2}). Check the network, the proxy settings and the amlDoctor.azure.resourceManagerEndpoint setting.', endpoint, what, sysCode || text), { code: sysCode });
  }
  return new AzureError('unknown', l10n.t('Failed to {0}: {1}', what, text));
}

/** What a proxy refusal means and what to change: never "ask for a role", Azure was not reached. */
function proxyMessage(err: ProxyRefusedError, what: string): string {
  const head = l10n.t('The HTTPS proxy {0} (HTTPS_PROXY) refused to connect to {1} (HTTP {2}) when trying to {3}; Azure was not reached, so this is not an Azure permission problem.', err.proxyHost, err.targetHost, err.status, what);
  const noProxy = l10n.t('or add {0} to NO_PROXY if it should be reached without the proxy', err.targetHost);
  if (err.status === 407) return `${head} ${l10n.t('The proxy wants credentials: put them in HTTPS_PROXY (http://user:password@host:port), {0}.', noProxy)}`;
  if (err.status === 403) return `${head} ${l10n.t('The proxy does not allow this destination: ask your network administrator to allow {0}, {1}.', err.targetHost, noProxy)}`;
  return `${head} ${l10n.t('The proxy could not open a tunnel there: check HTTPS_PROXY and the proxy, {0}.', noProxy)}`;
}
