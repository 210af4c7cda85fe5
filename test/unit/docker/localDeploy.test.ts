// (unit) Local deployment configuration: validation messages, the deployment YAML of examples/, names,
// and the archive copied into the container.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { packArchive } from '../../../src/docker/archive';
import type { DockerClient } from '../../../src/docker/client';
import { configFromDeploymentYaml } from '../../../src/environment/deploymentYaml';
import { LocalDeployError, LocalDeployer, configHash, containerNameFor, describeCrash, modelDirFor, validateConfig } from '../../../src/docker/localDeploy';

const REPO = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(REPO, 'examples');

describe('local deploy configuration (unit)', () => {
  it('reads examples/deployment.yml into a configuration with resolved paths', () => {
    const file = path.join(EXAMPLES, 'deployment.yml');
    const c = configFromDeploymentYaml(readFileSync(file, 'utf8'), file, { baseImage: 'aml-doctor/scoring:bookworm-1', port: 0 });
    assert.equal(c.endpoint, 'diabetes-endpoint');
    assert.equal(c.deployment, 'blue');
    assert.equal(c.sourceDir, EXAMPLES);
    assert.equal(c.entryScript, 'score.py');
    assert.equal(c.modelPath, path.join(EXAMPLES, 'model', 'diabetes-linear.npz'));
    assert.equal(c.condaFile, path.join(EXAMPLES, 'environment', 'conda.yml'));
    // What the deployment names wins over the setting (the fallback).
    assert.equal(c.baseImage, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
    assert.equal(c.environment?.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
    assert.deepEqual(validateConfig(c), []);
    assert.equal(modelDirFor(c), '/var/azureml-app/azureml-models/diabetes-linear/1');
  });

  it('names each problem of a bad configuration, and bad YAML', () => {
    const problems = validateConfig({ endpoint: '', deployment: 'x', sourceDir: '/nonexistent-amld', entryScript: 'score.py', baseImage: '', port: 70000, memoryGb: 0 });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.ok(problems.some((p) => /source folder \/nonexistent-amld does not exist/.test(p)));
    assert.ok(problems.some((p) => /port 70000/.test(p)));
    assert.ok(problems.some((p) => /memory_gb 0 is too small/.test(p)));
    assert.ok(validateConfig({ endpoint: 'e', deployment: 'd', sourceDir: EXAMPLES, entryScript: 'nope.py', baseImage: 'i', port: 0 }).some((p) => /nope\.py is not in the source folder/.test(p)));
    assert.throws(() => configFromDeploymentYaml('name: [unclosed', '/x/d.yml', { baseImage: 'i' }), (e: unknown) => e instanceof LocalDeployError && /not valid YAML/.test(e.message));
    assert.throws(() => configFromDeploymentYaml('name: blue\n', '/x/d.yml', { baseImage: 'i' }), /scoring_script/);
  });

  it('container names follow <endpoint>.<deployment> and stay valid for Docker', () => {
    assert.equal(containerNameFor('my-endpoint', 'blue'), 'my-endpoint.blue');
    assert.equal(containerNameFor('my endpoint', 'blue/1'), 'my-endpoint.blue-1');
    assert.match(containerNameFor('-x', 'y'), /^[a-zA-Z0-9]/);
  });

  it('the config hash changes with what needs a recreate', () => {
    const c = { endpoint: 'e', deployment: 'd', sourceDir: '/a', entryScript: 's.py', baseImage: 'i', port: 0 };
    assert.equal(configHash(c), configHash({ ...c }));
    assert.notEqual(configHash(c), configHash({ ...c, baseImage: 'j' }));
    assert.notEqual(configHash(c), configHash({ ...c, memoryGb: 1 }));
  });

  it('describes a crash from the last log lines', () => {
    assert.match(describeCrash("User's init function failed\nTraceback...\nRuntimeError: boom\nWorker failed to boot.", 3), /init\(\) in the entry script raised RuntimeError: boom/);
    assert.match(describeCrash('', 137), /out of memory/);
  });
});

describe('LocalDeployer.buildArchive (unit)', () => {
  it('puts harness, code and model where the inference server expects them, skipping caches', async () => {
    const src = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-src-'));
    try {
      writeFileSync(path.join(src, 'score.py'), 'def init(): pass\ndef run(d): return d\n');
      mkdirSync(path.join(src, 'pkg'));
      writeFileSync(path.join(src, 'pkg', 'util.py'), 'X = 1\n');
      mkdirSync(path.join(src, '__pycache__'));
      writeFileSync(path.join(src, '__pycache__', 'score.cpython-311.pyc'), 'junk');
      mkdirSync(path.join(src, '.git'));
      writeFileSync(path.join(src, '.git', 'HEAD'), 'ref');
      const deployer = new LocalDeployer({} as DockerClient, nullLogger, { harnessDir: path.join(REPO, 'media', 'harness') });
      const plan = await deployer.buildArchive(
        { endpoint: 'e', deployment: 'd', sourceDir: src, entryScript: 'score.py', modelPath: path.join(EXAMPLES, 'model', 'diabetes-linear.npz'), modelName: 'diabetes-linear', modelVersion: '3', condaFile: path.join(EXAMPLES, 'environment', 'conda.yml'), baseImage: 'i', port: 0 },
        { code: true, model: true, harness: true },
      );
      await pipeline(packArchive(plan.entries), createWriteStream(path.join(os.tmpdir(), `amld-docker-test-${process.pid}.tar`)));
      const tarFile = path.join(os.tmpdir(), `amld-docker-test-${process.pid}.tar`);
      const list = spawnSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((p) => p.replace(/\/$/, ''));
      rmSync(tarFile, { force: true });
      for (const want of [
        'var/aml-doctor/start.sh',
        'var/aml-doctor/aml_harness.py',
        'var/aml-doctor/gunicorn_conf.py',
        'var/aml-doctor/conda.yml',
        'var/azureml-app/score.py',
        'var/azureml-app/pkg/util.py',
        'var/azureml-app/azureml-models/diabetes-linear/3/diabetes-linear.npz',
        'var/aml-doctor/code-manifest.json',
      ]) assert.ok(list.includes(want), `${want} in ${list.join(', ')}`);
      assert.ok(!list.some((p) => p.includes('__pycache__') || /\/\.git(\/|$)/.test(p)), list.join(', '));
      assert.equal(new Set(list).size, list.length, 'each directory once');
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  it('lays a model out as Azure ML does: a folder keeps its name under AZUREML_MODEL_DIR, a file sits directly in it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-layout-'));
    try {
      const folder = path.join(dir, 'sentiment-model');
      mkdirSync(path.join(folder, 'tokenizer'), { recursive: true });
      writeFileSync(path.join(folder, 'weights.json'), '{}');
      writeFileSync(path.join(folder, 'tokenizer', 'vocab.txt'), 'a\n');
      const deployer = new LocalDeployer({} as DockerClient, nullLogger, { harnessDir: path.join(REPO, 'media', 'harness') });
      const base = { endpoint: 'e', deployment: 'd', sourceDir: EXAMPLES, entryScript: 'score.py', modelName: 'sentiment', modelVersion: '2', baseImage: 'i', port: 0 };
      const names = async (modelPath: string) => (await deployer.buildArchive({ ...base, modelPath }, { code: false, model: true, harness: false })).entries.map((e) => e.name);
      const fromFolder = await names(folder);
      for (const want of [
        'var/azureml-app/azureml-models/sentiment/2/sentiment-model',
        'var/azureml-app/azureml-models/sentiment/2/sentiment-model/weights.json',
        'var/azureml-app/azureml-models/sentiment/2/sentiment-model/tokenizer/vocab.txt',
      ]) assert.ok(fromFolder.includes(want), `${want} in ${fromFolder.join(', ')}`);
      assert.ok(!fromFolder.includes('var/azureml-app/azureml-models/sentiment/2/weights.json'), 'not the folder\'s contents directly in AZUREML_MODEL_DIR');
      // A trailing separator names the same folder.
      assert.deepEqual(await names(`${folder}${path.sep}`), fromFolder);
      assert.ok((await names(path.join(folder, 'weights.json'))).includes('var/azureml-app/azureml-models/sentiment/2/weights.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model over 64 GB with a message naming it, before anything is read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-huge-'));
    try {
      const huge = path.join(dir, 'huge.bin');
      writeFileSync(huge, '');
      truncateSync(huge, 65 * 1024 ** 3); // sparse
      const deployer = new LocalDeployer({} as DockerClient, nullLogger, { harnessDir: path.join(REPO, 'media', 'harness') });
      await assert.rejects(
        deployer.buildArchive({ endpoint: 'e', deployment: 'd', sourceDir: EXAMPLES, entryScript: 'score.py', modelPath: huge, baseImage: 'i', port: 0 }, { code: false, model: true, harness: false }),
        (e: unknown) => e instanceof LocalDeployError && e.kind === 'invalid-config' && e.message.includes(huge) && /larger than 64 GB/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
