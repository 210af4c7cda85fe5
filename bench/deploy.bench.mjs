// Local deploy with a warm environment cache: LocalDeployer.deploy() of a project whose conda file was built
// before (hash check finds the image: no build), from start to the first 200 on GET /. Reference, same run,
// same image: a bare `docker run` of that environment image with the code and harness bind-mounted, then
// polling GET / until 200 (what a hand-written script does). Both poll every 100 ms; each round starts with
// no container of either kind. Target: ours <= 1.2x the reference.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nullLogger } from '../src/common/logger.ts';
import { DockerodeClient } from '../src/docker/client.ts';
import { LocalDeployer } from '../src/docker/localDeploy.ts';
import { startPipIndex, writeWheel } from '../scripts/pip-index.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const pipImage = process.env.AML_DOCTOR_TEST_PIP_IMAGE ?? `${image}-pip`;
const rounds = Number(process.env.AMLD_BENCH_ROUNDS ?? 5);
const endpoint = `amld-bench-deploy-${process.pid}`;
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const work = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-deploy-'));
const wheels = path.join(work, 'wheels');
await writeWheel(wheels, { name: 'amld_bench_pkg', version: '1.0', files: { 'amld_bench_pkg/__init__.py': 'VALUE = 1\n' } });
const index = await startPipIndex(wheels);
const project = path.join(work, 'project');
cpSync(path.join(repo, 'examples'), project, { recursive: true });
writeFileSync(path.join(project, 'environment', 'conda.yml'), `name: ${endpoint}\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - amld_bench_pkg==1.0\n`);
const deployer = new LocalDeployer(new DockerodeClient(), nullLogger, {
  harnessDir: path.join(repo, 'media', 'harness'),
  pollMs: 100,
  readinessTimeoutMs: 120000,
  environment: { network: { pipIndexUrl: index.url } },
});
const config = {
  endpoint,
  deployment: 'blue',
  sourceDir: project,
  entryScript: 'score.py',
  modelPath: path.join(project, 'model', 'diabetes-linear.npz'),
  modelName: 'diabetes-linear',
  modelVersion: '1',
  baseImage: '',
  environment: { origin: 'bench', image: pipImage, condaFile: path.join(project, 'environment', 'conda.yml') },
  port: 0,
};

async function ready(url, deadlineMs = 120000) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ac = new AbortController();
    const bound = setTimeout(() => ac.abort(), 2000);
    try {
      if ((await fetch(url, { signal: ac.signal })).status === 200) return;
    } catch { /* not listening yet */ } finally {
      clearTimeout(bound);
    }
    if (Date.now() > end) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let envImage;
const ours = [];
const reference = [];
try {
  // Warm the environment cache (the build itself is not measured).
  await deployer.deploy(config, () => undefined, undefined, { image: (p) => (envImage = p.image) });
  await deployer.delete(endpoint, 'blue');
  for (let i = 0; i < rounds; i++) {
    let built;
    const t0 = performance.now();
    await deployer.deploy(config, () => undefined, undefined, { image: (p) => (built = p.built) });
    ours.push(performance.now() - t0);
    if (built) throw new Error('the warm deploy built the environment again');
    await deployer.delete(endpoint, 'blue');

    const name = `${endpoint}-ref`;
    const t1 = performance.now();
    docker('run', '-d', '--name', name, '-p', '127.0.0.1::5001', '-w', '/var/azureml-app',
      '-v', `${project}:/var/azureml-app:ro`, '-v', `${path.join(repo, 'media', 'harness')}:/var/aml-doctor:ro`,
      '-e', 'AML_APP_ROOT=/var/azureml-app', '-e', 'AZUREML_ENTRY_SCRIPT=score.py', '-e', 'AZUREML_MODEL_DIR=/var/azureml-app/model',
      envImage, '/bin/sh', '/var/aml-doctor/start.sh');
    const port = docker('port', name, '5001/tcp').split('\n')[0].split(':').pop();
    await ready(`http://127.0.0.1:${port}/`);
    reference.push(performance.now() - t1);
    docker('rm', '-f', '-v', name);
  }
} finally {
  await deployer.delete(endpoint, 'blue').catch(() => undefined);
  try { docker('rm', '-f', `${endpoint}-ref`); } catch { /* not there */ }
  if (envImage) try { docker('rmi', envImage); } catch { /* in use */ }
  await index.close();
  rmSync(work, { recursive: true, force: true });
}
const o = median(ours);
const r = median(reference);
console.log('| figure | value | reference (same run) | target |');
console.log('|---|---|---|---|');
console.log(`| local deploy, warm environment cache (hash hit, no build) -> GET / 200, median of ${rounds} | ${(o / 1000).toFixed(2)} s | bare \`docker run\` of the same image + GET / 200: ${(r / 1000).toFixed(2)} s (${(o / r).toFixed(2)}x) | <= 1.2x |`);
console.log(`\n(ours: ${ours.map((x) => (x / 1000).toFixed(2)).join(', ')} s; reference: ${reference.map((x) => (x / 1000).toFixed(2)).join(', ')} s)`);
