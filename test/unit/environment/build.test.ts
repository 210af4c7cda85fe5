// The environment image, unit level: the generated Dockerfile with conda in the image (Azure ML's local
// endpoint commands) and without (venv), content hashes and tags, firewall build arguments, build-failure
// explanations pointing at the pinning line, image references / image map / registry credentials / pull
// messages, build-context packing, and the bounded output queue.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AsyncTextQueue } from '../../../src/common/asyncQueue';
import { redactSecrets } from '../../../src/common/logger';
import { BuildOutputReader } from '../../../src/environment/buildFailure';
import { parseCondaFile, parseRequirements } from '../../../src/environment/condaFile';
import { packArchive } from '../../../src/docker/archive';
import { packBuildContext } from '../../../src/environment/context';
import { CONDA_ENV_NAME, condaRun, environmentHash, environmentTag, generateDockerfile, networkBuildArgs } from '../../../src/environment/dockerfile';
import { applyImageMap, explainPullFailure, mapDockerfileFrom, parseImageRef, registryAuth } from '../../../src/environment/registry';

const CONDA = 'name: diabetes\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy=1.24\n  - pip\n  - pip:\n      - joblib==1.2.0\n      - scikit-learn>=1.3\n';

describe('generated Dockerfile (unit)', () => {
  it('conda in the image: the conda file goes into the named environment inf-conda-env, as Azure ML local endpoints do', () => {
    const g = generateDockerfile({ baseImage: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest', conda: { text: CONDA, deps: parseCondaFile(CONDA) }, condaTool: 'conda' });
    const lines = g.dockerfile.trim().split('\n').filter((l) => !l.startsWith('#'));
    assert.deepEqual(lines, [
      'FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      'RUN mkdir -p /var/azureml-app /var/aml-doctor-env',
      'WORKDIR /var/azureml-app',
      'COPY conda.yml /var/aml-doctor-env/conda.yml',
      `RUN conda env create -n ${CONDA_ENV_NAME} --file /var/aml-doctor-env/conda.yml`,
    ]);
    assert.deepEqual(g.files, [{ name: 'conda.yml', data: CONDA }]);
    assert.equal(g.condaEnv, 'inf-conda-env');
    // The server runs inside it the way the CLI v2 local endpoint starts runsvdir.
    assert.deepEqual(g.runPrefix, ['conda', 'run', '--no-capture-output', '-n', 'inf-conda-env']);
    assert.deepEqual(g.notInstalled, []);
    assert.deepEqual(condaRun('micromamba'), ['micromamba', 'run', '-n', 'inf-conda-env']);
    assert.match(generateDockerfile({ baseImage: 'b', conda: { text: CONDA, deps: parseCondaFile(CONDA) }, condaTool: 'mamba' }).dockerfile, /RUN mamba env create -n inf-conda-env --file \/var\/aml-doctor-env\/conda\.yml --yes/);
  });

  it('mirrors: ARG lines only for the settings given, values as build arguments (never in the Dockerfile)', () => {
    const network = { pipIndexUrl: 'https://bob:tok3n@pkgs.corp/simple', condaChannelAlias: 'https://conda.corp', httpsProxy: 'http://proxy.corp:3128' };
    const g = generateDockerfile({ baseImage: 'b', conda: { text: CONDA, deps: parseCondaFile(CONDA) }, condaTool: 'conda', network });
    assert.match(g.dockerfile, /ARG CONDA_CHANNEL_ALIAS\nARG PIP_INDEX_URL\nCOPY conda\.yml/);
    assert.doesNotMatch(g.dockerfile, /tok3n|pkgs\.corp|proxy\.corp/);
    assert.doesNotMatch(g.dockerfile, /ARG PIP_EXTRA_INDEX_URL|ARG HTTPS_PROXY/, 'proxies are Docker\'s predefined build arguments');
    assert.deepEqual(g.buildargs, { PIP_INDEX_URL: network.pipIndexUrl, CONDA_CHANNEL_ALIAS: 'https://conda.corp', HTTPS_PROXY: 'http://proxy.corp:3128', https_proxy: 'http://proxy.corp:3128' });
    assert.deepEqual(networkBuildArgs({ pipExtraIndexUrls: ['https://a/simple', 'https://b/simple'], pipTrustedHosts: ['a', 'b'], noProxy: 'localhost' }), {
      PIP_EXTRA_INDEX_URL: 'https://a/simple https://b/simple',
      PIP_TRUSTED_HOST: 'a b',
      NO_PROXY: 'localhost',
      no_proxy: 'localhost',
    });
  });

  it('no conda: a venv with the image\'s packages takes the pip section; layers from least to most often changed', () => {
    const g = generateDockerfile({ baseImage: 'debian-python:1', conda: { text: CONDA, deps: parseCondaFile(CONDA) }, network: { pipIndexUrl: 'http://127.0.0.1:9/simple' } });
    const lines = g.dockerfile.trim().split('\n').filter((l) => !l.startsWith('#'));
    assert.deepEqual(lines.slice(0, 10), [
      'FROM debian-python:1',
      'RUN mkdir -p /var/azureml-app /var/aml-doctor-env',
      'WORKDIR /var/azureml-app',
      'RUN python3 -m venv --system-site-packages /opt/aml-doctor/venv',
      'ENV VIRTUAL_ENV=/opt/aml-doctor/venv PATH=/opt/aml-doctor/venv/bin:$PATH',
      'ARG PIP_INDEX_URL',
      'COPY requirements.txt /var/aml-doctor-env/requirements.txt',
      'RUN pip install --no-cache-dir --disable-pip-version-check -r /var/aml-doctor-env/requirements.txt',
      'COPY conda_report.py /var/aml-doctor-env/conda_report.py',
      'RUN ["python3","/var/aml-doctor-env/conda_report.py","debian-python:1","python=3.11","numpy=1.24"]',
    ]);
    assert.equal(g.files.find((f) => f.name === 'requirements.txt')?.data, 'joblib==1.2.0\nscikit-learn>=1.3\n');
    assert.deepEqual(g.notInstalled.map((p) => p.spec), ['python=3.11', 'numpy=1.24']);
    assert.equal(g.runPrefix, undefined);
    // A conda entry with shell metacharacters stays one argument (exec form, JSON-quoted).
    const evil = 'dependencies:\n  - "numpy; rm -rf / #"\n';
    assert.match(generateDockerfile({ baseImage: 'b', conda: { text: evil, deps: parseCondaFile(evil) } }).dockerfile, /RUN \["python3","\/var\/aml-doctor-env\/conda_report\.py","b","numpy; rm -rf \/ #"\]/);
  });

  it('requirements.txt with conda in the image: a conda env with pip; without: the venv', () => {
    const withConda = generateDockerfile({ baseImage: 'b', requirements: { text: 'joblib==1.2.0\n' }, condaTool: 'conda' });
    assert.match(withConda.dockerfile, /RUN conda create -y -n inf-conda-env python pip\nCOPY requirements\.txt .*\nRUN conda run -n inf-conda-env pip install --no-cache-dir -r \/var\/aml-doctor-env\/requirements\.txt/);
    const plain = generateDockerfile({ baseImage: 'b', requirements: { text: 'joblib==1.2.0\n' } });
    assert.match(plain.dockerfile, /venv --system-site-packages[\s\S]*RUN pip install/);
    assert.doesNotMatch(plain.dockerfile, /conda_report/);
  });

  it('the hash follows what the image is made from, not the mirrors; tags are valid repository names', () => {
    const a = environmentHash({ kind: 'generated', baseImageId: 'sha256:1', condaText: CONDA });
    assert.equal(a, environmentHash({ baseImageId: 'sha256:1', condaText: CONDA, kind: 'generated' }));
    assert.notEqual(a, environmentHash({ kind: 'generated', baseImageId: 'sha256:2', condaText: CONDA }));
    assert.notEqual(a, environmentHash({ kind: 'generated', baseImageId: 'sha256:1', condaText: CONDA.replace('1.2.0', '1.2.1') }));
    assert.match(a, /^[0-9a-f]{20}$/);
    assert.equal(environmentTag('Diabetes Scoring_Env!', a), `aml-doctor-env/diabetes-scoring_env:${a}`);
    assert.equal(environmentTag(undefined, a), `aml-doctor-env/env:${a}`);
  });
});

describe('build failures explained (unit)', () => {
  const conda = (file: string) => ({ conda: { file, deps: (() => { const d = parseCondaFile(CONDA); return [...d.conda, ...d.pip]; })() } });

  it('pip "No matching distribution": the package and its conda-file line', () => {
    const r = new BuildOutputReader();
    r.push('Step 8/10 : RUN pip install --no-cache-dir -r /var/aml-doctor-env/requirements.txt\n ---> Running in 1\n');
    r.push('ERROR: Could not find a version that satisfies the requirement joblib==9.9 (from versions: 1.2.0)\nERROR: No matching distribution found for joblib==9.9\n');
    const d = r.explain(conda('/p/environment/conda.yml'), "The command '/bin/sh -c pip install' returned a non-zero code: 1");
    assert.equal(d.finding.id, 'build-pip-no-distribution');
    assert.deepEqual(d.packages, ['joblib==9.9']);
    assert.deepEqual(d.marks.map((m) => [m.file, m.line, m.spec]), [['/p/environment/conda.yml', 9, 'joblib==1.2.0']]);
    assert.match(d.message, /joblib==9\.9.*environment\/conda\.yml:9 \(joblib==1\.2\.0\).*Failing step: Step 8\/10 : RUN pip install/s);
  });

  it('pip ResolutionImpossible marks every conflicting pin', () => {
    const r = new BuildOutputReader();
    r.push('ERROR: Cannot install joblib==1.2.0 and scikit-learn>=1.3 because these package versions have conflicting dependencies.\n\nThe conflict is caused by:\n    The user requested joblib==1.2.0\n    scikit-learn 1.3.0 depends on joblib>=1.3.0\n\nERROR: ResolutionImpossible: for help visit https://pip.pypa.io\n');
    const d = r.explain(conda('/p/conda.yml'), undefined);
    assert.equal(d.finding.id, 'build-pip-resolution-impossible');
    assert.deepEqual(d.marks.map((m) => m.line), [9]);
  });

  it('conda PackagesNotFoundError / ResolvePackageNotFound: the listed packages and their lines', () => {
    for (const head of ['PackagesNotFoundError: The following packages are not available from current channels:', 'ResolvePackageNotFound:']) {
      const r = new BuildOutputReader();
      r.push(`Collecting package metadata (repodata.json): done\nSolving environment: failed\n\n${head}\n\n  - numpy=1.24\n  - python=3.11\n\nCurrent channels:\n\n  - https://conda.anaconda.org/conda-forge/linux-64\n`);
      const d = r.explain(conda('/p/conda.yml'), undefined);
      assert.equal(d.finding.id, 'build-conda-packages-not-found', head);
      assert.deepEqual(d.marks.map((m) => [m.line, m.spec]).sort(), [[5, 'python=3.11'], [6, 'numpy=1.24']], head);
    }
  });

  it('an unreachable index wins over the "no matching distribution" that follows it', () => {
    const r = new BuildOutputReader();
    r.push("WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/joblib/\n");
    r.push('ERROR: Could not find a version that satisfies the requirement joblib==1.2.0 (from versions: none)\nERROR: No matching distribution found for joblib==1.2.0\n');
    const d = r.explain(conda('/p/conda.yml'), undefined);
    assert.equal(d.finding.id, 'build-network-unreachable');
    assert.match(d.message, /pipIndexUrl/);
  });

  it('a failing Dockerfile step without a known cause names the step; requirements.txt lines are marked too', () => {
    const r = new BuildOutputReader();
    r.push('Step 3/4 : RUN ./install.sh\n ---> Running in 2\n/bin/sh: 1: ./install.sh: Permission denied\n');
    const d = r.explain({}, "The command '/bin/sh -c ./install.sh' returned a non-zero code: 126");
    assert.equal(d.finding.id, 'build-step-failed');
    assert.equal(d.step, 'Step 3/4 : RUN ./install.sh');
    const req = new BuildOutputReader();
    req.push('ERROR: No matching distribution found for Scikit_Learn==0.0.1\n');
    const dr = req.explain({ requirements: { file: '/p/requirements.txt', deps: parseRequirements('numpy\nscikit-learn==0.0.1\n') } }, undefined);
    assert.deepEqual(dr.marks.map((m) => [m.file, m.line]), [['/p/requirements.txt', 2]]);
  });

  it('hostile build output: an endless line and a flood of package names stay bounded', () => {
    const r = new BuildOutputReader();
    r.push(`ERROR: No matching distribution found for ${'a'.repeat(3_000_000)}`);
    for (let i = 0; i < 1000; i++) r.push(`ERROR: No matching distribution found for pkg${i}==1\n`);
    const d = r.explain({}, undefined);
    assert.ok(d.packages.length <= 32);
    assert.ok(d.packages.every((p) => p.length <= 8192));
  });
});

describe('images, registries and credentials (unit)', () => {
  it('image references', () => {
    assert.deepEqual(parseImageRef('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest'), { registry: 'mcr.microsoft.com', repository: 'azureml/openmpi4.1.0-ubuntu20.04', tag: 'latest', digest: undefined });
    assert.deepEqual(parseImageRef('127.0.0.1:5000/a/b'), { registry: '127.0.0.1:5000', repository: 'a/b', tag: undefined, digest: undefined });
    assert.equal(parseImageRef('python:3.11').registry, 'docker.io');
    assert.equal(parseImageRef('localhost/x@sha256:abc').digest, 'sha256:abc');
  });

  it('the image map: longest whole-image or path/tag-boundary prefix wins', () => {
    const map = { 'mcr.microsoft.com/azureml/': 'mirror.corp/azureml/', 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest': 'local/base:1', 'mcr.microsoft.com': 'other.corp' };
    assert.equal(applyImageMap('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest', map), 'local/base:1');
    assert.equal(applyImageMap('mcr.microsoft.com/azureml/minimal:1', map), 'mirror.corp/azureml/minimal:1');
    assert.equal(applyImageMap('mcr.microsoft.com/dotnet/sdk:8', map), 'other.corp/dotnet/sdk:8');
    assert.equal(applyImageMap('mcr.microsoft.comx/a:1', map), 'mcr.microsoft.comx/a:1', 'not a boundary');
    assert.equal(applyImageMap('python:3.11', map), 'python:3.11');
  });

  it('the image map on a user Dockerfile\'s FROM lines: stages, build arguments and scratch stay; only the image word changes', () => {
    const map = { 'mcr.microsoft.com/azureml/': 'mirror.corp/azureml/', builder: 'never/used' };
    const text = [
      'FROM --platform=linux/amd64 mcr.microsoft.com/azureml/minimal:1 AS builder\r',
      'RUN echo from mcr.microsoft.com/azureml/minimal:1',
      '  from   mcr.microsoft.com/azureml/other:2',
      'FROM builder',
      'ARG BASE=mcr.microsoft.com/azureml/x:1',
      'FROM $BASE',
      'FROM scratch',
      'FROM python:3.11',
    ].join('\n');
    const r = mapDockerfileFrom(text, map);
    assert.deepEqual(r.text.split('\n'), [
      'FROM --platform=linux/amd64 mirror.corp/azureml/minimal:1 AS builder\r',
      'RUN echo from mcr.microsoft.com/azureml/minimal:1',
      '  from   mirror.corp/azureml/other:2',
      'FROM builder',
      'ARG BASE=mcr.microsoft.com/azureml/x:1',
      'FROM $BASE',
      'FROM scratch',
      'FROM python:3.11',
    ]);
    assert.deepEqual(r.images, ['mirror.corp/azureml/minimal:1', 'mirror.corp/azureml/other:2', 'python:3.11']);
    assert.deepEqual(r.changed.map((c) => c.to), ['mirror.corp/azureml/minimal:1', 'mirror.corp/azureml/other:2']);
    assert.equal(mapDockerfileFrom(text, undefined).text, text, 'no map: the text as it is');
  });

  it('reading FROM lines stays linear on a hostile Dockerfile (a megabyte of blank lines and spaces)', () => {
    const hostile = '\n'.repeat(500_000) + ' '.repeat(500_000) + 'x';
    const normal = 'RUN echo hello world and more words here\n'.repeat(25_000);
    const time = (t: string) => {
      const t0 = process.cpuUsage();
      mapDockerfileFrom(t, { a: 'b' });
      const d = process.cpuUsage(t0);
      return (d.user + d.system) / 1000;
    };
    const ref = Math.min(time(normal), time(normal), time(normal));
    const t = Math.min(time(hostile), time(hostile));
    assert.ok(t < 20 * Math.max(ref, 1), `${t.toFixed(1)} ms vs ${ref.toFixed(1)} ms for a normal file of the same size`);
  });

  it('credentials from the Docker config: auths, credHelpers over credsStore, identity tokens', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-dockercfg-'));
    try {
      const calls: string[] = [];
      const runHelper = async (helper: string, server: string) => {
        calls.push(`${helper} ${server}`);
        return helper === 'acr-env' ? { Username: '<token>', Secret: 'refresh-token' } : helper === 'desktop' ? { Username: 'u', Secret: 'p' } : undefined;
      };
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.corp': { auth: Buffer.from('alice:pa:ss').toString('base64') }, 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } }, credsStore: 'desktop', credHelpers: { 'myacr.azurecr.io': 'acr-env' } }));
      assert.deepEqual(await registryAuth('reg.corp', { configDir: dir, runHelper }), { username: 'alice', password: 'pa:ss', serveraddress: 'reg.corp' });
      assert.deepEqual(await registryAuth('docker.io', { configDir: dir, runHelper }), { username: 'hub', password: 'pw', serveraddress: 'https://index.docker.io/v1/' });
      assert.deepEqual(await registryAuth('myacr.azurecr.io', { configDir: dir, runHelper }), { identitytoken: 'refresh-token', serveraddress: 'myacr.azurecr.io' });
      assert.deepEqual(await registryAuth('other.corp', { configDir: dir, runHelper }), { username: 'u', password: 'p', serveraddress: 'other.corp' });
      assert.deepEqual(calls, ['acr-env myacr.azurecr.io', 'desktop other.corp']);
      writeFileSync(path.join(dir, 'config.json'), '{ not json');
      assert.equal(await registryAuth('reg.corp', { configDir: dir, runHelper }), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one message per pull failure: unreachable, unauthorized, unknown tag, wrong platform', () => {
    const m = (msg: string, image = 'myacr.azurecr.io/base:1') => explainPullFailure(image, msg, 'linux/arm64');
    assert.equal(m('Get "https://myacr.azurecr.io/v2/": dial tcp: lookup myacr.azurecr.io: no such host').kind, 'unreachable');
    const unauth = m('Head "https://myacr.azurecr.io/v2/base/manifests/1": unauthorized: authentication required');
    assert.equal(unauth.kind, 'unauthorized');
    assert.match(unauth.message, /az acr login --name myacr/);
    assert.equal(m('manifest for myacr.azurecr.io/base:1 not found: manifest unknown: manifest tagged by "1" is not found').kind, 'unknown-tag');
    const plat = m('no matching manifest for linux/arm64/v8 in the manifest list entries');
    assert.equal(plat.kind, 'platform');
    assert.match(plat.message, /linux\/arm64/);
    assert.equal(m('something else entirely').kind, 'other');
  });

  it('credentials inside URLs never reach a log; a hostile long URL stays linear', () => {
    // The password goes (the user name stays readable); a token used as the user name goes whole.
    assert.equal(redactSecrets('Looking in indexes: https://bob:s3cret@pkgs.corp/simple, http://proxy:3128'), 'Looking in indexes: https://bob:<redacted>@pkgs.corp/simple, http://proxy:3128');
    assert.equal(redactSecrets('HTTPS_PROXY=http://user:pw@proxy.corp:8080'), 'HTTPS_PROXY=http://user:<redacted>@proxy.corp:8080');
    assert.equal(redactSecrets('pip install --index-url https://ghp_t0k3nValue@pkgs.corp/simple x'), 'pip install --index-url https://<redacted>@pkgs.corp/simple x');
    const hostile = `http://${'a:'.repeat(200_000)}`;
    const normal = `http://${'ab'.repeat(200_000)}`;
    // Fastest of 5 runs each: a busy machine's pauses do not count, a super-linear pattern would.
    const time = (s: string) => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t = process.hrtime.bigint();
        redactSecrets(s);
        best = Math.min(best, Number(process.hrtime.bigint() - t));
      }
      return best;
    };
    assert.ok(time(hostile) < 20 * Math.max(time(normal), 1e6), 'no super-linear blow-up on the attack input');
  });
});

describe('build context and output queue (unit)', () => {
  it('packs the context honouring .dockerignore; the hash ignores times and follows content', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-ctx-'));
    try {
      mkdirSync(path.join(dir, 'data'));
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM x\n');
      writeFileSync(path.join(dir, 'app.py'), 'print(1)\n');
      writeFileSync(path.join(dir, 'data', 'big.bin'), 'x'.repeat(1000));
      writeFileSync(path.join(dir, 'data', 'keep.txt'), 'k');
      writeFileSync(path.join(dir, '.dockerignore'), '# data\ndata\n!data/keep.txt\n');
      const a = await packBuildContext(dir, 'Dockerfile');
      assert.equal(a.bytes, 'FROM x\n'.length + 'print(1)\n'.length + 1 + '# data\ndata\n!data/keep.txt\n'.length);
      const names = a.entries.map((e) => e.name);
      assert.ok(!names.includes('data/big.bin'), names.join(' '));
      assert.ok(names.includes('data/keep.txt'), names.join(' '));
      // The archive the engine reads holds the files' bytes, streamed from disk.
      const chunks: Buffer[] = [];
      for await (const c of packArchive(a.entries)) chunks.push(c as Buffer);
      const tar = Buffer.concat(chunks).toString('latin1');
      assert.match(tar, /data\/keep\.txt/);
      assert.match(tar, /print\(1\)/);
      assert.doesNotMatch(tar, /big\.bin/);
      assert.equal((await packBuildContext(dir, 'Dockerfile')).hash, a.hash);
      writeFileSync(path.join(dir, 'app.py'), 'print(2)\n');
      assert.notEqual((await packBuildContext(dir, 'Dockerfile')).hash, a.hash);
      await assert.rejects(packBuildContext(dir, '../Dockerfile'), /must be inside the build context/);
      await assert.rejects(packBuildContext(dir, 'Nope'), /has no Nope/);
      await assert.rejects(packBuildContext(dir, 'Dockerfile', 10), /more than 0 MB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the output queue delivers in order, ends, and drops (with a notice) when the reader falls behind', async () => {
    const q = new AsyncTextQueue(10);
    q.push('12345');
    q.push('67890');
    q.push('abcde');
    q.end();
    let text = '';
    for await (const t of q) text += t;
    assert.match(text, /\[\.\.\. 5 characters of output dropped/);
    assert.match(text, /67890abcde$/);
    const live = new AsyncTextQueue();
    const got: string[] = [];
    const reading = (async () => {
      for await (const t of live) got.push(t);
    })();
    live.push('a');
    await new Promise((r) => setImmediate(r));
    live.push('b');
    live.end();
    await reading;
    assert.equal(got.join(''), 'ab');
  });
});
