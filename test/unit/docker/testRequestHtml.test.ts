// (unit) The test-request result page: strict CSP without scripts, everything from the server escaped,
// the status explained for failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainStatus } from '../../../src/docker/httpStatus';
import type { TestRequestResult } from '../../../src/docker/testRequest';
import { renderTestRequestHtml } from '../../../src/views/testRequestHtml';

function result(status: number, body: string, extra: Partial<TestRequestResult> = {}): TestRequestResult {
  return { url: 'http://127.0.0.1:5001/score', status, statusText: 'X', latencyMs: 12.34, body, prettyBody: body, headers: {}, truncated: false, explanation: explainStatus(status), ...extra };
}

describe('test request page (unit)', () => {
  it('has a CSP that allows no scripts and only nonce styles', () => {
    const html = renderTestRequestHtml(result(200, '{"predictions": [1]}'), 'Test request: blue', '{}', 'vscode-webview://abc', 'NONCE123');
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline|unsafe-eval/);
    assert.match(csp, /style-src vscode-webview:\/\/abc 'nonce-NONCE123'/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /<style nonce="NONCE123">/);
    assert.match(html, /12\.3 ms/);
  });

  it('escapes whatever the server sent', () => {
    const html = renderTestRequestHtml(result(500, '<script>alert(1)</script>'), 'T', '<img src=x onerror=alert(1)>', 'src', 'n');
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<img src=x/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('explains a failing status and a missing answer, not a success', () => {
    assert.match(renderTestRequestHtml(result(429, ''), 'T', '{}', 's', 'n'), /Too many pending requests/);
    assert.doesNotMatch(renderTestRequestHtml(result(200, '{}'), 'T', '{}', 's', 'n'), /class="explain"/);
    const none = renderTestRequestHtml(result(0, '', { networkError: 'Nothing listens', explanation: explainStatus(502) }), 'T', '{}', 's', 'n');
    assert.match(none, /No response \(Nothing listens\)/);
    assert.match(none, /502 Bad gateway \(what a gateway would answer\)/);
  });
});
