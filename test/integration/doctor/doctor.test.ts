// (integration) Run Doctor against the real Docker engine and the real scoring image: one small project
// per broken step (each written here), and the doctor must name exactly that step, its fix and the line
// it concerns; a healthy project passes every step it can run. Step 4 builds each project's environment as
// Deploy Locally does (the pip-capable scoring image as the base, a pip index on loopback serving a wheel
// the test writes): built once, then found by its hash. Plus the CLI's JSON from a real run, checked
// against docs/doctor-report.schema.json.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { localCapabilities } from '../../../src/doctor/capabilities';
import { runDoctor, type DoctorCapabilities, type DoctorOptions } from '../../../src/doctor/engine';
import { readTarget } from '../../../src/doctor/project';
import type { DoctorReport, StepId } from '../../../src/doctor/report';
import { HEALTHY_SCORE, writeProject, type ProjectFiles } from '../../helpers/doctorProjects';
import { schemaErrors } from '../../helpers/doctorSchema';
import { HARNESS_DIR, PIP_IMAGE, REPO, descendsFromPipImage, docker, removeContainers, uniqueName, waitFor } from '../docker/helpers';
import { startDoctorEnvironment, SERVER_PACKAGE_VERSION, type DoctorEnvironment } from './environment';

const endpointPrefix = uniqueName('doctor');
const client = new DockerodeClient();
let env: DoctorEnvironment;
let caps: DoctorCapabilities;
const dirs: string[] = [];
let n = 0;

async function doctor(files: ProjectFiles, options: DoctorOptions = {}): Promise<{ report: DoctorReport; dir: string }> {
  const yml = writeProject({ endpoint: `${endpointPrefix}-${n++}`, conda: env.conda, ...files });
  dirs.push(path.dirname(yml));
  // --image: the pip-capable scoring image instead of the YAML's mcr.microsoft.com image (not reachable here).
  const project = await readTarget(yml, { baseImage: PIP_IMAGE });
  const report = await runDoctor(project, caps, { readinessTimeoutMs: 120000, ...options });
  env.track(report);
  assert.deepEqual(schemaErrors(report), []);
  return { report, dir: path.dirname(yml) };
}

/** The CLI as CI runs it, with the firewall settings from the environment (as a pipeline would set them). */
function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, AML_DOCTOR_PIP_INDEX_URL: env.pipIndexUrl };
}

function imageIds(): Set<string> {
  return new Set(docker('images', '-aq', '--no-trunc').split('\n').filter(Boolean));
}

function failedSteps(r: DoctorReport): StepId[] {
  return r.steps.filter((s) => s.status === 'failed').map((s) => s.id);
}

