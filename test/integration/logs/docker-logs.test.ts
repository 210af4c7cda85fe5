// Real logs from real containers: the scoring image runs gunicorn with a tiny WSGI app whose import calls
// the entry script's init(). The classifier reads Docker's live, multiplexed log stream
// (container.logs({ follow: true })) and must name the failure while the container is still running.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { LogClassifier } from '../../../src/logs/classifier';
import type { Explanation } from '../../../src/logs/types';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const APP = path.resolve(__dirname, '..', '..', 'fixtures', 'logs', 'app');
const PREFIX = `amld-logs-test-${process.pid}-`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const created: Docker.Container[] = [];

async function startScoring(name: string, scoreModule: string, memoryBytes?: number): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: PREFIX + name,
    Image: IMAGE,
    Cmd: ['gunicorn', '--bind', '0.0.0.0:5001', '--workers', '1', '--timeout', '60', 'app:app'],
    WorkingDir: '/var/azureml-app',
    Env: [`SCORE_MODULE=${scoreModule}`, 'PYTHONUNBUFFERED=1'],
    Tty: false,
    HostConfig: {
      Binds: [`${APP}:/var/azureml-app:ro`],
      ...(memoryBytes ? { Memory: memoryBytes, MemorySwap: memoryBytes } : {}),
    },
  });
  created.push(container);
  await container.start();
  return container;
}

/** Feeds the live log stream to a classifier until `done(explanation)` holds; fails on timeout. */
async function classifyLive(container: Docker.Container, done: (e: Explanation) => boolean, timeoutMs: number): Promise<{ explanation: Explanation; raw: string }> {
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const classifier = new LogClassifier({ format: 'docker' });
  let raw = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      if (err) reject(err);
      else resolve({ explanation: classifier.explain(), raw });
    };
    const timer = setTimeout(() => finish(new Error(`no diagnosis within ${timeoutMs} ms; got ${classifier.explain().primary.id}; log so far:\n${raw.slice(-3000)}`)), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      classifier.push(chunk);
      if (done(classifier.explain())) finish();
    });
    stream.on('end', () => {
      classifier.end();
      if (done(classifier.explain())) finish();
      else finish(new Error(`log ended with ${classifier.explain().primary.id}:\n${raw.slice(-3000)}`));
    });
    stream.on('error', (err: Error) => finish(err));
  });
}

describe('log classifier on live Docker logs (integration)', { timeout: 180000 }, () => {
  before(async () => {
    await docker.ping();
    await docker.getImage(IMAGE).inspect();
  });
  after(async () => {
    for (const c of created) await c.remove({ force: true }).catch(() => undefined);
  });

  it('names out_of_memory when init() allocates more than --memory=128m allows', async () => {
    const container = await startScoring('oom', 'score_oom', 128 * 1024 * 1024);
    const { explanation, raw } = await classifyLive(container, (e) => e.primary.category === 'out_of_memory' && e.findings.some((f) => f.id === 'oom-worker-reboot-loop'), 90000);
    assert.equal(explanation.primary.category, 'out_of_memory');
    assert.equal(explanation.primary.id, 'oom-worker-killed');
    assert.match(explanation.primary.evidence[0]!.text, /Worker with pid \d+ was terminated due to signal 9|was sent SIGKILL/);
    // The real worker loop: gunicorn booted several workers, each killed.
    assert.ok((raw.match(/Booting worker with pid/g) ?? []).length >= 3, 'gunicorn re-booted the worker several times');
    const info = await container.inspect();
    assert.equal(info.State.Running, true, 'the master keeps running while workers are killed');
  });

  it('names init_exception and points at the frame in the entry script when init() raises', async () => {
    const container = await startScoring('init', 'score_raises');
    // The master gives up ("Worker failed to boot") and the log stream ends. While the traceback streams in,
    // the explanation already says init() from its frames: wait for its exception line.
    const complete = (e: Explanation) => e.findings.some((f) => f.id === 'init-exception-traceback' && f.traceback?.truncated === false);
    const { explanation } = await classifyLive(container, (e) => complete(e) && e.findings.some((f) => f.id === 'init-worker-boot-failure'), 60000);
    assert.equal(explanation.primary.category, 'init_exception');
    assert.equal(explanation.primary.id, 'init-exception-traceback');
    assert.match(explanation.primary.evidence[0]!.text, /^ValueError: could not convert string to float/);
    assert.equal(explanation.primary.location?.path, '/var/azureml-app/score_raises.py');
    assert.equal(explanation.primary.location?.function, 'parse_threshold');
    assert.equal(explanation.primary.location?.line, 8);
    // The deepest frame in the entry script, and what the server was doing.
    assert.deepEqual([explanation.primary.entryFrame?.path, explanation.primary.entryFrame?.line], ['/var/azureml-app/score_raises.py', 8]);
    assert.equal(explanation.primary.phase, 'init');
    assert.deepEqual(explanation.primary.exception, { type: 'ValueError', message: "could not convert string to float: '0.5 # default'" });
  });
});
