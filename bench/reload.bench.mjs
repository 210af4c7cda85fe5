// The inner loop: edit score.py -> reload -> first 200 from the new code, against the reference measured
// in the same run on the same container: `docker restart` + GET / answering 200 (what a reload costs
// without a worker restart). Target: reload <= 1/3 of the reference and <= 1.5 s.
// A local deployment of a copy of examples/ (named amld-bench-reload-*) is made with the extension's
// LocalDeployer and deleted afterwards, also on failure. Run: node bench/reload.bench.mjs [rounds]
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const endpoint = `amld-bench-reload-${process.pid}`;
const rounds = Number(process.argv[2] ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** One HTTP exchange with a bound (a booting server may hold the connection). */
async function request(url, init = {}) {
  const ac = new AbortController();
  const bound = setTimeout(() => ac.abort(), 5000);
  try {
    const r = await fetch(url, { ...init, signal: ac.signal });
    return { status: r.status, body: await r.text() };
  } catch {
    return { status: 0, body: '' };
  } finally {
    clearTimeout(bound);
  }
}

/** Polls until `ok` holds for the answer (every 10 ms, 60 s at most). */
async function until(what, fn, ok) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await fn();
    if (ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

const unregister = require('tsx/cjs/api').register();
const { DockerodeClient } = require('../src/docker/client.ts');
const { LocalDeployer } = require('../src/docker/localDeploy.ts');
const { nullLogger } = require('../src/common/logger.ts');
const project = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-reload-'));
cpSync(path.join(repo, 'examples'), project, { recursive: true });
// As the extension does: the deployers of a window share what they copied (no manifest read-back).
const deployer = new LocalDeployer(new DockerodeClient(), nullLogger, { harnessDir: path.join(repo, 'media', 'harness'), readinessTimeoutMs: 120000, copied: new Map() });
try {
  const info = await deployer.deploy({
    endpoint,
    deployment: 'blue',
    sourceDir: project,
    entryScript: 'score.py',
    modelPath: path.join(project, 'model', 'diabetes-linear.npz'),
    modelName: 'diabetes-linear',
    baseImage: image,
    port: 0,
  });
  const sample = readFileSync(path.join(project, 'sample-request.json'), 'utf8');
  const score = path.join(project, 'score.py');
  const original = readFileSync(score, 'utf8');
  const marker = 'return {"predictions": predictions.round(2).tolist()}';
  if (!original.includes(marker)) throw new Error('examples/score.py changed: update the bench edit');
  let scoringUri = info.scoringUri;
  const post = () => request(scoringUri, { method: 'POST', body: sample, headers: { 'Content-Type': 'application/json' } });
  await post();

  const reload = [];
  const restart = [];
  const restartKinds = new Set();
  // Alternate the two so that machine load affects them alike; round 0 warms up and is not counted.
  for (let r = 0; r <= rounds; r++) {
    // Ours: the edit is saved, then reload; done when POST /score answers 200 from the new code.
    const t0 = performance.now();
    writeFileSync(score, original.replace(marker, `return {"predictions": predictions.round(2).tolist(), "round": ${r}}`));
    const result = await deployer.reload(endpoint, 'blue', project);
    scoringUri = result.scoringUri;
    await until('the new code to answer', post, (x) => x.status === 200 && JSON.parse(x.body).round === r);
    const ours = performance.now() - t0;
    if (result.id !== info.id) throw new Error('reload replaced the container');
    restartKinds.add(result.restart);

    // Reference: docker restart of the same container, done when GET / answers 200.
    const t1 = performance.now();
    await run('docker', ['restart', info.name]);
    // A port published as 0 gets a new host port at each start: ask the engine where it is now.
    const bound = (await run('docker', ['port', info.name, '5001/tcp'])).stdout.trim().split('\n')[0];
    scoringUri = `http://127.0.0.1:${bound.slice(bound.lastIndexOf(':') + 1)}/score`;
    await until('GET / after docker restart', () => request(scoringUri.replace(/\/score$/, '/')), (x) => x.status === 200);
    const ref = performance.now() - t1;
    if (r > 0) {
      reload.push(ours);
      restart.push(ref);
    }
  }
  const ratio = median(reload) / median(restart);
  console.log('| figure | value | reference (same run, same container) | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| reload: edit score.py -> first 200 from the new code (${[...restartKinds].join('/')} restart, only changed files copied), median of ${rounds} | ${fmt(median(reload))} (runs: ${reload.map(fmt).join(', ')}) | \`docker restart\` + GET / 200: ${fmt(median(restart))} (runs: ${restart.map(fmt).join(', ')}) | ${ratio.toFixed(2)}x | <= 0.33x and <= 1.5 s |`,
  );
} finally {
  await deployer.delete(endpoint, 'blue').catch(() => undefined);
  rmSync(project, { recursive: true, force: true });
  unregister();
}
