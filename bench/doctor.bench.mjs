// Run Doctor's total time on the healthy example (examples/ with azureml-defaults added to its conda file)
// with a warm image cache, against the same steps run by hand with the CLI tools in the same run:
//   aml-doctor lint score.py; aml-doctor lint conda.yml; test -f the model; docker image inspect;
//   docker run (code and harness bind-mounted, faster than the doctor's copy) + curl GET / until it
//   answers (every 250 ms, the doctor's own poll interval); curl POST /score with the sample; docker rm -f.
// Alternating runs, median of each. Figures only: nothing here passes or fails on a timing.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const cli = path.join(repo, 'dist', 'cli.js');
const rounds = Number(process.env.AMLD_BENCH_ROUNDS ?? 3);

const project = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-doctor-'));
cpSync(path.join(repo, 'examples'), project, { recursive: true });
const conda = path.join(project, 'environment', 'conda.yml');
writeFileSync(conda, readFileSync(conda, 'utf8').replace('      - inference-schema\n', '      - inference-schema\n      - azureml-defaults>=1.0.45\n'));

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0 && !options.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

function doctorOnce(round) {
  const t = performance.now();
  const r = run(process.execPath, [cli, 'doctor', path.join(project, 'deployment.yml'), '--image', image, '--format', 'json'], { allowFail: true });
  const ms = performance.now() - t;
  const report = JSON.parse(r.stdout);
  if (r.status !== 0 || report.steps.slice(0, 6).some((s) => s.status !== 'passed')) throw new Error(`doctor round ${round}: ${report.steps.map((s) => `${s.id}=${s.status}`).join(' ')}`);
  return ms;
}

function byHandOnce(round) {
  const name = `amld-bench-doctor-ref-${process.pid}-${round}`;
  const t = performance.now();
  run(process.execPath, [cli, 'lint', path.join(project, 'score.py')]);
  run(process.execPath, [cli, 'lint', conda]);
  run('test', ['-f', path.join(project, 'model', 'diabetes-linear.npz')]);
  run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
  try {
    run('docker', [
      'run', '-d', '--name', name, '-p', '127.0.0.1::5001',
      '-v', `${project}:/var/azureml-app:ro`, '-v', `${path.join(repo, 'media', 'harness')}:/var/aml-doctor:ro`,
      '-e', 'AML_APP_ROOT=/var/azureml-app', '-e', 'AZUREML_ENTRY_SCRIPT=score.py', '-e', 'AZUREML_MODEL_DIR=/var/azureml-app/model', '-e', 'AML_DOCTOR_PORT=5001',
      image, '/bin/sh', '/var/aml-doctor/start.sh',
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
try {
  doctorOnce('warm-up'); // the first run pays for the page cache of the image's files
  for (let i = 0; i < rounds; i++) {
    ours.push(doctorOnce(i));
    reference.push(byHandOnce(i));
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log('| Run Doctor on the healthy example (warm image cache) | value |');
console.log('|---|---|');
console.log(`| aml-doctor doctor deployment.yml (steps 1-6, one process, container started and removed) | ${s(median(ours))} (runs: ${ours.map(s).join(', ')}) |`);
console.log(`| reference: the same steps by hand (lint x2, test -f, docker image inspect, docker run + curl until ready, curl POST, docker rm) | ${s(median(reference))} (runs: ${reference.map(s).join(', ')}) |`);
console.log(`| ratio doctor / by hand | ${(median(ours) / median(reference)).toFixed(2)}x |`);
