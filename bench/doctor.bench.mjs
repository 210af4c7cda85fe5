// Run Doctor's total time on the healthy example (examples/ with azureml-defaults added to its conda file)
// with a warm image cache, against the same steps run by hand with the CLI tools in the same run.
// Offline, as `npm start` runs it: the pip-capable base image (--image) and a pip index on loopback (the
// example's pip packages as wheels from Debian's python3-* packages, plus an azureml-defaults stand-in).
// A warm-up doctor run builds the example's environment; every timed run then finds it by its hash.
//   ours: aml-doctor doctor deployment.yml (steps 1-6: the environment found by its content hash, the
//         container created, code and model copied in, GET / until ready, POST /score, container removed);
//   by hand: aml-doctor lint score.py; aml-doctor lint conda.yml; test -f the model; docker image inspect of
//         the environment image (`docker build` skipped because cached: the reference knows the image by the
//         tag it built, as a user who ran `docker build -t` earlier does; here the tag the warm-up reported);
//         docker run of it (code and harness bind-mounted, faster than the doctor's copy) + curl GET / until
//         it answers (every 250 ms, the doctor's own poll interval); curl POST /score; docker rm -f.
// Alternating runs, median of each. Figures only: nothing here passes or fails on a timing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { exampleWheels, writeWheel } from '../scripts/pip-index.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const pipImage = process.env.AML_DOCTOR_TEST_PIP_IMAGE ?? `${image}-pip`;
const cli = path.join(repo, 'dist', 'cli.js');
const rounds = Number(process.env.AMLD_BENCH_ROUNDS ?? 3);
const cache = process.env.AML_DOCTOR_CACHE ?? path.join(os.homedir(), '.cache', 'aml-deploy-doctor');

const work = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-doctor-'));
const project = path.join(work, 'project');
cpSync(path.join(repo, 'examples'), project, { recursive: true });
const conda = path.join(project, 'environment', 'conda.yml');
// This run's own environment (a comment changes its hash), so the warm-up really builds it.
writeFileSync(conda, `${readFileSync(conda, 'utf8').replace('      - joblib==1.2.0\n', '      - joblib==1.2.0\n      - azureml-defaults>=1.0.45\n')}# bench ${process.pid}\n`);
const wheels = path.join(work, 'wheels');
await exampleWheels(path.join(repo, 'examples'), wheels, path.join(cache, 'debs'));
await writeWheel(wheels, { name: 'azureml-defaults', version: '1.0.45', files: { 'azureml_defaults_standin/__init__.py': '' } });
// spawnSync blocks this process while a doctor runs: the index is served by a child process (as npm start does).
const server = spawn(process.execPath, [path.join(repo, 'scripts', 'pip-index.mjs'), 'serve', wheels], { stdio: ['ignore', 'pipe', 'inherit'] });
const indexUrl = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve(String(d).trim()));
  server.once('exit', (code) => reject(new Error(`the pip index exited (${code})`)));
});
const env = { ...process.env, AML_DOCTOR_PIP_INDEX_URL: indexUrl };

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0 && !options.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

/** One doctor run; returns its time and the image step's details. */
function doctorOnce(round) {
  const t = performance.now();
  const r = run(process.execPath, [cli, 'doctor', path.join(project, 'deployment.yml'), '--image', pipImage, '--format', 'json'], { allowFail: true, env });
  const ms = performance.now() - t;
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`doctor round ${round} printed no report (exit ${r.status}): ${r.stderr}`);
  }
  if (r.status !== 0 || report.steps.slice(0, 6).some((s) => s.status !== 'passed')) throw new Error(`doctor round ${round}: ${report.steps.map((s) => `${s.id}=${s.status}: ${s.summary}`).join('\n')}`);
  return { ms, image: report.steps[3].details };
}

function byHandOnce(round, envImage) {
  const name = `amld-bench-doctor-ref-${process.pid}-${round}`;
  const t = performance.now();
  run(process.execPath, [cli, 'lint', path.join(project, 'score.py')]);
  run(process.execPath, [cli, 'lint', conda]);
  run('test', ['-f', path.join(project, 'model', 'diabetes-linear.npz')]);
  run('docker', ['image', 'inspect', '--format', '{{.Id}}', envImage]);
  try {
    run('docker', [
      'run', '-d', '--name', name, '-p', '127.0.0.1::5001',
      '-v', `${project}:/var/azureml-app:ro`, '-v', `${path.join(repo, 'media', 'harness')}:/var/aml-doctor:ro`,
      '-e', 'AML_APP_ROOT=/var/azureml-app', '-e', 'AZUREML_ENTRY_SCRIPT=score.py', '-e', 'AZUREML_MODEL_DIR=/var/azureml-app/model', '-e', 'AML_DOCTOR_PORT=5001',
      envImage, '/bin/sh', '/var/aml-doctor/start.sh',
    ]);
    const port = run('docker', ['port', name, '5001']).stdout.trim().split(':').pop();
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (run('curl', ['-sf', '-o', '/dev/null', '--max-time', '2', `${base}/`], { allowFail: true }).status === 0) break;
      if (i > 1200) throw new Error('the reference container never answered GET /');
      run('sleep', ['0.25']);
    }
    const answer = run('curl', ['-s', '-X', 'POST', '-H', 'content-type: application/json', '--data-binary', `@${path.join(project, 'sample-request.json')}`, `${base}/score`]).stdout;
    if (!/predictions/.test(answer)) throw new Error(`reference answered ${answer}`);
  } finally {
    run('docker', ['rm', '-f', name], { allowFail: true });
  }
  return performance.now() - t;
}

const ours = [];
const reference = [];
let built;
try {
  const warm = doctorOnce('warm-up'); // builds the example's environment (and pays for the page cache)
  built = warm.image.image;
  if (!warm.image.built) console.log(`(the warm-up found ${built} already built)`);
  for (let i = 0; i < rounds; i++) {
    const r = doctorOnce(i);
    if (r.image.built || !r.image.fromCache || r.image.image !== built) throw new Error(`round ${i}: the image was not found by its hash: ${JSON.stringify(r.image)}`);
    ours.push(r.ms);
    reference.push(byHandOnce(i, built));
  }
} finally {
  server.kill();
  if (built) spawnSync('docker', ['rmi', built], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
console.log(`| Run Doctor on the healthy example (warm image cache; load ${load}) | value |`);
console.log('|---|---|');
console.log(`| aml-doctor doctor deployment.yml (steps 1-6, one process: environment found by its hash, container started and removed) | ${s(median(ours))} (runs: ${ours.map(s).join(', ')}) |`);
console.log(`| reference: the same steps by hand (lint x2, test -f, docker image inspect of the environment image, docker run + curl until ready, curl POST, docker rm) | ${s(median(reference))} (runs: ${reference.map(s).join(', ')}) |`);
console.log(`| ratio doctor / by hand | ${(median(ours) / median(reference)).toFixed(2)}x |`);
