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
  constructor(readonly status: number, readonly retryAfterMs: number) {
    super(`Azure asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RetryAfterTooLongError';
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

/** Retry-After / retry-after-ms / x-ms-retry-after-ms in milliseconds (seconds or HTTP date for Retry-After). */
export function retryAfterMs(headers: { get(name: string): string | undefined } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  for (const h of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = Number(headers.get(h));
    if (headers.get(h) !== undefined && Number.isFinite(v)) return v;
  }
  const ra = headers.get('retry-after');
  if (ra === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
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
    return new AzureError('throttled', `Azure Resource Manager is throttling requests (HTTP ${err.status}) and asked to wait ${Math.ceil(err.retryAfterMs / 1000)} s before retrying to ${what}. Try again later.`, {
      status: err.status,
      retryAfterMs: err.retryAfterMs,
    });
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
      return new AzureError('throttled', `Azure Resource Manager is throttling requests (HTTP 429) to ${what}${wait !== undefined ? `; it asked to wait ${Math.ceil(wait / 1000)} s` : ''}. Try again in a moment.${server}`, { ...base, retryAfterMs: wait });
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
