// (integration) Local deployments that build their environment like Azure does, against the real Docker
// engine: a conda file's pip section installed from a pip index on loopback (a wheel this test writes),
// an unknown version explained with its conda-file line, the content-hash cache (no new image, a changed
// pin rebuilds from its layer), pulls from a real registry on loopback (progress, unreachable, unknown tag,
// unauthorized, credentials from a Docker config and a credential helper), and a user's build context.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import { sendTestRequest } from '../../../src/docker/testRequest';
import { EnvironmentBuilder, EnvironmentError } from '../../../src/environment/builder';
import { HARNESS_DIR, IMAGE, PIP_IMAGE, copyExamples, descendsFromPipImage, docker, removeContainers, removeOurDanglingImages, uniqueName, waitFor } from './helpers';
import { freePort } from '../../e2e/harness';
import { startRegistry, type LocalRegistry } from './registry';

const endpoint = uniqueName('env');
const client = new DockerodeClient();
const pkg = `amldtest_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
let index: { url: string; close(): Promise<void> };
let wheels: string;
let project: string;
const createdTags = new Set<string>();

/** A company index URL with credentials in it: they must never appear in the build output. */
const INDEX_SECRET = `s3cret-${process.pid}`;
const logged: string[] = [];
const recordingLogger = { ...nullLogger, warn: (m: string) => void logged.push(m), info: (m: string) => void logged.push(m), error: (m: string | Error) => void logged.push(String(m)) };

function deployer(): LocalDeployer {
  const pipIndexUrl = index.url.replace('http://', `http://builder:${INDEX_SECRET}@`);
  return new LocalDeployer(client, recordingLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 90000, environment: { network: { pipIndexUrl } } });
}

function condaFile(version: string): string {
  return [
    `name: ${endpoint}`,
    'channels:',
    '  - conda-forge',
    'dependencies:',
    '  - python=3.11',
    '  - numpy=1.24',
    '  - pip',
    '  - pip:',
    `      - ${pkg}==${version}`,
    '',
  ].join('\n');
}

function config(overrides: Partial<LocalDeployConfig> = {}): LocalDeployConfig {
  return {
    endpoint,
    deployment: 'blue',
    sourceDir: project,
    entryScript: 'score.py',
    baseImage: '',
    environment: { origin: 'test (environment)', image: PIP_IMAGE, condaFile: path.join(project, 'environment', 'conda.yml') },
    port: 0,
    ...overrides,
  };
}

function imageIds(): Set<string> {
  return new Set(docker('images', '-aq', '--no-trunc').split('\n').filter(Boolean));
}

function track(tag: string | undefined): void {
  if (tag) createdTags.add(tag);
}

