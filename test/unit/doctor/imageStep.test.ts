// Run Doctor's step 4 (the environment build, EnvironmentImageStep over LocalDeployer.prepareImage) and its
// handoff to step 5, over a recording DockerClient stand-in: a build failure names the package and its
// conda-file line, hostile build output stays bounded and redacted, a cache hit builds nothing, and step 5
// starts exactly the image step 4 made (its conda run prefix included) without building again. --image and
// the fallback image of the project readers. The real engine is in test/integration/doctor/doctor.test.ts.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import type { ContainerSpec, DockerClient, EngineMessage, ImageDetails } from '../../../src/docker/client';
import { LocalDeployer, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import { BUILD_TAIL_BYTES, EnvironmentImageStep, ImageStepError, localCapabilities, OutputTail, type ContainerRunner, type ImageResult } from '../../../src/doctor/capabilities';
import { runDoctor, type DoctorProgress } from '../../../src/doctor/engine';
import { readTarget } from '../../../src/doctor/project';
import { environmentHash, environmentTag, LABELS } from '../../../src/environment/dockerfile';
import { HEALTHY_CONDA, writeProject } from '../../helpers/doctorProjects';
import { schemaErrors } from '../../helpers/doctorSchema';

const HARNESS = path.resolve(__dirname, '..', '..', '..', 'media', 'harness');
const BASE = 'base:1';
const SECRET = 'hunter2-build-secret';

interface Recorded {
  calls: string[];
  created: ContainerSpec[];
}

/** An engine with `images`; builds answer with `build` (the stream of a failing or passing build). */
function fakeDocker(images: Record<string, Partial<ImageDetails>>, build: () => EngineMessage[] = () => []): { client: DockerClient; rec: Recorded } {
  const rec: Recorded = { calls: [], created: [] };
  const client = {
    endpoint: 'unix:///fake.sock',
    async inspectImage(image: string) {
      rec.calls.push(`inspect ${image}`);
      const i = images[image];
      return i ? ({ id: `sha256:${image}`, repoTags: [image], labels: {}, env: [], os: 'linux', architecture: 'amd64', size: 1, ...i } as ImageDetails) : undefined;
    },
    async enginePlatform() {
      return { os: 'linux', architecture: 'x86_64' };
    },
    async *pullImage(image: string) {
      rec.calls.push(`pull ${image}`);
      yield { status: 'Pulling fs layer', id: 'l1' };
      images[image] = {};
    },
    async createContainer(spec: ContainerSpec) {
      if (spec.labels?.['aml-doctor.probe']) {
        rec.calls.push('probe');
        return 'probe';
      }
      rec.calls.push(`create ${spec.image}`);
      rec.created.push(spec);
      return 'c1';
    },
    async start(id: string) {
      if (id !== 'probe') throw new Error('the stand-in engine starts no scoring container');
    },
    async *logs() {
      yield Buffer.from('none\n'); // the conda probe: no conda in the image
    },
    async remove(id: string) {
      rec.calls.push(`remove ${id}`);
    },
    async listContainers() {
      return [];
    },
    async putArchive(_id: string, _p: string, tar: Readable) {
      for await (const _ of tar) {
        /* drained: the copy itself is not what these tests look at */
      }
    },
    buildImage(_context: unknown, options: { tag: string }) {
      rec.calls.push(`build ${options.tag}`);
      const messages = build();
      return (async function* () {
        yield* messages;
      })();
    },
  };
  return { client: client as unknown as DockerClient, rec };
}

const PIP_FAILURE: EngineMessage[] = [
  { stream: 'Step 1/5 : FROM base:1\n' },
  { stream: 'Step 4/5 : RUN /opt/aml-doctor-env/bin/pip install -r /tmp/requirements.txt\n' },
  { stream: ' ---> Running in 3f2a\n' },
  { stream: 'Looking in indexes: http://127.0.0.1:9/simple\n' },
  { stream: 'ERROR: Could not find a version that satisfies the requirement azureml-defaults==99.0 (from versions: 1.0.45)\n' },
  { stream: 'ERROR: No matching distribution found for azureml-defaults==99.0\n' },
  { error: "The command '/bin/sh -c /opt/aml-doctor-env/bin/pip install -r /tmp/requirements.txt' returned a non-zero code: 1", errorDetail: { message: "The command '/bin/sh -c /opt/aml-doctor-env/bin/pip install -r /tmp/requirements.txt' returned a non-zero code: 1" } },
];

class RecordingRunner implements ContainerRunner {
  started: { config: LocalDeployConfig; image: ImageResult }[] = [];
  async start(config: LocalDeployConfig, _p: unknown, _s: AbortSignal, image: ImageResult) {
    this.started.push({ config, image });
    return { id: 'c', name: 'c', scoringUri: 'http://127.0.0.1:9/score' };
  }
  async *logs(): AsyncIterable<string> {}
  async remove(): Promise<void> {}
}

describe('Run Doctor step 4: the environment build (unit, stand-in engine)', () => {
  const dirs: string[] = [];
  const project = async (conda = HEALTHY_CONDA, defaults: Parameters<typeof readTarget>[1] = { baseImage: BASE }) => {
    const yml = writeProject({ conda });
    dirs.push(path.dirname(yml));
    return readTarget(yml, defaults);
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('an unknown pin fails step 4: the package and its conda-file line are named, the dependants skipped', async () => {
    const conda = HEALTHY_CONDA.replace('azureml-defaults>=1.0.45', 'azureml-defaults==99.0');
    const proj = await project(conda);
    const { client, rec } = fakeDocker({ [BASE]: {} }, () => PIP_FAILURE);
    const runner = new RecordingRunner();
    const progress: string[] = [];
    const report = await runDoctor(proj, { image: new EnvironmentImageStep(new LocalDeployer(client, nullLogger, { harnessDir: HARNESS })), containers: runner }, { onProgress: (e: DoctorProgress) => void (e.type === 'message' && e.step === 'image' && progress.push(e.message)) });
    const s = report.steps[3]!;
    assert.equal(s.status, 'failed', s.summary);
    assert.equal(report.firstFailure, 'image');
    assert.match(s.summary, /azureml-defaults==99\.0/);
    const condaFile = proj.config.condaFile!;
    const line = conda.split('\n').findIndex((l) => l.includes('azureml-defaults==99.0')) + 1;
    assert.deepEqual(s.link, { file: condaFile, line });
    assert.ok(s.evidence.some((e) => e.location?.file === condaFile && e.location.line === line && /azureml-defaults/.test(e.text)), JSON.stringify(s.evidence));
    assert.ok(s.evidence.some((e) => /No matching distribution found for azureml-defaults==99\.0/.test(e.text)), JSON.stringify(s.evidence));
    assert.ok(s.fix.length > 0);
    assert.deepEqual(s.details, { kind: 'image', image: BASE, built: false, fromCache: false });
    assert.deepEqual(report.steps[4]!.skip, { kind: 'dependency', dependsOn: 'image', message: 'step 4 (Image) failed' });
    assert.deepEqual(runner.started, [], 'no container after a failed build');
    assert.ok(progress.some((m) => /^Step 4\/5: RUN .*pip install/.test(m)), progress.join('\n'));
    assert.ok(rec.calls.includes('probe'), 'the base image was probed for conda before the build');
    assert.deepEqual(schemaErrors(report), []);
  });

  it('hostile build output: 20 MB without a newline and a secret reach neither the progress nor the report unbounded', async () => {
    const proj = await project(HEALTHY_CONDA.replace('azureml-defaults>=1.0.45', 'azureml-defaults==99.0'));
    const huge = `${'x'.repeat(20 * 1024 * 1024)} password=${SECRET}`;
    const { client } = fakeDocker({ [BASE]: {} }, () => [{ stream: 'Step 4/5 : RUN pip install\n' }, { stream: huge }, { stream: `\nAuthorization: Bearer ${SECRET}\n` }, { error: 'returned a non-zero code: 1' }]);
    const step = new EnvironmentImageStep(new LocalDeployer(client, nullLogger, { harnessDir: HARNESS }));
    const progress: string[] = [];
    const err = await step.ensureImage(proj.config, (m) => progress.push(m), new AbortController().signal).then(
      () => assert.fail('the build failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ImageStepError, String(err));
    assert.ok(err.log !== undefined && err.log.length <= BUILD_TAIL_BYTES + 8 * 1024, `tail of ${err.log?.length} characters`);
    assert.ok(!err.log.includes(SECRET) && !err.message.includes(SECRET), 'the secret is redacted before it is kept');
    assert.ok(progress.every((m) => m.length <= 300 && !m.includes(SECRET)), progress.map((m) => m.length).join(','));
    const report = await runDoctor(proj, { image: step, containers: new RecordingRunner() });
    assert.ok(!JSON.stringify(report).includes(SECRET));
    assert.ok(report.steps[3]!.evidence.every((e) => e.text.length <= 400));
  });

  it('OutputTail keeps the newest lines within its bytes, cuts lines at 8 KB, and knows the last line', () => {
    const tail = new OutputTail();
    for (let i = 0; i < 100_000; i++) tail.push(`line ${i}\n`);
    tail.push(`${'y'.repeat(100_000)}\n\n  \n`);
    const text = tail.text();
    assert.ok(text.length <= BUILD_TAIL_BYTES, String(text.length));
    assert.ok(text.includes('line 99999') && !text.includes('line 0\n'));
    assert.ok(text.split('\n').every((l) => l.length <= 8 * 1024));
    assert.equal(tail.lastLine(), 'y'.repeat(8 * 1024));
  });

  it('an unchanged environment is found by its hash (nothing built); step 5 starts exactly that image with its conda run prefix', async () => {
    const proj = await project();
    const conda = readFileSync(proj.config.condaFile!, 'utf8');
    const tag = environmentTag('linear-scoring', environmentHash({ kind: 'generated', baseImageId: `sha256:${BASE}`, condaText: conda }));
    const runPrefix = ['conda', 'run', '--no-capture-output', '-n', 'inf-conda-env'];
    const { client, rec } = fakeDocker({ [BASE]: {}, [tag]: { labels: { [LABELS.run]: JSON.stringify(runPrefix) } } });
    const caps = localCapabilities(client, nullLogger, { harnessDir: HARNESS, readinessTimeoutMs: 1000 });
    const report = await runDoctor(proj, caps);
    const image = report.steps[3]!;
    assert.equal(image.status, 'passed', image.summary);
    assert.deepEqual(image.details, { kind: 'image', image: tag, built: false, fromCache: true, baseImage: BASE, pulled: false });
    assert.match(image.summary, /found by the hash of its base image and environment files: nothing to build/);
    // Step 5 created its container from step 4's image, with the run prefix, and built nothing on top of it.
    assert.deepEqual(rec.created.map((c) => c.image), [tag]);
    assert.deepEqual(rec.created[0]!.cmd?.slice(0, runPrefix.length), runPrefix);
    assert.ok(!rec.calls.some((c) => c.startsWith('build') || c === 'probe'), rec.calls.join(', '));
    assert.equal(rec.calls.filter((c) => c === `inspect ${tag}`).length, 1, 'the environment is resolved once, by step 4');
    // The container records the deployment's environment, not the built image as a base image to build on.
    const recorded = JSON.parse(rec.created[0]!.labels!['aml-doctor.config']!) as LocalDeployConfig;
    assert.equal(recorded.environment?.condaFile, proj.config.condaFile);
    assert.equal(recorded.baseImage, BASE);
  });

  it('step 5 receives the image result of step 4 and the configuration unchanged', async () => {
    const proj = await project();
    const made: ImageResult = { image: 'aml-doctor-env/x:1', built: true, fromCache: false, runPrefix: ['conda', 'run', '-n', 'e'] };
    const runner = new RecordingRunner();
    await runDoctor(proj, { image: { ensureImage: async () => made }, containers: runner });
    assert.equal(runner.started.length, 1);
    assert.equal(runner.started[0]!.image, made);
    assert.deepEqual(runner.started[0]!.config.environment, proj.config.environment);
    assert.equal(runner.started[0]!.config.baseImage, proj.config.baseImage);
  });

  it('--image replaces the image the environment starts from; without it the YAML\'s image wins over the fallback', async () => {
    const withOverride = await project(HEALTHY_CONDA, { baseImage: 'override:1', fallbackImage: 'fallback:1' });
    assert.equal(withOverride.config.environment?.image, 'override:1');
    assert.equal(withOverride.config.environment?.condaFile, withOverride.config.condaFile, 'the conda file is still built on it');
    assert.ok(withOverride.notes.some((n) => /override:1 \(--image\) instead of mcr\.microsoft\.com/.test(n)), withOverride.notes.join('; '));
    const withFallback = await project(HEALTHY_CONDA, { fallbackImage: 'fallback:1' });
    assert.equal(withFallback.config.environment?.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
    const entry = await readTarget(path.join(path.dirname(withFallback.target.file!), 'score.py'), { fallbackImage: 'fallback:1' });
    assert.deepEqual(entry.config.environment, { origin: 'score.py (step by step)', image: 'fallback:1', condaFile: entry.config.condaFile, requirementsFile: undefined });
  });

  it('an SDK v1 script: step 4 builds the environment the script names (requirements, base image, CondaDependencies)', async () => {
    const yml = writeProject({});
    const dir = path.dirname(yml);
    dirs.push(dir);
    writeFileSync(path.join(dir, 'requirements.txt'), 'azureml-defaults==1.0.45\n');
    const script = (env: string) => {
      const file = path.join(dir, 'deploy.py');
      writeFileSync(file, ['from azureml.core import Environment', 'from azureml.core.model import InferenceConfig', ...env.split('\n'), 'inference_config = InferenceConfig(entry_script="score.py", source_directory=".", environment=env)', ''].join('\n'));
      return file;
    };
    const pip = await readTarget(script('env = Environment.from_pip_requirements(name="env", file_path="requirements.txt")\nenv.docker.base_image = "custom/base:2"'), { fallbackImage: 'fallback:1' });
    assert.equal(pip.config.environment?.requirementsFile, path.join(dir, 'requirements.txt'));
    assert.equal(pip.config.environment?.image, 'custom/base:2');
    assert.equal(pip.config.environment?.condaFile, undefined, 'not the conda file lying next to score.py');
    assert.equal(pip.requirementsFile, path.join(dir, 'requirements.txt'));
    const created = await readTarget(script('from azureml.core.conda_dependencies import CondaDependencies\nenv = Environment("env")\nenv.python.conda_dependencies = CondaDependencies.create(pip_packages=["azureml-defaults"])'), { fallbackImage: 'fallback:1' });
    assert.match(created.config.environment?.condaText ?? '', /azureml-defaults/);
    assert.equal(created.config.environment?.image, 'fallback:1');
    const overridden = await readTarget(script('env = Environment.from_pip_requirements(name="env", file_path="requirements.txt")\nenv.docker.base_image = "custom/base:2"'), { baseImage: 'override:1' });
    assert.equal(overridden.config.environment?.image, 'override:1');
    assert.equal(overridden.config.environment?.requirementsFile, path.join(dir, 'requirements.txt'));
  });
});
