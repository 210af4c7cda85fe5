// (unit) Send test request against a real local HTTP server: status, latency, body, and the
// troubleshooting-guide explanations; bad samples are refused before sending.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { EXPLAINED_STATUSES, explainStatus } from '../../../src/docker/httpStatus';
import { InvalidSampleError, sendTestRequest, validateSample } from '../../../src/docker/testRequest';

describe('send test request (unit, local HTTP server)', () => {
  let server: Server;
  let base = '';
  const received: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        if (req.url === '/score') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ predictions: [1.5] }));
        } else if (req.url === '/hang') {
          /* never answers */
        } else if (req.url === '/drop') {
          req.socket.destroy();
        } else {
          res.writeHead(Number(req.url!.slice(1)));
          res.end('{"message": "no"}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('returns status, latency and the pretty-printed body', async () => {
    const r = await sendTestRequest(`${base}/score`, '{"data": [[1, 2]]}');
    assert.equal(r.status, 200);
    assert.ok(r.latencyMs > 0);
    assert.equal(r.prettyBody, '{\n  "predictions": [\n    1.5\n  ]\n}');
    assert.equal(received.at(-1), '{"data": [[1, 2]]}');
    assert.equal(r.explanation.title, 'OK');
  });

  it('explains each status the guide covers, distinctly', async () => {
    const texts = new Set<string>();
    for (const status of EXPLAINED_STATUSES) {
      const r = await sendTestRequest(`${base}/${status}`, '{}');
      assert.equal(r.status, status);
      assert.equal(r.explanation.status, status);
      texts.add(r.explanation.meaning);
    }
    assert.equal(texts.size, EXPLAINED_STATUSES.length);
    assert.match(explainStatus(429).meaning, /max_concurrent_requests_per_instance/);
    assert.match(explainStatus(408).meaning, /request_timeout_ms/);
    assert.match(explainStatus(424).action, /ms-azureml-model-error-statuscode/);
    assert.match(explainStatus(502).meaning, /run\(\)/);
  });

  it('a timeout reads as 504 and a dropped connection as 502, with a sentence, not an exception', async () => {
    const t = await sendTestRequest(`${base}/hang`, '{}', { timeoutMs: 300 });
    assert.equal(t.status, 0);
    assert.equal(t.explanation.status, 504);
    assert.match(t.networkError!, /within 300 ms/);
    const d = await sendTestRequest(`${base}/drop`, '{}');
    assert.equal(d.explanation.status, 502);
    assert.match(d.networkError!, /dropped/);
    const refused = await sendTestRequest('http://127.0.0.1:1/score', '{}');
    assert.match(refused.networkError!, /connection refused/);
  });

  it('refuses a body that is not JSON, naming line and column', () => {
    assert.throws(() => validateSample('{\n  "data": [1, 2,]\n}'), (e: unknown) => e instanceof InvalidSampleError && /\(line 2, column 17\)/.test(e.message));
    assert.throws(() => validateSample('{"data": [1]} trailing'), /\(line 1, column 15\)/);
    assert.throws(() => validateSample("{'data': 1}"), /\(line 1, column 2\)/);
    assert.throws(() => validateSample('   '), /empty/);
    assert.doesNotThrow(() => validateSample('{"data": []}'));
  });
});