describe('environment images for local deployments (integration, real Docker engine)', { timeout: 900000 }, () => {
  const started = Date.now() - 1000;
  before(async () => {
    // An ES module shared with `npm start` (scripts/): loaded with import().
    const { startPipIndex, writeWheel } = await import('../../../scripts/pip-index.mjs');
    wheels = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-wheels-'));
    for (const version of ['1.0', '1.1']) {
      await writeWheel(wheels, { name: pkg, version, files: { [`${pkg}/__init__.py`]: `VERSION = "${version}"\n\ndef greet():\n    return "from the wheel ${version}"\n` } });
    }
    index = await startPipIndex(wheels);
    project = copyExamples();
    writeFileSync(path.join(project, 'environment', 'conda.yml'), condaFile('1.0'));
    // score.py imports the package the environment installs: it only serves when the build worked.
    writeFileSync(path.join(project, 'score.py'), `import ${pkg}\n\n\ndef init():\n    pass\n\n\ndef run(raw):\n    return {"greeting": ${pkg}.greet(), "version": ${pkg}.VERSION}\n`);
  });
  after(async () => {
    removeContainers(endpoint);
    await index?.close();
    for (const t of createdTags) {
      try {
        docker('rmi', '-f', t);
      } catch {
        /* already gone */
      }
    }
    removeOurDanglingImages(started);
    rmSync(wheels, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  it('(a) builds the conda file\'s pip section from a pip index on loopback; score.py imports it and answers 200', async () => {
    const steps: string[] = [];
    let out = '';
    let tag: string | undefined;
    const info = await deployer().deploy(config(), (m) => steps.push(m), undefined, { output: (t) => (out += t), image: (p) => (tag = p.image) });
    track(tag);
    assert.match(tag ?? '', /^aml-doctor-env\/amld-docker-test-env-[^:]+:[0-9a-f]{20}$/);
    assert.ok(steps.some((s) => /^Step \d+\/\d+: RUN pip install/.test(s)), steps.join('\n'));
    // No conda in this image: the venv takes the pip section; the conda-only entries are reported.
    assert.match(out, /RUN python3 -m venv --system-site-packages/);
    assert.match(out, new RegExp(`Successfully installed ${pkg}-1\\.0`));
    assert.match(out, /Looking in indexes: http:\/\/[^\s:@/]+:<redacted>@127\.0\.0\.1/);
    assert.ok(!out.includes(INDEX_SECRET), 'the index password never reaches the build log');
    assert.match(out, /these conda packages are NOT installed:\n\s+- python=3\.11: the image has Python 3\.11\.\d+\n\s+- numpy=1\.24: the image has numpy 1\.24\.\d+/);
    const r = await sendTestRequest(info.scoringUri, '{"data": [1]}');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { greeting: 'from the wheel 1.0', version: '1.0' });
    assert.equal(JSON.parse(docker('inspect', info.id))[0].Config.Image, tag);
  });

  it('the build\'s pip goes through the proxy the settings name, with its credentials; they never reach the build log', async () => {
    const PROXY_SECRET = `proxy-s3cret-${process.pid}`;
    const seen: { request: string; auth?: string }[] = [];
    // A forward proxy on loopback: requests arrive with absolute URLs and are passed on as they are.
    const proxy = http.createServer((req, res) => {
      seen.push({ request: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
      const target = new URL(req.url ?? '/');
      const { 'proxy-authorization': _auth, 'proxy-connection': _pc, ...headers } = req.headers;
      const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: { ...headers, host: target.host } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-proxy-'));
    try {
      // A requirements file of its own (with this run's name in a comment): its image is built, not found by hash.
      const requirements = path.join(dir, 'requirements.txt');
      writeFileSync(requirements, `# proxy test ${endpoint}\n${pkg}==1.1\n`);
      let out = '';
      const prepared = await new EnvironmentBuilder(client, recordingLogger, {
        network: { pipIndexUrl: index.url, httpProxy: `http://builder:${PROXY_SECRET}@127.0.0.1:${proxyPort}` },
      }).prepare({ origin: 'test (proxy)', image: PIP_IMAGE, requirementsFile: requirements }, undefined, { progress: () => undefined, output: (t) => (out += t) });
      track(prepared.image);
      assert.equal(prepared.built, true);
      assert.match(out, new RegExp(`Successfully installed ${pkg}-1\\.1`));
      const viaProxy = seen.filter((s) => s.request.startsWith(`GET http://127.0.0.1:${new URL(index.url).port}/`));
      assert.ok(viaProxy.some((s) => s.request.includes('/simple/')), `the index was not asked through the proxy: ${JSON.stringify(seen)}`);
      assert.ok(viaProxy.some((s) => s.request.endsWith('.whl')), 'the wheel came through the proxy');
      assert.ok(viaProxy.every((s) => s.auth === `Basic ${Buffer.from(`builder:${PROXY_SECRET}`).toString('base64')}`), 'the proxy got its credentials');
      assert.ok(!out.includes(PROXY_SECRET), 'the proxy password never reaches the build log');
      assert.ok(!logged.some((l) => l.includes(PROXY_SECRET)), 'nor the extension log');
    } finally {
      proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('(c) a second deploy with the same environment builds nothing, and a changed pin rebuilds from its layer', async () => {
    const before = imageIds();
    let built: boolean | undefined;
    let out = '';
    const info = await deployer().deploy(config(), () => undefined, undefined, { output: (t) => (out += t), image: (p) => (built = p.built) });
    assert.equal(built, false);
    assert.doesNotMatch(out, /Step \d+\/\d+/);
    // Other engineers' images may appear meanwhile on the shared engine: only images built on ours count.
    assert.deepEqual([...imageIds()].filter((id) => !before.has(id) && descendsFromPipImage(id)), [], 'the engine shows no new image');
    assert.equal((await sendTestRequest(info.scoringUri, '{}')).status, 200);

    writeFileSync(path.join(project, 'environment', 'conda.yml'), condaFile('1.1'));
    let tag: string | undefined;
    out = '';
    const again = await deployer().update(config(), () => undefined, undefined, { output: (t) => (out += t), image: (p) => ((built = p.built), (tag = p.image)) });
    track(tag);
    assert.equal(built, true);
    // The venv layer comes before the pins: it is reused, only the pip layer onwards runs again.
    assert.match(out, /RUN python3 -m venv --system-site-packages \S+\n ---> Using cache/);
    assert.match(out, new RegExp(`Successfully installed ${pkg}-1\\.1`));
    const r = await sendTestRequest(again.scoringUri, '{}');
    assert.equal(JSON.parse(r.body).version, '1.1');
  });

  it('(b) an unknown version fails the build, explained, naming the package and its conda-file line', async () => {
    const file = path.join(project, 'environment', 'conda.yml');
    writeFileSync(file, condaFile('9.9'));
    const [before] = await deployer().find(endpoint, 'blue');
    const err = await deployer()
      .update(config())
      .then(
        () => assert.fail('the build must fail'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof LocalDeployError, String(err));
    assert.equal(err.kind, 'build-failed');
    assert.match(err.message, new RegExp(`pip found no version of a package.*${pkg}==9\\.9.*conda\\.yml:9 \\(${pkg}==9\\.9\\)`, 's'));
    const d = err.environment?.details.diagnosis;
    assert.ok(d);
    assert.equal(d.finding.id, 'build-pip-no-distribution');
    assert.deepEqual(d.marks.map((m) => [m.file, m.line]), [[file, 9]]);
    assert.match(d.step ?? '', /RUN pip install/);
    assert.ok(![err.message, ...logged].some((t) => t.includes(INDEX_SECRET)), 'nor a log line or the error');
    // The failed build left the previous deployment serving.
    const [still] = await deployer().find(endpoint, 'blue');
    assert.equal(still?.id, before?.id);
    writeFileSync(file, condaFile('1.0'));
  });

  it('(e) a user build context builds and serves', async () => {
    const ctx = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-context-'));
    try {
      mkdirSync(path.join(ctx, 'docker'));
      writeFileSync(path.join(ctx, 'docker', 'Dockerfile'), `FROM ${IMAGE}\nCOPY marker.txt /opt/marker.txt\nRUN echo "built by $(id -un)" >> /opt/marker.txt\n`);
      writeFileSync(path.join(ctx, 'marker.txt'), `${endpoint}\n`);
      writeFileSync(path.join(ctx, 'ignored.bin'), 'x'.repeat(1024));
      writeFileSync(path.join(ctx, '.dockerignore'), 'ignored.bin\n');
      const src = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-src-'));
      writeFileSync(path.join(src, 'score.py'), 'def init():\n    pass\n\n\ndef run(raw):\n    return {"marker": open("/opt/marker.txt").read().split()}\n');
      let tag: string | undefined;
      const info = await deployer().deploy(
        config({ deployment: 'ctx', sourceDir: src, environment: { origin: 'test (build)', build: { context: ctx, dockerfile: 'docker/Dockerfile' } } }),
        () => undefined,
        undefined,
        { image: (p) => (tag = p.image) },
      );
      track(tag);
      const r = await sendTestRequest(info.scoringUri, '{}');
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body).marker, [endpoint, 'built', 'by', 'root']);
      assert.equal(docker('run', '--rm', tag!, 'sh', '-c', 'ls /opt'), 'marker.txt');
      await deployer().delete(endpoint, 'ctx');
      rmSync(src, { recursive: true, force: true });
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });

  it('the image map reaches a user Dockerfile\'s FROM lines: an unreachable base builds from its mirror; the file and the hash stay the user\'s', async () => {
    const ctx = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-mapped-'));
    try {
      // No registry answers at this name here (no internet; port 9 refuses): without the map the build fails.
      const unreachable = `127.0.0.1:9/azureml/${endpoint}-base:1`;
      const dockerfile = `FROM ${unreachable} AS base\nRUN echo mapped > /opt/mapped.txt\nFROM base\nRUN cat /opt/mapped.txt\n`;
      writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      const spec = { origin: 'test (mapped build)', build: { context: ctx, dockerfile: 'Dockerfile' } };
      const unmapped = await new EnvironmentBuilder(client, nullLogger).prepare(spec, undefined, { progress: () => undefined, output: () => undefined }).then(
        (p) => p,
        (e: unknown) => e,
      );
      assert.ok(unmapped instanceof EnvironmentError, `built without the map: ${String(unmapped)}`);
      const output: string[] = [];
      const prepared = await new EnvironmentBuilder(client, nullLogger, { imageMap: { [unreachable]: IMAGE } }).prepare(spec, undefined, {
        progress: () => undefined,
        output: (t) => void output.push(t),
      });
      track(prepared.image);
      assert.equal(prepared.built, true);
      assert.match(output.join(''), new RegExp(`FROM ${unreachable.replace(/[.]/g, '\\.')} -> ${IMAGE.replace(/[.]/g, '\\.')}`));
      assert.equal(docker('run', '--rm', prepared.image, 'cat', '/opt/mapped.txt'), 'mapped');
      // The user's file is as it was, and the image is the one the unmapped build would have been tagged with.
      assert.equal(readFileSync(path.join(ctx, 'Dockerfile'), 'utf8'), dockerfile);
      const again = await new EnvironmentBuilder(client, nullLogger, { imageMap: { [unreachable]: IMAGE } }).prepare(spec, undefined, { progress: () => undefined, output: () => undefined });
      assert.deepEqual([again.image, again.built], [prepared.image, false]);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });

  it('cancelling a build stops it in the engine: nothing is tagged, no build container is left', async () => {
    const ctx = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-cancel-'));
    const marker = uniqueName('cancel');
    try {
      writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN sleep 300 # ${marker}\n`);
      const abort = new AbortController();
      let tag: string | undefined;
      const started = Date.now();
      const err = await new EnvironmentBuilder(client, nullLogger)
        .prepare({ origin: 'test', build: { context: ctx, dockerfile: 'Dockerfile' } }, undefined, {
          progress: (m) => {
            if (/^Building /.test(m)) tag = m.slice('Building '.length);
            if (/^Step 2\/\d+: RUN sleep/.test(m)) abort.abort(); // (the build's labels add steps after it)
          },
          output: () => undefined,
        }, abort.signal)
        .then(() => assert.fail('a cancelled build must not succeed'), (e: unknown) => e);
      assert.ok(err instanceof EnvironmentError, String(err));
      assert.equal(err.kind, 'cancelled');
      assert.ok(Date.now() - started < 120000, 'the cancel returned long before the step would have ended');
      assert.ok(tag);
      assert.throws(() => docker('image', 'inspect', tag!), 'nothing was tagged');
      await waitFor('the build container to go', () => !docker('ps', '-a', '--no-trunc', '--format', '{{.Command}}').includes(marker), 60000, 250);
    } finally {
      for (const line of docker('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n')) if (line.startsWith(`aml-doctor-env/${path.basename(ctx).toLowerCase()}`)) docker('rmi', line);
      rmSync(ctx, { recursive: true, force: true });
    }
  });

  describe('(d) pulling a missing base image from a real registry on loopback', () => {
    let open: LocalRegistry;
    let secured: LocalRegistry;
    const repo = `amld-docker-test/tiny-${process.pid}`;
    let cfgDir: string;

    /** A one-layer image with unique content (so its layer is not on the engine), pushed, then removed locally. */
    function pushImage(host: string, tag: string, env: NodeJS.ProcessEnv = process.env): string {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-layer-'));
      try {
        // 2 MiB that do not compress, as a real layer: a layer of a few KiB once compressed can be fetched before the
        // engine reports any download progress, and then nobody knows its size.
        writeFileSync(path.join(dir, 'unique.txt'), `${uniqueName('layer')} ${randomBytes(2 * 1024 * 1024).toString('base64')}`);
        const tar = path.join(os.tmpdir(), `${path.basename(dir)}.tar`);
        execFileSync('tar', ['-C', dir, '-cf', tar, 'unique.txt']);
        const ref = `${host}/${repo}:${tag}`;
        docker('import', tar, ref);
        rmSync(tar, { force: true });
        execFileSync('docker', ['push', ref], { env, stdio: 'ignore' });
        docker('rmi', ref);
        return ref;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    before(async () => {
      open = await startRegistry();
      secured = await startRegistry({ user: 'amld', password: 'secret-pw-1' });
      cfgDir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-dockercfg-'));
    });
    after(async () => {
      await open?.close();
      await secured?.close();
      rmSync(cfgDir, { recursive: true, force: true });
    });

    it('pulls with per-layer progress', async () => {
      const ref = pushImage(open.host, 'v1');
      track(ref);
      const steps: string[] = [];
      let out = '';
      const builder = new EnvironmentBuilder(client, nullLogger, { dockerConfigDir: cfgDir });
      const prepared = await builder.prepare({ origin: 'test', image: ref }, undefined, { progress: (m) => steps.push(m), output: (t) => (out += t) });
      assert.equal(prepared.image, ref);
      assert.equal(prepared.kind, 'as-is');
      assert.ok(steps.some((s) => /^Pulling .*: [01]\/1 layers, [\d.]+\/[\d.]+ MB$/.test(s)), steps.join('\n'));
      assert.match(out, /Pull complete/);
      assert.ok(docker('image', 'inspect', ref));
    });

    it('names an unreachable registry, an unknown tag and a refused (unauthorized) pull', async () => {
      const builder = new EnvironmentBuilder(client, nullLogger, { dockerConfigDir: cfgDir });
      const failure = async (image: string) =>
        builder.prepare({ origin: 'test', image }, undefined).then(
          () => assert.fail(`pulling ${image} must fail`),
          (e: unknown) => {
            assert.ok(e instanceof EnvironmentError, String(e));
            return e;
          },
        );
      const unreachable = await failure(`127.0.0.1:${await freePort()}/${repo}:v1`);
      assert.equal(unreachable.details.pull, 'unreachable');
      assert.match(unreachable.message, /cannot be reached from the Docker engine/);
      const unknown = await failure(`${open.host}/${repo}:no-such-tag`);
      assert.equal(unknown.details.pull, 'unknown-tag');
      assert.match(unknown.message, new RegExp(`has no image ${repo}:no-such-tag`));
      // An image on the secured registry, pushed with a login kept out of the user's Docker config.
      const pushCfg = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-pushcfg-'));
      try {
        execFileSync('docker', ['login', secured.host, '-u', 'amld', '--password-stdin'], { input: 'secret-pw-1', env: { ...process.env, DOCKER_CONFIG: pushCfg }, stdio: ['pipe', 'ignore', 'ignore'] });
        const ref = pushImage(secured.host, 'v1', { ...process.env, DOCKER_CONFIG: pushCfg });
        const refused = await failure(ref);
        assert.equal(refused.details.pull, 'unauthorized');
        assert.match(refused.message, new RegExp(`The registry ${secured.host.replace(/\./g, '\\.')} refused .* \\(unauthorized\\): sign in with \`docker login ${secured.host.replace(/\./g, '\\.')}\``));
        // With the credentials in the user's Docker config (auths), the same pull works.
        writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from('amld:secret-pw-1').toString('base64') } } }));
        track(ref);
        await builder.prepare({ origin: 'test', image: ref }, undefined);
        assert.ok(docker('image', 'inspect', ref));
        docker('rmi', ref);
        // And through a credential helper (the protocol `az acr login` relies on): docker-credential-<name> get.
        const bin = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-bin-'));
        const helper = path.join(bin, 'docker-credential-amldtest');
        writeFileSync(helper, `#!/bin/sh\nread server\n[ "$server" = "${secured.host}" ] || exit 1\necho '{"ServerURL":"${secured.host}","Username":"amld","Secret":"secret-pw-1"}'\n`);
        chmodSync(helper, 0o755);
        writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify({ credHelpers: { [secured.host]: 'amldtest' } }));
        const savedPath = process.env.PATH;
        process.env.PATH = `${bin}:${savedPath}`;
        try {
          await builder.prepare({ origin: 'test', image: ref }, undefined);
          assert.ok(docker('image', 'inspect', ref));
        } finally {
          process.env.PATH = savedPath;
          rmSync(bin, { recursive: true, force: true });
        }
      } finally {
        rmSync(pushCfg, { recursive: true, force: true });
      }
    });
  });
});
