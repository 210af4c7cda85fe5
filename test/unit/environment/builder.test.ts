// EnvironmentBuilder decisions over a recording DockerClient stand-in (the real engine is in
// test/integration/docker/environment.test.ts): the image map before the pull, a cache hit that neither
// probes nor builds, the wrong-platform refusal, and an azureml: reference that was not resolved.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import type { DockerClient, ImageDetails } from '../../../src/docker/client';
import { EnvironmentBuilder, EnvironmentError } from '../../../src/environment/builder';
import { environmentHash, environmentTag } from '../../../src/environment/dockerfile';

function fakeDocker(images: Record<string, Partial<ImageDetails>>, engine = { os: 'linux', architecture: 'x86_64' }) {
  const calls: string[] = [];
  const client = {
    endpoint: 'unix:///fake.sock',
    async inspectImage(image: string) {
      calls.push(`inspect ${image}`);
      const i = images[image];
      return i ? ({ id: `sha256:${image}`, repoTags: [image], labels: {}, env: [], os: 'linux', architecture: 'amd64', size: 1, ...i } as ImageDetails) : undefined;
    },
    async enginePlatform() {
      return engine;
    },
    async *pullImage(image: string) {
      calls.push(`pull ${image}`);
      yield { status: 'Pulling from x', id: 'latest' };
      images[image] = {};
    },
    async createContainer() {
      calls.push('probe');
      return 'c';
    },
    buildImage() {
      calls.push('build');
      return (async function* () {})();
    },
  };
  return { client: client as unknown as DockerClient, calls };
}

describe('EnvironmentBuilder (unit, recorded engine calls)', () => {
  it('maps the image before pulling it, and uses an image-only environment as it is', async () => {
    const { client, calls } = fakeDocker({});
    const b = new EnvironmentBuilder(client, nullLogger, { imageMap: { 'mcr.microsoft.com/azureml/': 'mirror.corp/azureml/' } });
    const out: string[] = [];
    const p = await b.prepare({ origin: 't', image: 'mcr.microsoft.com/azureml/base:1' }, 'fallback:1', { progress: () => undefined, output: (t) => out.push(t) });
    assert.equal(p.image, 'mirror.corp/azureml/base:1');
    assert.equal(p.kind, 'as-is');
    assert.deepEqual(calls, ['inspect mirror.corp/azureml/base:1', 'pull mirror.corp/azureml/base:1', 'inspect mirror.corp/azureml/base:1']);
    assert.match(out.join(''), /Image map: mcr\.microsoft\.com\/azureml\/base:1 -> mirror\.corp\/azureml\/base:1/);
  });

  it('a conda environment whose hash tag exists: no probe, no build', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-builder-'));
    try {
      const conda = 'name: cached\ndependencies:\n  - pip:\n      - joblib==1.2.0\n';
      writeFileSync(path.join(dir, 'conda.yml'), conda);
      const tag = environmentTag('cached', environmentHash({ kind: 'generated', baseImageId: 'sha256:base:1', condaText: conda }));
      const { client, calls } = fakeDocker({ 'base:1': {}, [tag]: { labels: { 'aml-doctor.env.run': '["conda","run","--no-capture-output","-n","inf-conda-env"]' } } });
      const out: string[] = [];
      // Through the image map, as npm start's profile: a cache hit still writes no build output (no log panel).
      const p = await new EnvironmentBuilder(client, nullLogger, { imageMap: { 'mcr.microsoft.com/azureml/base:1': 'base:1' } }).prepare(
        { origin: 't', condaFile: path.join(dir, 'conda.yml') },
        'mcr.microsoft.com/azureml/base:1',
        { progress: () => undefined, output: (t) => out.push(t) },
      );
      assert.deepEqual(out, []);
      assert.equal(p.image, tag);
      assert.equal(p.built, false);
      assert.deepEqual(p.runPrefix, ['conda', 'run', '--no-capture-output', '-n', 'inf-conda-env']);
      assert.ok(!calls.includes('probe') && !calls.includes('build'), calls.join(', '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an image for another platform is refused before any container (arm64 engine, amd64 image)', async () => {
    const { client } = fakeDocker({ 'amd64-only:1': { architecture: 'amd64' } }, { os: 'linux', architecture: 'aarch64' });
    await assert.rejects(new EnvironmentBuilder(client, nullLogger).prepare({ origin: 't', image: 'amd64-only:1' }, undefined), (e: unknown) => {
      assert.ok(e instanceof EnvironmentError);
      assert.equal(e.details.pull, 'platform');
      assert.match(e.message, /not published for this machine's platform \(linux\/arm64\)/);
      return true;
    });
  });

  it('no image anywhere, and an unresolved azureml: reference, are explained', async () => {
    const { client } = fakeDocker({});
    const b = new EnvironmentBuilder(client, nullLogger);
    await assert.rejects(b.prepare({ origin: 'd.yml (environment)' }, undefined), /names no image: add environment\.image, or set amlDoctor\.localDeploy\.baseImage/);
    await assert.rejects(b.prepare({ origin: 'd.yml', azureml: { raw: 'azureml:e:1', name: 'e', version: '1' } }, 'x:1'), /azureml:e:1 must be resolved through Azure first/);
    await assert.rejects(b.prepare({ origin: 'd.yml', image: 'x:1', condaFile: '/nonexistent/conda.yml' }, undefined), /conda file \/nonexistent\/conda\.yml \(d\.yml\) does not exist/);
  });

  it('a conda file or requirements.txt over 1 MB is refused before anything reaches the engine; 1 MB exactly is read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-big-'));
    try {
      const { client, calls } = fakeDocker({});
      const b = new EnvironmentBuilder(client, nullLogger);
      writeFileSync(path.join(dir, 'requirements.txt'), '#'.repeat(1024 * 1024 + 1));
      await assert.rejects(b.prepare({ origin: 'd.yml', image: 'x:1', requirementsFile: path.join(dir, 'requirements.txt') }, undefined), /requirements\.txt is larger than 1 MB/);
      writeFileSync(path.join(dir, 'conda.yml'), `${'#'.repeat(1024 * 1024 - 1)}\n`);
      // Read whole and parsed: a comment only, so no dependencies.
      await assert.rejects(b.prepare({ origin: 'd.yml', image: 'x:1', condaFile: path.join(dir, 'conda.yml') }, undefined), /conda\.yml has no dependencies: list/);
      assert.deepEqual(calls.filter((c) => c === 'build'), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
