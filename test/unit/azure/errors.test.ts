import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { AzureError, ForeignHostError, formatWait, ProxyRefusedError, RetryAfterTooLongError, retryAfterMs, toAzureError } from '../../../src/azure/errors';

function restError(status: number, body: object | string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  const bodyAsText = typeof body === 'string' ? body : JSON.stringify(body);
  return new RestError(`HTTP ${status}`, { statusCode: status, request, response: { status, request, headers: createHttpHeaders(headers), bodyAsText } });
}

describe('Azure error mapping (unit)', () => {
  it('maps 401/403/404/429/500 to kinds with the ARM error text', () => {
    const e403 = toAzureError(restError(403, { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization' } }), 'list online endpoints');
    assert.equal(e403.kind, 'forbidden');
    assert.match(e403.message, /No permission \(HTTP 403\) to list online endpoints/);
    assert.match(e403.message, /AuthorizationFailed/);
    assert.equal(toAzureError(restError(401, {}), 'x').kind, 'unauthenticated');
    assert.equal(toAzureError(restError(404, { error: { code: 'ResourceNotFound', message: 'gone' } }), 'x').kind, 'notFound');
    const e429 = toAzureError(restError(429, {}, { 'retry-after': '7' }), 'x');
    assert.equal(e429.kind, 'throttled');
    assert.equal(e429.details.retryAfterMs, 7000);
    assert.match(e429.message, /wait 7 s/);
    assert.equal(toAzureError(restError(502, 'Bad gateway'), 'x').kind, 'server');
  });

  it('never puts a token from the server message into the error text', () => {
    const e = toAzureError(restError(401, { error: { code: 'InvalidAuthenticationToken', message: 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl rejected' } }), 'x');
    assert.doesNotMatch(e.message, /eyJhbGci/);
  });

  it('maps cancellation, Retry-After beyond the cap, credential, TLS and network failures', () => {
    assert.equal(toAzureError(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }), 'x').kind, 'cancelled');
    const long = toAzureError(new RetryAfterTooLongError(429, 3_600_000), 'list');
    assert.equal(long.kind, 'throttled');
    assert.match(long.message, /3600 s/);
    assert.equal(toAzureError(Object.assign(new Error('Please run az login'), { name: 'CredentialUnavailableError' }), 'x').kind, 'signedOut');
    const tls = toAzureError(Object.assign(new Error('self-signed certificate'), { name: 'RestError', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'x', 'https://127.0.0.1:1');
    assert.equal(tls.kind, 'certificate');
    assert.match(tls.message, /NODE_EXTRA_CA_CERTS/);
    assert.equal(toAzureError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError', code: 'ECONNREFUSED' }), 'x').kind, 'network');
    const same = new AzureError('notFound', 'm');
    assert.equal(toAzureError(same, 'x'), same);
  });

  it('reads Retry-After as seconds, as an HTTP date, and the millisecond variants', () => {
    const h = (o: Record<string, string>) => createHttpHeaders(o);
    assert.equal(retryAfterMs(h({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(h({ 'retry-after-ms': '150' })), 150);
    assert.equal(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000), 6000);
    assert.equal(retryAfterMs(h({})), undefined);
  });

  it('reads Retry-After as the SDK does (any JavaScript number), so no form slips past the cap', () => {
    const h = (o: Record<string, string>) => createHttpHeaders(o);
    assert.equal(retryAfterMs(h({ 'retry-after': '1e6' })), 1e9);
    assert.equal(retryAfterMs(h({ 'retry-after': '0x10' })), 16_000);
    assert.equal(retryAfterMs(h({ 'retry-after': 'Infinity' })), Infinity);
    assert.equal(retryAfterMs(h({ 'retry-after': '-5' })), 0);
    assert.equal(retryAfterMs(h({ 'x-ms-retry-after-ms': '2.5e3' })), 2500);
    assert.equal(retryAfterMs(h({ 'retry-after': 'soon' })), undefined);
  });

  it('says how long a wait was asked for in a scale a person reads', () => {
    assert.equal(formatWait(45_000), '45 s');
    assert.equal(formatWait(3_600_000), '3600 s (60 min)');
    assert.equal(formatWait(1e9), '1000000 s (11.6 days)');
    assert.equal(formatWait(Infinity), 'an unlimited time');
    const e = toAzureError(new RetryAfterTooLongError(429, 1e9, 30_000), 'list endpoints');
    assert.match(e.message, /asked to wait 1000000 s \(11\.6 days\) before retrying to list endpoints \(more than the 30 s AML Deploy Doctor waits\)/);
  });

  it('names the proxy, not an Azure role, when the proxy refuses the tunnel; never the proxy URL', () => {
    const e407 = toAzureError(new ProxyRefusedError('proxy.corp:3128', 407, 'management.azure.com'), 'list subscriptions');
    assert.equal(e407.kind, 'proxy');
    assert.match(e407.message, /HTTPS proxy proxy\.corp:3128 \(HTTPS_PROXY\) refused to connect to management\.azure\.com \(HTTP 407\)/);
    assert.match(e407.message, /http:\/\/user:password@host:port/);
    assert.match(e407.message, /NO_PROXY/);
    assert.doesNotMatch(e407.message, /ask for a role/);
    assert.match(toAzureError(new ProxyRefusedError('p:1', 403, 'h'), 'x').message, /does not allow this destination/);
    assert.match(toAzureError(new ProxyRefusedError('p:1', 502, 'h'), 'x').message, /could not open a tunnel/);
  });

  it('a request to another host becomes a "foreignHost" error that says no token was sent', () => {
    const e = toAzureError(new ForeignHostError('evil.example', 'management.azure.com'), 'list workspaces');
    assert.equal(e.kind, 'foreignHost');
    assert.match(e.message, /another host \(evil\.example\).*no token was sent there.*management\.azure\.com/);
  });
});
