// (integration) Local deployments against the real Docker engine and the real scoring image:
// deploy the examples/ project, answer a request with the model's numbers, reload an edited score.py,
// update to a new model, delete without leftovers, and the crash / out-of-memory states.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { configForUpdate, DeploymentRecords, sourceForReload } from '../../../src/docker/deploymentRecords';
import { DockerExplorer } from '../../../src/docker/explorer';
import { httpRequest } from '../../../src/docker/http';
import { LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import { packArchive } from '../../../src/docker/archive';
import { sendTestRequest } from '../../../src/docker/testRequest';
import { memoryMemento } from '../../helpers/memento';
import { HARNESS_DIR, IMAGE, copyExamples, docker, dockerLogs, removeContainers, uniqueName, waitFor } from './helpers';

const endpoint = uniqueName('ep');
const client = new DockerodeClient();
// As in the extension, the deployers share what they copied (a reload then needs no read-back).
const copied = new Map();
const deployer = new LocalDeployer(client, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 90000, copied });
let project: string;

function config(overrides: Partial<LocalDeployConfig> = {}): LocalDeployConfig {
  return {
    endpoint,
    deployment: 'blue',
    sourceDir: project,
    entryScript: 'score.py',
    modelPath: path.join(project, 'model', 'diabetes-linear.npz'),
    modelName: 'diabetes-linear',
    modelVersion: '1',
    // The image as it is (no conda file): environment builds are covered by environment.test.ts.
    baseImage: IMAGE,
    port: 0,
    ...overrides,
  };
}

/** The linear model's answer computed here from the same coefficients. */
function expectedPredictions(rows: number[][], coef: number[], intercept: number): number[] {
  return rows.map((r) => r.reduce((s, x, i) => s + x * coef[i]!, 0) + intercept);
}

/** The server rounds to 2 decimals (numpy's round half to even): compare within half a cent. */
function assertClose(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= 0.0051, `prediction ${i}: ${a} vs ${expected[i]}`));
}

/** Writes a numpy .npz (uncompressed zip of .npy) with coef and intercept, via python in the real image. */
function writeModel(file: string, coef: number[], intercept: number): void {
  const dir = path.dirname(file);
  docker('run', '--rm', '-v', `${dir}:/out`, IMAGE, 'python3', '-c',
    `import numpy as np; np.savez('/out/${path.basename(file)}', coef=np.array(${JSON.stringify(coef)}), intercept=np.float64(${intercept}))`);
}