function step(r: DoctorReport, id: StepId) {
  return r.steps.find((s) => s.id === id)!;
}

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} not in the script`);
  return i + 1;
}

/** No container of this run is left on the engine. */
function assertCleanedUp(endpoint: string): void {
  assert.equal(docker('ps', '-aq', '--filter', `name=^${endpoint}`), '', `containers of ${endpoint} left behind`);
}

describe('Run Doctor (integration, real Docker engine and scoring image)', { timeout: 1500000 }, () => {
  before(async () => {
    env = await startDoctorEnvironment();
    // One deployer for the run, as the CLI and VS Code make it: it remembers which base images have conda.
    caps = localCapabilities(client, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 120000, environment: { network: { pipIndexUrl: env.pipIndexUrl } } });
  });
  after(async () => {
    removeContainers(endpointPrefix);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await env?.close();
  });

  it('a healthy project passes every step it runs (1-7), its environment built by step 4 and run by step 5; the container is removed afterwards', async () => {
    const { report } = await doctor({}, { capacity: { targetRps: 20, requests: 20, concurrency: 2 } });
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [['script', 'passed'], ['environment', 'passed'], ['model', 'passed'], ['image', 'passed'], ['container', 'passed'], ['scoring', 'passed'], ['capacity', 'passed'], ['azure', 'skipped']],
      JSON.stringify(report.steps.map((s) => s.summary)),
    );
    assert.equal(report.outcome, 'passed');
    const image = step(report, 'image');
    assert.ok(image.details?.kind === 'image');
    assert.match(image.details.image, /^aml-doctor-env\/linear-scoring:[0-9a-f]{20}$/);
    assert.equal(image.details.built, true, 'this run\'s environment is new: step 4 builds it');
    assert.equal(image.details.fromCache, false);
    assert.equal(image.details.baseImage, PIP_IMAGE);
    assert.match(image.summary, /^Built aml-doctor-env\/linear-scoring:\S+ from .* with the conda file conda\.yml\.$/);
    assert.ok(descendsFromPipImage(docker('image', 'inspect', '-f', '{{.Id}}', image.details.image)), 'built FROM the base image');
    assert.equal(report.project.image, image.details.image);
    const scoring = step(report, 'scoring').details;
    assert.ok(scoring?.kind === 'scoring');
    // The model's answer, computed by the real container: coef [1, 2, 3], intercept 0.5.
    assert.deepEqual(JSON.parse(scoring.body), { predictions: [6.5, 6.5] });
    const container = step(report, 'container');
    assert.ok(container.details?.kind === 'container' && container.details.server === 'harness');
    assert.match(container.notes.join(' '), /no Azure ML inference server \(azmlinfsrv\)/, 'says what the local run cannot reproduce');
    const cap = step(report, 'capacity').details;
    assert.ok(cap?.kind === 'capacity' && cap.completed === 20 && cap.errors === 0 && cap.latencyMs.p50 > 0 && cap.replicas!.replicas >= 1);
    assert.equal(step(report, 'azure').skip?.kind, 'unavailable');
    assertCleanedUp(report.project.endpoint);
  });

  it('the same environment a second time: step 4 finds the image by its hash (nothing built), step 5 runs exactly that image', async () => {
    const before = imageIds();
    const { report } = await doctor({}, { keepContainer: true });
    const endpoint = report.project.endpoint;
    try {
      assert.deepEqual(failedSteps(report), []);
      const image = step(report, 'image');
      assert.ok(image.details?.kind === 'image');
      assert.deepEqual([image.details.built, image.details.fromCache], [false, true]);
      assert.match(image.summary, /was found by the hash of its base image and environment files: nothing to build/);
      assert.deepEqual([...imageIds()].filter((id) => !before.has(id) && descendsFromPipImage(id)), [], 'the engine shows no new image');
      const ids = docker('ps', '-aq', '--filter', `name=^${endpoint}`).split('\n').filter(Boolean);
      assert.equal(ids.length, 1, 'the kept container');
      assert.equal(docker('inspect', '-f', '{{.Config.Image}}', ids[0]!), image.details.image, 'step 5 ran the image step 4 found');
    } finally {
      removeContainers(endpoint);
    }
  });

  it('an unknown pin: step 4 fails naming the package and its conda-file line; nothing after it runs', async () => {
    const conda = env.conda.replace(`azureml-defaults>=${SERVER_PACKAGE_VERSION}`, 'azureml-defaults==99.0');
    const { report, dir } = await doctor({ conda });
    assert.deepEqual(failedSteps(report), ['image']);
    const s = step(report, 'image');
    assert.match(s.summary, /azureml-defaults==99\.0/);
    assert.ok(s.evidence.some((e) => /No matching distribution found for azureml-defaults==99\.0/.test(e.text)), JSON.stringify(s.evidence));
    assert.deepEqual(s.link, { file: path.join(dir, 'environment', 'conda.yml'), line: lineOf(conda, 'azureml-defaults==99.0') });
    assert.ok(s.fix.some((f) => /version that exists/.test(f)), JSON.stringify(s.fix));
    assert.equal(step(report, 'container').skip?.dependsOn, 'image');
    assert.equal(step(report, 'scoring').skip?.dependsOn, 'container');
    assertCleanedUp(report.project.endpoint);
  });

  it('a model folder: the container sees it under AZUREML_MODEL_DIR/<folder>/ as Azure ML lays it out, and scoring passes', async () => {
    const score = HEALTHY_SCORE.replace('os.path.join(os.getenv("AZUREML_MODEL_DIR"), "weights.json")', 'os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "weights.json")');
    const { report } = await doctor({ score, modelPath: './model' });
    assert.deepEqual(failedSteps(report), [], JSON.stringify(report.steps.map((s) => s.summary)));
    assert.equal(step(report, 'scoring').status, 'passed');
  });

  it('a script without run(): step 1 fails with the fix to add run(); the container never starts', async () => {
    const score = HEALTHY_SCORE.slice(0, HEALTHY_SCORE.indexOf('def run('));
    const { report, dir } = await doctor({ score });
    assert.deepEqual(failedSteps(report), ['script']);
    const s = step(report, 'script');
    assert.match(s.summary, /missing-run/);
    assert.match(s.fix.join(' '), /Add def run\(raw_data\)/);
    assert.deepEqual(s.link, { file: path.join(dir, 'score.py'), line: 1, column: 1 });
    assert.equal(step(report, 'container').skip?.dependsOn, 'script');
    assert.equal(step(report, 'image').status, 'passed', 'the image step does not depend on the script');
    assertCleanedUp(report.project.endpoint);
  });

  it('an environment without the inference server: step 2 fails at the conda file, with the package to add', async () => {
    const conda = env.conda.replace('      - azureml-defaults>=1.0.45\n', '      - scikit-learn==1.5.1\n');
    const { report, dir } = await doctor({ conda });
    assert.deepEqual(failedSteps(report), ['environment']);
    const s = step(report, 'environment');
    assert.match(s.summary, /no azureml-defaults or azureml-inference-server-http/);
    assert.match(s.fix[0]!, /Add azureml-defaults>=1\.0\.45 to the pip dependencies/);
    assert.equal(s.link?.file, path.join(dir, 'environment', 'conda.yml'));
    assert.equal(s.link?.line, 4, 'the dependencies: line');
    assert.equal(step(report, 'image').skip?.dependsOn, 'environment');
  });

  it('a model file name that does not match what init() opens: step 3 names both files and the line', async () => {
    const { report, dir } = await doctor({ weightsName: 'linear-weights.json' });
    assert.deepEqual(failedSteps(report), ['model']);
    const s = step(report, 'model');
    assert.match(s.evidence[0]!.text, /opens \$AZUREML_MODEL_DIR\/weights\.json, but the model folder holds linear-weights\.json/);
    assert.match(s.fix[0]!, /Open "linear-weights\.json" instead \(line 12/);
    assert.equal(s.link?.file, path.join(dir, 'score.py'));
    assert.equal(s.link?.line, lineOf(HEALTHY_SCORE, 'with open(model_path)'));
    assert.equal(step(report, 'container').skip?.dependsOn, 'model');
  });

  it('an init() that raises: step 5 fails with the log diagnosis and the raising line of score.py', async () => {
    const score = HEALTHY_SCORE.replace(
      '        model = json.load(f)\n',
      '        model = json.load(f)\n    if model["version"] != 3:\n        raise ValueError("weights.json is version %s; this script needs version 3" % model["version"])\n',
    );
    const { report, dir } = await doctor({ score });
    assert.deepEqual(failedSteps(report), ['container']);
    const s = step(report, 'container');
    assert.match(s.summary, /init\(\) raised an exception/);
    assert.ok(s.evidence.some((e) => /ValueError: weights\.json is version 2; this script needs version 3/.test(e.text)), JSON.stringify(s.evidence));
    assert.match(s.fix.join(' '), /init\(\)/);
    assert.deepEqual(s.link, { file: path.join(dir, 'score.py'), line: lineOf(score, 'raise ValueError') });
    // The editor's runtime finding: the entry script's raising line, with the statement the traceback printed.
    assert.equal(s.raised?.file, path.join(dir, 'score.py'));
    assert.equal(s.raised?.line, lineOf(score, 'raise ValueError'));
    assert.equal(s.raised?.function, 'init');
    assert.match(s.raised?.source ?? '', /^raise ValueError\("weights\.json is version %s/);
    assert.match(s.raised?.exception ?? '', /^ValueError: weights\.json is version 2/);
    assertCleanedUp(report.project.endpoint);
  });

  it('a run() that raises on the sample: step 6 fails with the status, the run() diagnosis and the raising line', async () => {
    const score = HEALTHY_SCORE.replace(
      /def run\(raw_data\):[\s\S]*$/,
      'def run(raw_data):\n    rows = json.loads(raw_data)["inputs"]\n    return {"predictions": [sum(row) for row in rows]}\n',
    );
    const { report, dir } = await doctor({ score });
    assert.deepEqual(failedSteps(report), ['scoring']);
    const s = step(report, 'scoring');
    assert.match(s.summary, /answered 500 Internal server error: run\(\) raised/);
    assert.ok(s.evidence.some((e) => /KeyError: 'inputs'/.test(e.text)), JSON.stringify(s.evidence));
    assert.deepEqual(s.link, { file: path.join(dir, 'score.py'), line: lineOf(score, '["inputs"]') });
    assert.deepEqual([s.raised?.line, s.raised?.function, s.raised?.exception], [lineOf(score, '["inputs"]'), 'run', "KeyError: 'inputs'"]);
    assert.match(s.fix.join(' '), /try\/except/);
    assertCleanedUp(report.project.endpoint);
  });

  it('a run() slower than the request timeout: step 6 fails, naming request_timeout_ms and the 408', async () => {
    const score = HEALTHY_SCORE.replace('import os\n', 'import os\nimport time\n').replace('    try:\n        rows', '    time.sleep(4)\n    try:\n        rows');
    const { report, dir } = await doctor({ score, yamlExtra: 'request_settings:\n  request_timeout_ms: 1000' });
    assert.deepEqual(failedSteps(report), ['scoring']);
    const s = step(report, 'scoring');
    assert.match(s.summary, /run\(\) did not answer within the request timeout \(request_timeout_ms 1000 ms\): Azure answers 408/);
    assert.match(s.fix.join(' '), /request_timeout_ms/);
    assert.deepEqual(s.link, { file: path.join(dir, 'score.py'), line: lineOf(score, 'def run(') });
    assert.equal(s.raised, undefined, 'no traceback: nothing raised');
    assertCleanedUp(report.project.endpoint);
  });

  it('the CLI\'s JSON from a real run matches the schema; exit 0 on a healthy project', () => {
    const yml = writeProject({ endpoint: `${endpointPrefix}-cli`, conda: env.conda });
    dirs.push(path.dirname(yml));
    // The YAML's mcr.microsoft.com image mapped to the local base image, as a company mirror would be.
    const map = `mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest=${PIP_IMAGE}`;
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor', yml, '--image-map', map, '--format', 'json'], { encoding: 'utf8', timeout: 600000, env: cliEnv() });
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
    const report = JSON.parse(r.stdout) as DoctorReport;
    env.track(report);
    assert.deepEqual(schemaErrors(report), []);
    assert.deepEqual(failedSteps(report), []);
    assert.equal(step(report, 'scoring').status, 'passed');
    const image = step(report, 'image').details;
    assert.ok(image?.kind === 'image' && image.baseImage === PIP_IMAGE, JSON.stringify(image));
    assert.equal(report.project.image, image.image);
    assert.ok(readFileSync(yml, 'utf8').includes(`endpoint_name: ${endpointPrefix}-cli`));
    assertCleanedUp(`${endpointPrefix}-cli`);
  });

  it('Ctrl+C on the CLI while init() runs: the run stops, the container is removed, the partial report says cancelled (exit 130)', async () => {
    const endpoint = `${endpointPrefix}-sigint`;
    const score = HEALTHY_SCORE.replace('import os\n', 'import os\nimport time\n').replace('    global model\n', '    global model\n    time.sleep(600)\n');
    const yml = writeProject({ endpoint, score, conda: env.conda });
    dirs.push(path.dirname(yml));
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor', yml, '--image', PIP_IMAGE, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // init() is running once the doctor's container is up.
      await waitFor('the doctor\'s container to run', () => docker('ps', '-q', '--filter', `name=^${endpoint}.blue-doctor-`, '--filter', 'status=running') !== '', 600000, 200);
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, stderr);
      const report = JSON.parse(stdout) as DoctorReport;
      assert.equal(report.outcome, 'cancelled');
      assert.deepEqual(report.steps.slice(4).map((s) => s.skip?.kind), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
      assert.deepEqual(schemaErrors(report), []);
      assertCleanedUp(endpoint);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
