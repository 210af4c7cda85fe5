// (integration) Host files copied into a container by a local deployment, against the real engine:
// a 3 GiB (sparse) model file arrives whole while this process's memory stays flat, cancelling
// mid-copy stops the copy and leaves no container, and a link to a file outside the project folder
// (a credentials file) never reaches the container.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import { sendTestRequest } from '../../../src/docker/testRequest';
import { waitForClosed } from '../../helpers/fds';
import { HARNESS_DIR, IMAGE, docker, removeContainers, uniqueName } from './helpers';

const GiB = 1024 ** 3;
const endpoint = uniqueName('copy');
const client = new DockerodeClient();
const deployer = new LocalDeployer(client, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 90000 });

describe('copying host files into a container (integration, real Docker engine)', { timeout: 900000 }, () => {
  let tmp: string;
  let project: string;
  let bigModel: string;

  const config = (overrides: Partial<LocalDeployConfig>): LocalDeployConfig => ({
    endpoint,
    deployment: 'big',
    sourceDir: project,
    entryScript: 'score.py',
    baseImage: IMAGE,
    port: 0,
    ...overrides,
  });

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-copy-'));
    project = path.join(tmp, 'project');
    mkdirSync(project);
    // init() checks the model's size where AZUREML_MODEL_DIR points, as a real script opens its model.
    writeFileSync(
      path.join(project, 'score.py'),
      'import json\nimport os\n\nsize = None\n\n\ndef init():\n    global size\n    d = os.environ["AZUREML_MODEL_DIR"]\n    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))\n\n\ndef run(raw):\n    return {"model_bytes": size}\n',
    );
    bigModel = path.join(tmp, 'model.bin');
    writeFileSync(bigModel, '');
    truncateSync(bigModel, 3 * GiB); // sparse: no disk on the host, 3 GiB to read and send
  });
  after(() => {
    removeContainers(endpoint);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a 3 GiB model file is streamed into the container: it arrives with its size, and RSS stays flat', async (t) => {
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const steps: string[] = [];
    try {
      const info = await deployer.deploy(config({ modelPath: bigModel, modelName: 'big-model', modelVersion: '1' }), (m) => steps.push(m));
      clearInterval(sampler);
      const inContainer = docker('exec', info.id, 'stat', '-c', '%s', '/var/azureml-app/azureml-models/big-model/1/model.bin');
      assert.equal(Number(inContainer), 3 * GiB);
      const r = await sendTestRequest(info.scoringUri, '{}');
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).model_bytes, 3 * GiB);
      assert.ok(steps.some((s) => /Copying code and model \(3\.00 GB\)/.test(s)), steps.join('; '));
      const growthMb = (peak - baseline) / 1024 ** 2;
      t.diagnostic(`RSS ${(baseline / 1024 ** 2).toFixed(0)} MB before, peak ${(peak / 1024 ** 2).toFixed(0)} MB while copying 3 GiB`);
      assert.ok(growthMb < 200, `RSS grew by ${growthMb.toFixed(0)} MB while copying 3 GiB (baseline ${(baseline / 1024 ** 2).toFixed(0)} MB)`);
    } finally {
      clearInterval(sampler);
      await deployer.delete(endpoint, 'big');
    }
  });

  it('cancel mid-copy stops the copy at once: the file is closed and no container is left', async (t) => {
    const abort = new AbortController();
    let abortedAt = 0;
    const steps: string[] = [];
    const deploying = deployer.deploy(config({ deployment: 'cancel', modelPath: bigModel, modelName: 'big-model' }), (m) => {
      steps.push(m);
      // The first progress report with a byte count: the copy is under way.
      if (!abortedAt && / of 3\.00 GB$/.test(m)) {
        abortedAt = Date.now();
        abort.abort();
      }
    }, abort.signal);
    await assert.rejects(deploying, (e: unknown) => {
      assert.ok(e instanceof LocalDeployError, String(e));
      assert.equal(e.kind, 'cancelled');
      assert.match(e.message, /Cancelled while copying code and model/);
      return true;
    });
    assert.ok(abortedAt, `the copy reported its progress: ${steps.join('; ')}`);
    const latency = Date.now() - abortedAt;
    t.diagnostic(`cancel -> rejected in ${latency} ms`);
    assert.ok(latency < 5000, `cancel took ${latency} ms`);
    await waitForClosed(bigModel);
    assert.deepEqual(await deployer.find(endpoint, 'cancel'), [], 'the half-filled container was removed');
  });

  it('a model file that shrinks while it is copied stops the deploy naming the file, and no container is left', async () => {
    const shrinking = path.join(tmp, 'shrinking.bin');
    writeFileSync(shrinking, '');
    truncateSync(shrinking, 3 * GiB);
    let cut = false;
    await assert.rejects(
      deployer.deploy(config({ deployment: 'shrink', modelPath: shrinking, modelName: 'm' }), (m) => {
        // Cut the file once the copy reports bytes: its tar header already promised 3 GiB.
        if (!cut && / of 3\.00 GB$/.test(m)) {
          cut = true;
          truncateSync(shrinking, 1024);
        }
      }),
      (e: unknown) => {
        assert.ok(e instanceof LocalDeployError, String(e));
        assert.match(e.message, /shrinking\.bin changed while it was being copied/);
        return true;
      },
    );
    assert.ok(cut, 'the copy reported progress before the file was cut');
    await waitForClosed(shrinking);
    assert.deepEqual(await deployer.find(endpoint, 'shrink'), []);
  });

  it('a link to a file outside the folder (credentials) is not copied; a link inside arrives as a link', async () => {
    const home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\naws_secret_access_key = AMLD-TEST-SECRET-77\n');
    const linked = path.join(tmp, 'linked');
    mkdirSync(path.join(linked, 'data'), { recursive: true });
    writeFileSync(path.join(linked, 'score.py'), 'def init():\n    pass\n\n\ndef run(raw):\n    return {"ok": True}\n');
    writeFileSync(path.join(linked, 'data', 'labels.txt'), 'cat\ndog\n');
    symlinkSync(path.join(home, '.aws', 'credentials'), path.join(linked, 'credentials'));
    symlinkSync('data/labels.txt', path.join(linked, 'labels.txt'));
    const steps: string[] = [];
    const info = await deployer.deploy(config({ deployment: 'links', sourceDir: linked }), (m) => steps.push(m));
    try {
      assert.equal(spawnSync('docker', ['exec', info.id, 'test', '-e', '/var/azureml-app/credentials']).status, 1, 'the outside link is not in the container');
      const grep = spawnSync('docker', ['exec', info.id, 'grep', '-r', 'AMLD-TEST-SECRET-77', '/var/azureml-app', '/var/aml-doctor'], { encoding: 'utf8' });
      assert.equal(grep.status, 1, `the secret is nowhere in the container: ${grep.stdout}`);
      assert.equal(docker('exec', info.id, 'readlink', '/var/azureml-app/labels.txt'), 'data/labels.txt');
      assert.equal(docker('exec', info.id, 'cat', '/var/azureml-app/labels.txt'), 'cat\ndog');
      assert.ok(steps.some((s) => /Not copied: 1 link .*credentials/.test(s)), steps.join('; '));
    } finally {
      await deployer.delete(endpoint, 'links');
    }
  });
});
