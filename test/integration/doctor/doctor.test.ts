// (integration) Run Doctor against the real Docker engine and the real scoring image: one small project
// per broken step (each written here), and the doctor must name exactly that step, its fix and the line
// it concerns; a healthy project passes every step it can run. Plus the CLI's JSON from a real run,
// checked against docs/doctor-report.schema.json.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { BaseImageStep, LocalContainerRunner } from '../../../src/doctor/capabilities';
import { runDoctor, type DoctorOptions } from '../../../src/doctor/engine';
import { readTarget } from '../../../src/doctor/project';
import type { DoctorReport, StepId } from '../../../src/doctor/report';
import { HEALTHY_CONDA, HEALTHY_SCORE, writeProject, type ProjectFiles } from '../../helpers/doctorProjects';
import { schemaErrors } from '../../helpers/doctorSchema';
import { HARNESS_DIR, IMAGE, REPO, docker, removeContainers, uniqueName, waitFor } from '../docker/helpers';

const endpointPrefix = uniqueName('doctor');
const client = new DockerodeClient();
const caps = {
  image: new BaseImageStep(client),
  containers: new LocalContainerRunner(client, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 120000 }),
};
const dirs: string[] = [];
let n = 0;

async function doctor(files: ProjectFiles, options: DoctorOptions = {}): Promise<{ report: DoctorReport; dir: string }> {
  const yml = writeProject({ endpoint: `${endpointPrefix}-${n++}`, ...files });
  dirs.push(path.dirname(yml));
  const project = await readTarget(yml, { baseImage: IMAGE });
  const report = await runDoctor(project, caps, { readinessTimeoutMs: 120000, ...options });
  assert.deepEqual(schemaErrors(report), []);
  return { report, dir: path.dirname(yml) };
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

describe('Run Doctor (integration, real Docker engine and scoring image)', { timeout: 900000 }, () => {
  after(() => {
    removeContainers(endpointPrefix);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a healthy project passes every step it runs (1-7); the container is removed afterwards', async () => {
    const { report } = await doctor({}, { capacity: { targetRps: 20, requests: 20, concurrency: 2 } });
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [['script', 'passed'], ['environment', 'passed'], ['model', 'passed'], ['image', 'passed'], ['container', 'passed'], ['scoring', 'passed'], ['capacity', 'passed'], ['azure', 'skipped']],
      JSON.stringify(report.steps.map((s) => s.summary)),
    );
    assert.equal(report.outcome, 'passed');
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
    const conda = HEALTHY_CONDA.replace('      - azureml-defaults>=1.0.45\n', '      - scikit-learn==1.5.1\n');
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
    const yml = writeProject({ endpoint: `${endpointPrefix}-cli` });
    dirs.push(path.dirname(yml));
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor', yml, '--image', IMAGE, '--format', 'json'], { encoding: 'utf8', timeout: 300000 });
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.deepEqual(schemaErrors(report), []);
    assert.deepEqual(failedSteps(report), []);
    assert.equal(step(report, 'scoring').status, 'passed');
    assert.equal(report.project.image, IMAGE);
    assert.ok(readFileSync(yml, 'utf8').includes(`endpoint_name: ${endpointPrefix}-cli`));
    assertCleanedUp(`${endpointPrefix}-cli`);
  });

  it('Ctrl+C on the CLI while init() runs: the run stops, the container is removed, the partial report says cancelled (exit 130)', async () => {
    const endpoint = `${endpointPrefix}-sigint`;
    const score = HEALTHY_SCORE.replace('import os\n', 'import os\nimport time\n').replace('    global model\n', '    global model\n    time.sleep(600)\n');
    const yml = writeProject({ endpoint, score });
    dirs.push(path.dirname(yml));
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor', yml, '--image', IMAGE, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // init() is running once the doctor's container is up.
      await waitFor('the doctor\'s container to run', () => docker('ps', '-q', '--filter', `name=^${endpoint}.blue-doctor-`, '--filter', 'status=running') !== '', 120000, 200);
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