describe('local deployments (integration, real Docker engine)', { timeout: 600000 }, () => {
  const sample = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'sample-request.json'), 'utf8')) as { data: number[][] };

  before(() => {
    project = copyExamples();
  });
  after(() => {
    removeContainers(endpoint);
    rmSync(project, { recursive: true, force: true });
  });

  it('deploys examples/ locally and POST /score returns 200 with the model\'s answer', async () => {
    const steps: string[] = [];
    const info = await deployer.deploy(config(), (m) => steps.push(m));
    assert.match(info.scoringUri, /^http:\/\/127\.0\.0\.1:\d+\/score$/);
    assert.ok(steps.some((s) => /Waiting for GET \//.test(s)), steps.join('; '));
    const r = await sendTestRequest(info.scoringUri, JSON.stringify(sample));
    assert.equal(r.status, 200, r.body);
    // The model's answer: coefficients from the real file, computed in the container by numpy.
    const coefOut = docker('run', '--rm', '-v', `${path.join(project, 'model')}:/m:ro`, IMAGE, 'python3', '-c', "import numpy as np,json; w=np.load('/m/diabetes-linear.npz'); print(json.dumps([w['coef'].tolist(), float(w['intercept'])]))");
    const [coef, intercept] = JSON.parse(coefOut) as [number[], number];
    const body = JSON.parse(r.body) as { predictions: number[] };
    assert.deepEqual(Object.keys(body), ['predictions']);
    assertClose(body.predictions, expectedPredictions(sample.data, coef, intercept));
    assert.ok(r.latencyMs > 0 && r.latencyMs < 10000);
    // Labels and layout a user (and the explorer) relies on.
    const inspect = JSON.parse(docker('inspect', info.id))[0];
    assert.equal(inspect.Config.Labels['aml-doctor.deployment'], 'blue');
    assert.equal(inspect.Config.Labels['aml-doctor.endpoint'], endpoint);
    assert.ok(inspect.Config.Env.includes('AZUREML_MODEL_DIR=/var/azureml-app/azureml-models/diabetes-linear/1'));
    assert.ok(inspect.Config.Env.includes('AML_APP_ROOT=/var/azureml-app'));
    // A bad request: the generic 500 body, never the exception text (debug mode is off).
    const bad = await sendTestRequest(info.scoringUri, 'not json');
    assert.equal(bad.status, 500);
    assert.doesNotMatch(bad.body, /JSONDecodeError|Expecting value/);
    // ...while the logs carry the traceback, in real gunicorn worker lines.
    const logs = dockerLogs(info.id);
    assert.match(logs, /\[INFO\] Booting worker with pid: \d+/);
    assert.match(logs, /json\.decoder\.JSONDecodeError: Expecting value/);
  });

  it('reload picks up an edited score.py without recreating the container: only changed files travel, the worker restarts', async () => {
    const [before] = await deployer.find(endpoint, 'blue');
    assert.ok(before);
    const startedAt = JSON.parse(docker('inspect', before.id))[0].State.StartedAt;
    const file = path.join(project, 'score.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace('return {"predictions": predictions.round(2).tolist()}', 'return {"predictions": predictions.round(2).tolist(), "reloaded": True}'));
    // A file deleted on the host goes in the container too; a new one arrives.
    const gone = path.join(project, 'sample-request.json');
    rmSync(gone);
    writeFileSync(path.join(project, 'helper_new.py'), 'VALUE = 42\n');
    const steps: string[] = [];
    const info = await deployer.reload(endpoint, 'blue', project, (m) => steps.push(m));
    assert.equal(info.id, before.id, 'reload must keep the container');
    assert.equal(info.restart, 'worker', steps.join('; '));
    assert.equal(info.changedFiles, 2, steps.join('; '));
    assert.equal(info.removed, 1);
    // The container was not restarted: same start time (only its gunicorn worker was replaced).
    assert.equal(JSON.parse(docker('inspect', info.id))[0].State.StartedAt, startedAt);
    const r = await httpRequest(info.scoringUri, { method: 'POST', body: JSON.stringify(sample), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).reloaded, true);
    assert.equal(docker('exec', info.id, 'cat', '/var/azureml-app/helper_new.py'), 'VALUE = 42');
    assert.equal(spawnSync('docker', ['exec', info.id, 'test', '-e', '/var/azureml-app/sample-request.json']).status, 1, 'the deleted file is gone in the container');
    // The model (also under /var/azureml-app) is not code: a reload never removes it.
    assert.equal(spawnSync('docker', ['exec', info.id, 'test', '-f', '/var/azureml-app/azureml-models/diabetes-linear/1/diabetes-linear.npz']).status, 0);
    // Nothing changed since: nothing is copied, the worker still restarts.
    const again = await deployer.reload(endpoint, 'blue', project);
    assert.deepEqual([again.id, again.changedFiles, again.removed, again.restart], [info.id, 0, 0, 'worker']);
    // A new session (VS Code restarted) knows nothing: the manifest kept in the container tells what is there.
    const fresh = new LocalDeployer(client, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 90000 });
    rmSync(path.join(project, 'helper_new.py'));
    const later = await fresh.reload(endpoint, 'blue', project);
    assert.deepEqual([later.changedFiles, later.removed], [0, 1]);
    assert.equal(spawnSync('docker', ['exec', info.id, 'test', '-e', '/var/azureml-app/helper_new.py']).status, 1);
  });

  it('a reload whose new code fails names the cause; the fixed code reloads into the same container', async () => {
    const dir = copyExamples();
    try {
      const info = await deployer.deploy(config({ deployment: 'reloadfail', sourceDir: dir, modelPath: path.join(dir, 'model', 'diabetes-linear.npz') }));
      const file = path.join(dir, 'score.py');
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, good.replace('def init():', 'def init():\n    raise ValueError("bad edit")\n'));
      const err = await deployer.reload(endpoint, 'reloadfail', dir).then(
        () => assert.fail('the reload should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof LocalDeployError, String(err));
      assert.match(err.message, /init\(\) in the entry script raised ValueError: bad edit/);
      assert.match(err.logTail, /ValueError: bad edit/);
      writeFileSync(file, good.replace('return {"predictions"', 'return {"fixed": True, "predictions"'));
      const again = await deployer.reload(endpoint, 'reloadfail', dir);
      assert.equal(again.id, info.id);
      const r = await sendTestRequest(again.scoringUri, JSON.stringify(sample));
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).fixed, true);
    } finally {
      await deployer.delete(endpoint, 'reloadfail');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a container whose labels name a folder outside the workspace: Reload never copies that folder', async () => {
    const secret = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-secret-'));
    writeFileSync(path.join(secret, 'credentials'), '[default]\naws_secret_access_key = not-a-real-key\n');
    const [blue] = await deployer.find(endpoint, 'blue');
    const image = `${uniqueName('evil-image')}:1`;
    const name = `${endpoint}.evil`;
    try {
      // The attack input: an image carrying this extension's labels, its source folder pointing at a folder
      // the user never deployed (made from the running deployment, so it really serves and reloads).
      const cfg = JSON.stringify({ ...config({ deployment: 'evil', sourceDir: secret }), modelPath: path.join(secret, 'credentials') });
      docker('commit', '--change', 'LABEL aml-doctor.deployment=evil', '--change', `LABEL aml-doctor.source-dir=${secret}`, '--change', `LABEL aml-doctor.config=${JSON.stringify(cfg)}`, blue!.id, image);
      const id = docker('run', '-d', '--name', name, '-p', '127.0.0.1::5001', image);
      const hostile = await client.inspectContainer(id);
      assert.equal(hostile.labels['aml-doctor.source-dir'], secret);
      assert.equal(hostile.labels['aml-doctor.config'], cfg);

      // What the Reload command does: the folder comes from the extension's records, else from the user.
      const records = new DeploymentRecords(memoryMemento());
      await records.record(blue!.id, config());
      const asked: string[] = [];
      const source = await sourceForReload(records, { id, name, labels: hostile.labels }, [project], {
        chooseFolder: async (reason) => {
          asked.push(reason);
          return project; // the user picks the workspace's project folder
        },
        confirmOutside: async () => assert.fail('the chosen folder is inside the workspace'),
      });
      assert.match(asked.join('\n'), /ep.*\.evil was not deployed by AML Deploy Doctor from this workspace/);
      assert.equal(source, project);
      const info = await deployer.reload(endpoint, 'evil', source!);
      assert.equal(info.id, id);
      assert.equal(docker('exec', name, 'cat', '/var/azureml-app/score.py'), readFileSync(path.join(project, 'score.py'), 'utf8').trim());
      const leaked = spawnSync('docker', ['exec', name, 'ls', '/var/azureml-app/credentials'], { encoding: 'utf8' });
      assert.notEqual(leaked.status, 0, 'the labelled folder must not be copied into the container');
      // Update would read source, model and conda file again: never from the label's configuration.
      await assert.rejects(configForUpdate(records, { id, name, labels: hostile.labels }, [project], { confirmOutside: async () => true }), /Deploy it again/);
    } finally {
      spawnSync('docker', ['rm', '-f', '-v', name]);
      spawnSync('docker', ['rmi', image]);
      rmSync(secret, { recursive: true, force: true });
    }
  });

  it('update with a new model recreates the container and answers with the new model, on the same port', async () => {
    const [before] = await deployer.find(endpoint, 'blue');
    const oldPort = JSON.parse(docker('inspect', before!.id))[0].NetworkSettings.Ports['5001/tcp'][0].HostPort;
    const modelFile = path.join(project, 'model', 'diabetes-linear.npz');
    const coef = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    writeModel(modelFile, coef, 100);
    const info = await deployer.update(config({ modelVersion: '2' }));
    assert.notEqual(info.id, before!.id);
    assert.equal(String(info.port), oldPort);
    const r = await httpRequest(info.scoringUri, { method: 'POST', body: JSON.stringify(sample) });
    assert.equal(r.status, 200, r.body);
    assertClose(JSON.parse(r.body).predictions, expectedPredictions(sample.data, coef, 100));
    assert.match(docker('inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', info.id), /azureml-models\/diabetes-linear\/2/);
  });

  it('delete leaves no container, volume or network behind', async () => {
    const volumesBefore = docker('volume', 'ls', '-q').split('\n').filter(Boolean).sort();
    const networksBefore = docker('network', 'ls', '-q').split('\n').filter(Boolean).sort();
    const removed = await deployer.delete(endpoint, 'blue');
    assert.equal(removed, 1);
    assert.equal(docker('ps', '-aq', '--filter', `label=aml-doctor.endpoint=${endpoint}`), '');
    assert.deepEqual(docker('volume', 'ls', '-q').split('\n').filter(Boolean).sort(), volumesBefore);
    assert.deepEqual(docker('network', 'ls', '-q').split('\n').filter(Boolean).sort(), networksBefore);
    assert.deepEqual(await deployer.find(endpoint, 'blue'), []);
  });

  it('an init() that raises fails the deploy naming the cause, and the tree shows the crashed state', async () => {
    const crashDir = copyExamples();
    try {
      writeFileSync(path.join(crashDir, 'score.py'), 'def init():\n    raise RuntimeError("model registry unreachable")\n\n\ndef run(raw):\n    return raw\n');
      const err = await deployer.deploy(config({ deployment: 'crash', sourceDir: crashDir, modelPath: undefined })).then(
        () => assert.fail('deploy should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof LocalDeployError, String(err));
      assert.equal(err.kind, 'exited');
      assert.match(err.message, /init\(\) in the entry script raised RuntimeError: model registry unreachable/);
      const explorer = new DockerExplorer(client, nullLogger);
      const snap = await explorer.reload();
      const node = snap.groups.find((g) => g.name === endpoint)?.containers.find((c) => c.label === 'crash');
      assert.ok(node, 'the crashed container is in the tree');
      assert.equal(node.status.condition, 'crashed');
      assert.match(node.description, /^exited \(3\)$/);
      await explorer.dispose();
    } finally {
      await deployer.delete(endpoint, 'crash');
      rmSync(crashDir, { recursive: true, force: true });
    }
  });

  it('memory_gb too small: the deploy names out-of-memory and the tree item shows OOM-killed', async () => {
    const oomDir = copyExamples();
    try {
      writeFileSync(path.join(oomDir, 'score.py'), 'blob = None\n\n\ndef init():\n    global blob\n    blob = b"x" * (300 * 1024 * 1024)\n\n\ndef run(raw):\n    return len(blob)\n');
      const err = await deployer.deploy(config({ deployment: 'oom', sourceDir: oomDir, modelPath: undefined, memoryGb: 0.125 })).then(
        () => assert.fail('deploy should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof LocalDeployError, String(err));
      assert.equal(err.kind, 'oom');
      assert.match(err.message, /memory_gb=0\.125 \(128 MB\)/);
      const explorer = new DockerExplorer(client, nullLogger);
      const snap = await explorer.reload();
      const node = snap.groups.find((g) => g.name === endpoint)?.containers.find((c) => c.label === 'oom');
      assert.ok(node);
      assert.equal(node.status.condition, 'oom-killed');
      assert.equal(node.status.icon, 'flame');
      assert.match(node.description, /OOM-killed/);
      assert.match(node.tooltip, /memory limit: 0\.13 GB/);
      await explorer.dispose();
    } finally {
      await deployer.delete(endpoint, 'oom');
      rmSync(oomDir, { recursive: true, force: true });
    }
  });

  it('debug mode: debugpy listens in the worker on a published port and errors carry their text', async () => {
    const info = await deployer.deploy(config({ deployment: 'debug', debug: true }));
    try {
      assert.ok(info.debugPort, 'the debugpy port is published');
      const logs = await waitFor('debugpy to listen', () => {
        const l = dockerLogs(info.id);
        return /debugpy listening on 0\.0\.0\.0:5678/.test(l) ? l : undefined;
      }, 30000);
      assert.match(logs, /Debug Mode: on/);
      assert.match(logs, /Worker Timeout \(seconds\): none \(debug\)/);
      // A real DAP handshake with debugpy through the published port.
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = connect(info.debugPort!, '127.0.0.1');
        let buf = '';
        const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no DAP answer; got ${buf}`))), 15000);
        sock.on('data', (d) => {
          buf += d.toString();
          if (/"command":\s*"initialize"/.test(buf)) {
            clearTimeout(timer);
            sock.destroy();
            resolve(buf);
          }
        });
        sock.on('error', reject);
        const msg = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'amld-test', clientID: 'amld-test' } });
        sock.write(`Content-Length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`);
      });
      assert.match(reply, /"success":\s*true/);
      const bad = await sendTestRequest(info.scoringUri, 'not json');
      assert.equal(bad.status, 500);
      assert.match(bad.body, /JSONDecodeError: Expecting value/);
    } finally {
      await deployer.delete(endpoint, 'debug');
    }
  });

  it('without gunicorn the harness serves through Flask\'s development server, and reload restarts it', async () => {
    const dir = copyExamples();
    try {
      // A module that shadows gunicorn and fails to import: the image then behaves as one without gunicorn.
      mkdirSync(path.join(dir, 'no-gunicorn'));
      writeFileSync(path.join(dir, 'no-gunicorn', 'gunicorn.py'), 'raise ImportError("gunicorn hidden by the test")\n');
      const info = await deployer.deploy(config({ deployment: 'flask', sourceDir: dir, env: { PYTHONPATH: '/var/azureml-app/no-gunicorn' } }));
      const logs = dockerLogs(info.id);
      assert.match(logs, /Server: werkzeug \(Flask development server\)/);
      assert.doesNotMatch(logs, /Booting worker/);
      const r = await sendTestRequest(info.scoringUri, JSON.stringify(sample));
      assert.equal(r.status, 200, r.body);
      const bad = await sendTestRequest(info.scoringUri, '[');
      assert.equal(bad.status, 500);
      assert.doesNotMatch(bad.body, /JSONDecodeError/);
      writeFileSync(path.join(dir, 'score.py'), readFileSync(path.join(dir, 'score.py'), 'utf8').replace('"predictions": predictions', '"flask": True, "predictions": predictions'));
      const again = await deployer.reload(endpoint, 'flask', dir);
      assert.equal(again.id, info.id);
      const r2 = await sendTestRequest(again.scoringUri, JSON.stringify(sample));
      assert.equal(JSON.parse(r2.body).flask, true);
    } finally {
      await deployer.delete(endpoint, 'flask');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a host port already in use is named, and no container is left behind', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(deployer.deploy(config({ deployment: 'busy', port })), (e: unknown) => {
        assert.ok(e instanceof LocalDeployError, String(e));
        assert.match(e.message, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
        return true;
      });
      assert.deepEqual(await deployer.find(endpoint, 'busy'), []);
    } finally {
      server.close();
    }
  });

  it('a base image that cannot be pulled is refused with the reason, before any container exists', async () => {
    // A registry on a closed loopback port: the pull fails at once, whatever the network of the machine.
    await assert.rejects(deployer.deploy(config({ deployment: 'noimage', baseImage: '127.0.0.1:1/amld-docker-test/does-not-exist:1' })), (e: unknown) => {
      assert.ok(e instanceof LocalDeployError);
      assert.equal(e.kind, 'image-missing');
      assert.match(e.message, /The registry 127\.0\.0\.1:1 cannot be reached from the Docker engine/);
      return true;
    });
    assert.deepEqual(await deployer.find(endpoint, 'noimage'), []);
  });

  it('the archive writer produces a tar that Docker extracts (nested paths, long names)', async () => {
    const long = `${'d'.repeat(90)}/${'f'.repeat(90)}.txt`;
    const id = docker('create', '--name', `${endpoint}-tar`, IMAGE, 'cat', `/x/${long}`);
    const dir = (name: string) => ({ name, type: 'directory' as const, size: 0, mode: 0o755, mtimeMs: Date.now() });
    try {
      await client.putArchive(id, '/', packArchive([dir('x'), dir(`x/${long.split('/')[0]}`), { name: `x/${long}`, type: 'file', size: 9, mode: 0o644, mtimeMs: Date.now(), data: Buffer.from('hello tar') }]));
      assert.equal(docker('start', '-a', id), 'hello tar');
    } finally {
      docker('rm', '-f', id);
    }
  });
});
