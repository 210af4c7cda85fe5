// The doctor's engine with stand-in capabilities (no Docker): step order, dependants skipped with the
// failed step named, Restricted Mode, cancellation with clean-up, and the hostile boundaries: container
// output and scoring responses arrive redacted and bounded in the report. The real engine runs in
// test/integration/doctor.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalDeployError, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import type { ContainerRunner, ImageStep, StartedContainer } from '../../../src/doctor/capabilities';
import { runDoctor, type DoctorProgress } from '../../../src/doctor/engine';
import { readTarget } from '../../../src/doctor/project';
import { toMarkdown, toSarif, toText } from '../../../src/doctor/render';
import { STEPS } from '../../../src/doctor/report';
import { schemaErrors } from '../../helpers/doctorSchema';
import { HEALTHY_SCORE, writeProject } from '../../helpers/doctorProjects';

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLXNlY3JldC10b2tlbiJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ';

const okImage: ImageStep = { ensureImage: async (c) => ({ image: c.baseImage, built: false, fromCache: true }) };

/** A stand-in scoring server on loopback, answering as `answer` says. */
class FakeScoring {
  server!: Server;
  answer: (body: string) => { status: number; body: string } = () => ({ status: 200, body: '{"predictions": [1]}' });
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const a = this.answer(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/score`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

class FakeRunner implements ContainerRunner {
  removed: string[] = [];
  started: LocalDeployConfig[] = [];
  logText = '';
  constructor(private readonly behave: (config: LocalDeployConfig, signal: AbortSignal) => Promise<StartedContainer>) {}
  start(config: LocalDeployConfig, _p: unknown, signal: AbortSignal): Promise<StartedContainer> {
    this.started.push(config);
    return this.behave(config, signal);
  }
  async *logs(): AsyncIterable<string> {
    yield this.logText;
  }
  async remove(id: string): Promise<void> {
    this.removed.push(id);
  }
}

const statuses = (r: { steps: { id: string; status: string }[] }) => Object.fromEntries(r.steps.map((s) => [s.id, s.status]));

describe('doctor engine (unit, stand-in capabilities)', () => {
  const scoring = new FakeScoring();
  let uri = '';
  const dirs: string[] = [];
  const project = async (files: Parameters<typeof writeProject>[0] = {}) => {
    const yml = writeProject(files);
    dirs.push(path.dirname(yml));
    return readTarget(yml, { baseImage: 'test-image:1' });
  };
  before(async () => {
    uri = await scoring.start();
  });
  after(async () => {
    await scoring.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs the steps in order; a healthy project passes 1-7 and the report matches the schema in every rendering', async () => {
    const runner = new FakeRunner(async (c) => ({ id: 'c1', name: `${c.endpoint}.${c.deployment}`, scoringUri: uri }));
    const events: DoctorProgress[] = [];
    const report = await runDoctor(await project(), { image: okImage, containers: runner }, { capacity: { targetRps: 10, requests: 12, concurrency: 3 }, onProgress: (e) => events.push(e), runId: 'abc' });
    assert.deepEqual(statuses(report), { script: 'passed', environment: 'passed', model: 'passed', image: 'passed', container: 'passed', scoring: 'passed', capacity: 'passed', azure: 'skipped' });
    assert.equal(report.outcome, 'passed');
    assert.deepEqual(events.filter((e) => e.type === 'start').map((e) => e.step), STEPS.map((s) => s.id).filter((id) => id !== 'azure'));
    assert.equal(runner.started[0]!.deployment, 'blue-doctor-abc', 'the doctor runs its own container, not the user\'s deployment');
    assert.deepEqual(runner.removed, ['c1'], 'and removes it afterwards');
    const cap = report.steps[6]!.details;
    assert.ok(cap?.kind === 'capacity' && cap.completed === 12 && cap.errors === 0 && cap.replicas && cap.replicas.replicas >= 1);
    assert.deepEqual(schemaErrors(report), []);
    assert.match(toText(report), /\[PASS\] 6\. Scoring: POST \/score with sample-request\.json answered 200/);
    assert.match(toMarkdown(report), /\| 7\. Capacity \| ✅ passed \|/);
    assert.deepEqual((toSarif(report) as { runs: { results: unknown[] }[] }).runs[0]!.results, []);
  });

  it('a failed step skips its dependants and names it; independent steps still run', async () => {
    const runner = new FakeRunner(async () => assert.fail('no container may start after step 1 failed'));
    const noRun = HEALTHY_SCORE.slice(0, HEALTHY_SCORE.indexOf('def run('));
    const report = await runDoctor(await project({ score: noRun }), { image: okImage, containers: runner });
    assert.deepEqual(statuses(report), { script: 'failed', environment: 'passed', model: 'passed', image: 'passed', container: 'skipped', scoring: 'skipped', capacity: 'skipped', azure: 'skipped' });
    const container = report.steps[4]!;
    assert.deepEqual(container.skip, { kind: 'dependency', dependsOn: 'script', message: 'step 1 (Entry script) failed' });
    assert.equal(report.steps[5]!.skip?.dependsOn, 'container');
    assert.equal(report.firstFailure, 'script');
    assert.deepEqual(schemaErrors(report), []);
    const sarif = toSarif(report, path.dirname(report.project.root)) as { runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    assert.deepEqual(sarif.runs[0]!.results.map((r) => r.ruleId), ['doctor/script']);
  });

  it('Restricted Mode: steps 1-3 only, the others skipped with the reason', async () => {
    const report = await runDoctor(await project(), { image: okImage, containers: new FakeRunner(async () => assert.fail('no container in Restricted Mode')) }, { mode: 'static', staticReason: 'Restricted Mode: trust the workspace' });
    assert.deepEqual(report.steps.filter((s) => s.status !== 'skipped').map((s) => s.id), ['script', 'environment', 'model']);
    for (const s of report.steps.slice(3)) assert.deepEqual(s.skip, { kind: 'restricted', message: 'Restricted Mode: trust the workspace' });
    assert.equal(report.mode, 'static');
    assert.deepEqual(schemaErrors(report), []);
  });

  it('cancelling during a step stops the run, skips the rest as cancelled and removes the half-started container', async () => {
    const abort = new AbortController();
    const runner = new FakeRunner(
      (_c, signal) =>
        new Promise((_resolve, reject) => {
          setImmediate(() => abort.abort()); // the user presses Cancel while init() runs
          signal.addEventListener('abort', () => reject(new LocalDeployError('Cancelled while waiting for the scoring server', 'cancelled', '', 'half-started')));
        }),
    );
    const report = await runDoctor(await project(), { image: okImage, containers: runner }, { signal: abort.signal });
    assert.equal(report.outcome, 'cancelled');
    assert.deepEqual(statuses(report), { script: 'passed', environment: 'passed', model: 'passed', image: 'passed', container: 'skipped', scoring: 'skipped', capacity: 'skipped', azure: 'skipped' });
    assert.ok(report.steps.slice(4).every((s) => s.skip?.kind === 'cancelled'));
    assert.deepEqual(runner.removed, ['half-started']);
  });

  it('container output is hostile: secrets redacted, ANSI and huge lines bounded, the traceback frame mapped into the project only', async () => {
    const proj = await project();
    const runner = new FakeRunner(async () => {
      throw new LocalDeployError('The container exited with code 3 before it served', 'exited', '', 'crashed');
    });
    runner.logText = [
      '\x1b[31mBooting worker with pid: 7\x1b[0m',
      `Authorization: Bearer ${SECRET}`,
      "Invoking user's init function",
      'Traceback (most recent call last):',
      '  File "/var/azureml-app/score.py", line 13, in init',
      '    model = json.load(f)',
      `ValueError: corrupt model ${'A'.repeat(300_000)} password=hunter2`,
      "User's init function failed",
      'Worker exiting (pid: 7)',
    ].join('\n');
    const report = await runDoctor(proj, { image: okImage, containers: runner });
    const c = report.steps[4]!;
    assert.equal(c.status, 'failed');
    assert.equal(c.link?.file, proj.entryScript, 'the frame maps to the local score.py');
    assert.equal(c.link?.line, 13);
    // The editor's runtime finding: the entry script's frame with the statement it printed, the exception clipped.
    assert.deepEqual([c.raised?.file, c.raised?.line, c.raised?.function, c.raised?.source], [proj.entryScript, 13, 'init', 'model = json.load(f)']);
    assert.match(c.raised?.exception ?? '', /^ValueError: corrupt model A+/);
    assert.ok(c.raised!.exception!.length <= 400);
    const json = JSON.stringify(report);
    assert.ok(!json.includes(SECRET) && !json.includes('hunter2'), 'no secret in the report');
    assert.ok(!json.includes('\\u001b'), 'no escape sequences');
    assert.ok(c.evidence.every((e) => e.text.length <= 400));
    assert.ok(!toMarkdown(report).includes('hunter2'));
    assert.deepEqual(runner.removed, ['crashed']);
    assert.deepEqual(schemaErrors(report), []);
  });

  it('a hostile scoring response: a 3 MB body with a secret is clipped and redacted; the 500 is explained', async () => {
    scoring.answer = () => ({ status: 500, body: JSON.stringify({ message: `password=hunter2 ${'x'.repeat(3 * 1024 * 1024)}` }) });
    try {
      const runner = new FakeRunner(async (c) => ({ id: 'c2', name: c.endpoint, scoringUri: uri }));
      const report = await runDoctor(await project(), { image: okImage, containers: runner });
      const s = report.steps[5]!;
      assert.equal(s.status, 'failed');
      assert.match(s.summary, /answered 500 Internal server error/);
      assert.ok(s.details?.kind === 'scoring' && s.details.body.length <= 2000);
      assert.ok(!JSON.stringify(report).includes('hunter2'));
      assert.ok(s.fix.some((f) => /container logs|try\/except/.test(f)));
      assert.equal(report.steps[6]!.skip?.dependsOn, 'scoring');
    } finally {
      scoring.answer = () => ({ status: 200, body: '{"predictions": [1]}' });
    }
  });

  it('an unexpected error in a step fails that step with the reason; the run goes on', async () => {
    const broken: ImageStep = { ensureImage: async () => Promise.reject(new Error('socket hang up talking to the engine')) };
    const report = await runDoctor(await project(), { image: broken, containers: new FakeRunner(async () => assert.fail('unreachable')) });
    assert.equal(report.steps[3]!.status, 'failed');
    assert.match(report.steps[3]!.summary, /could not complete this step: socket hang up/);
    assert.equal(report.steps[4]!.skip?.dependsOn, 'image');
    assert.deepEqual(schemaErrors(report), []);
  });

  it('an invalid sample file fails the scoring step at its line, before anything is sent', async () => {
    let requests = 0;
    scoring.answer = () => {
      requests++;
      return { status: 200, body: '{}' };
    };
    try {
      const proj = await project({ sample: '{\n  "data": [1, 2,\n}' });
      const report = await runDoctor(proj, { image: okImage, containers: new FakeRunner(async (c) => ({ id: 'c3', name: c.endpoint, scoringUri: uri })) });
      const s = report.steps[5]!;
      assert.equal(s.status, 'failed');
      assert.equal(s.link?.file, proj.sampleFile);
      assert.equal(s.link?.line, 3);
      assert.equal(requests, 0);
    } finally {
      scoring.answer = () => ({ status: 200, body: '{"predictions": [1]}' });
    }
  });

  it('no sample file: the request is built from the @input_schema sample', async () => {
    let seen = '';
    scoring.answer = (body) => {
      seen = body;
      return { status: 200, body: '{}' };
    };
    try {
      const score = [
        'import json',
        'import os',
        'import numpy as np',
        'from inference_schema.schema_decorators import input_schema',
        'from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType',
        'model = None',
        'def init():',
        '    global model',
        '    with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "weights.json")) as f:',
        '        model = json.load(f)',
        '@input_schema("data", NumpyParameterType(np.array([[1.0, 2.0, 3.0]])))',
        'def run(data):',
        '    try:',
        '        return {"predictions": (data @ np.array(model["coef"])).tolist()}',
        '    except Exception:',
        '        return {"error": "could not score"}',
        '',
      ].join('\n');
      const yml = writeProject({ score, sample: null });
      dirs.push(path.dirname(yml));
      writeFileSync(path.join(path.dirname(yml), 'notes.json'), '{}'); // not a sample by its name
      const report = await runDoctor(await readTarget(yml, { baseImage: 'x' }), { image: okImage, containers: new FakeRunner(async (c) => ({ id: 'c4', name: c.endpoint, scoringUri: uri })) });
      assert.equal(report.steps[5]!.status, 'passed', JSON.stringify(report.steps.map((s) => [s.id, s.status, s.summary])));
      assert.deepEqual(JSON.parse(seen), { data: [[1, 2, 3]] });
      assert.equal(report.steps[5]!.details?.kind === 'scoring' && report.steps[5]!.details.sampleSource, 'schema');
    } finally {
      scoring.answer = () => ({ status: 200, body: '{"predictions": [1]}' });
    }
  });
});
