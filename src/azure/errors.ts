// Turns failures of the Azure SDK pipeline (RestError, AbortError, Node network/TLS errors, credential
// errors) into one error type with a kind the UI can act on and a message a user understands.
// Pure and SDK-free: it reads the duck-typed shape, so the extension bundle can use it without the SDKs.
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
    super(`Azure asked to retry after ${formatWait(retryAfterMs)}`);
    this.name = 'RetryAfterTooLongError';
  }
}

/** A request (a nextLink from a response) aimed at a host other than the configured endpoint's. */
export class ForeignHostError extends Error {
  constructor(readonly host: string, readonly allowedHost: string) {
    super(`refused a request to ${host}: only ${allowedHost} (amlDoctor.azure.resourceManagerEndpoint) is contacted`);
    this.name = 'ForeignHostError';
  }
}

/** The HTTPS proxy answered CONNECT with something other than 200: the request never reached Azure. */
export class ProxyRefusedError extends Error {
  constructor(readonly proxyHost: string, readonly status: number, readonly targetHost: string) {
    super(`the proxy ${proxyHost} answered CONNECT ${targetHost} with HTTP ${status}`);
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
  if (!Number.isFinite(ms)) return 'an unlimited time';
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const human = s < 7200 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${+(s / 3600).toFixed(1)} h` : `${+(s / 86_400).toFixed(1)} days`;
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
  if (e.name === 'AbortError' || e.name === 'CancellationError') return new AzureError('cancelled', `Cancelled: ${what}.`);
  if (err instanceof RetryAfterTooLongError) {
    const cap = err.capMs !== undefined ? ` (more than the ${formatWait(err.capMs)} AML Deploy Doctor waits)` : '';
    return new AzureError('throttled', `Azure Resource Manager is throttling requests (HTTP ${err.status}) and asked to wait ${formatWait(err.retryAfterMs)} before retrying to ${what}${cap}: not waiting that long. Try again later.`, {
      status: err.status,
      retryAfterMs: err.retryAfterMs,
    });
  }
  if (err instanceof ForeignHostError) {
    return new AzureError('foreignHost', `Azure's answer pointed to another host (${err.host}) when trying to ${what}: refused, and no token was sent there. Only ${err.allowedHost} (amlDoctor.azure.resourceManagerEndpoint) is contacted; the list may be incomplete.`);
  }
  if (err instanceof ProxyRefusedError) {
    return new AzureError('proxy', proxyMessage(err, what), { status: err.status, code: 'ProxyRefused' });
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationRequiredError' || e.name === 'AggregateAuthenticationError' || e.name === 'SignInRequiredError') {
    return new AzureError('signedOut', `Not signed in to Azure: ${text}`);
  }
  if (e.name === 'AuthenticationError') return new AzureError('unauthenticated', `Azure sign-in failed: ${text}`);
  const status = e.statusCode ?? e.response?.status;
  const headers = e.response?.headers;
  const requestId = headers?.get('x-ms-request-id') ?? headers?.get('x-ms-correlation-request-id');
  const { code, message } = armError(e);
  const server = message ? ` Azure said: ${redactSecrets(message)}${code ? ` (${code})` : ''}` : code ? ` (${code})` : '';
  if (status !== undefined) {
    const base = { status, code, requestId };
    if (status === 401) return new AzureError('unauthenticated', `Azure rejected the sign-in (HTTP 401) when trying to ${what}: the token is missing, expired or for another tenant. Sign in again.${server}`, base);
    if (status === 403) return new AzureError('forbidden', `No permission (HTTP 403) to ${what}: ask for a role such as Reader (or AzureML Data Scientist) on it.${server}`, base);
    if (status === 404) return new AzureError('notFound', `Not found (HTTP 404) when trying to ${what}: it was deleted, renamed, or is in another subscription.${server}`, base);
    if (status === 429) {
      const wait = retryAfterMs(headers);
      return new AzureError('throttled', `Azure Resource Manager is throttling requests (HTTP 429) to ${what}${wait !== undefined ? `; it asked to wait ${formatWait(wait)}` : ''}. Try again in a moment.${server}`, { ...base, retryAfterMs: wait });
    }
    if (status >= 500) return new AzureError('server', `Azure returned a server error (HTTP ${status}) when trying to ${what}, also after retrying. Try again later.${server}`, base);
    if (status >= 400) return new AzureError('badRequest', `Azure refused the request (HTTP ${status}) to ${what}.${server}`, base);
  }
  const sysCode = e.code ?? '';
  if (CERT_CODES.has(sysCode) || /certificate|self[- ]signed/i.test(text)) {
    return new AzureError('certificate', `The TLS certificate of ${endpoint} is not trusted (${sysCode || text}). If a proxy or private cloud uses its own CA, start VS Code with NODE_EXTRA_CA_CERTS pointing at that CA's PEM file.`, { code: sysCode });
  }
  if (NETWORK_CODES.has(sysCode) || e.name === 'RestError') {
    return new AzureError('network', `Cannot reach ${endpoint} to ${what} (${sysCode || text}). Check the network, the proxy settings and the amlDoctor.azure.resourceManagerEndpoint setting.`, { code: sysCode });
  }
  return new AzureError('unknown', `Failed to ${what}: ${text}`);
}

/** What a proxy refusal means and what to change: never "ask for a role", Azure was not reached. */
function proxyMessage(err: ProxyRefusedError, what: string): string {
  const head = `The HTTPS proxy ${err.proxyHost} (HTTPS_PROXY) refused to connect to ${err.targetHost} (HTTP ${err.status}) when trying to ${what}; Azure was not reached, so this is not an Azure permission problem.`;
  const noProxy = `or add ${err.targetHost} to NO_PROXY if it should be reached without the proxy`;
  if (err.status === 407) return `${head} The proxy wants credentials: put them in HTTPS_PROXY (http://user:password@host:port), ${noProxy}.`;
  if (err.status === 403) return `${head} The proxy does not allow this destination: ask your network administrator to allow ${err.targetHost}, ${noProxy}.`;
  return `${head} The proxy could not open a tunnel there: check HTTPS_PROXY and the proxy, ${noProxy}.`;
}
