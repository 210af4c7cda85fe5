// "Attach debugger" latency on a warm scoring container: from the start of the attach to the `stopped`
// event at a breakpoint in the local score.py (a real POST /score hits it). Ours: dist/debug-adapter.js
// (probe + path mappings + debugpy's adapter inside the container). Reference, same run and same
// container kind: a bare DAP client talking to debugpy's adapter over `docker exec -i`, with the worker
// pid and pathMappings handed to it (the hand-written launch.json way). Fresh container per measurement.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { DebugClient } = require('@vscode/debugadapter-testsupport');
const Docker = require('dockerode');

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const examples = path.join(repo, 'examples');
const score = path.join(examples, 'score.py');
const line = readFileSync(score, 'utf8').split('\n').findIndex((l) => l.includes('coef, intercept = model')) + 1;
const sample = readFileSync(path.join(examples, 'sample-request.json'), 'utf8');
const image = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const docker = new Docker();

async function startContainer(name) {
  await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  const c = await docker.createContainer({
    name, Image: image, Cmd: ['sh', '/var/aml-doctor/start.sh'],
    Env: ['AML_APP_ROOT=/var/azureml-app', 'AZUREML_ENTRY_SCRIPT=score.py', 'AZUREML_MODEL_DIR=/var/azureml-app/model', 'WORKER_COUNT=1'],
    ExposedPorts: { '5001/tcp': {} },
    HostConfig: { Binds: [`${examples}:/var/azureml-app:ro`, `${path.join(repo, 'media', 'harness')}:/var/aml-doctor:ro`], PortBindings: { '5001/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] } },
  });
  await c.start();
  const port = (await c.inspect()).NetworkSettings.Ports['5001/tcp'][0].HostPort;
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    // A ref'd timer bounds each try: while the server boots, docker-proxy holds the connection open and
    // undici's socket alone does not keep Node's event loop alive.
    const ac = new AbortController();
    const bound = setTimeout(() => ac.abort(), 2000);
    try { if ((await fetch(`${url}/`, { signal: ac.signal })).ok) break; } catch { /* booting */ } finally { clearTimeout(bound); }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Warm: one request served before measuring.
  await fetch(`${url}/score`, { method: 'POST', body: sample, headers: { 'Content-Type': 'application/json' } });
  return { c, url, name };
}

async function measure(dc, attachArgs, url) {
  const step = (s) => process.env.AMLD_BENCH_TRACE && console.error(`[attach bench] ${s}`);
  const t0 = performance.now();
  await dc.start();
  step("started");
  await dc.initializeRequest({ adapterID: 'bench', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const initialized = dc.waitForEvent('initialized', 60000);
  const attached = dc.attachRequest(attachArgs);
  await initialized;
  step("initialized");
  await dc.setBreakpointsRequest({ source: { path: score }, breakpoints: [{ line }] });
  await dc.configurationDoneRequest();
  await attached;
  step("attached");
  const response = fetch(`${url}/score`, { method: 'POST', body: sample, headers: { 'Content-Type': 'application/json' } });
  const stopped = await dc.waitForEvent('stopped', 60000);
  const ms = performance.now() - t0;
  await dc.continueRequest({ threadId: stopped.body.threadId });
  const status = (await response).status;
  await dc.disconnectRequest({}).catch(() => undefined);
  await dc.stop();
  if (status !== 200) throw new Error(`request after continue answered ${status}`);
  return ms;
}

const ours = [];
const reference = [];
for (let round = 0; round < 3; round++) {
  {
    const { c, url, name } = await startContainer(`amld-bench-attach-ours-${process.pid}`);
    const dc = new DebugClient(process.execPath, path.join(repo, 'dist', 'debug-adapter.js'), 'aml-container', { env: { ...process.env, AML_DOCTOR_WORKSPACE_FOLDERS: examples } });
    dc.defaultTimeout = 60000;
    ours.push(await measure(dc, { container: name }, url));
    await c.remove({ force: true });
  }
  {
    const { c, url, name } = await startContainer(`amld-bench-attach-ref-${process.pid}`);
    const top = await c.top({ ps_args: '-eo pid,ppid,args' });
    const rows = top.Processes.map((p) => ({ pid: Number(p[0]), ppid: Number(p[1]), args: p[2] }));
    const gunicorn = rows.filter((r) => r.args.includes('gunicorn'));
    const worker = gunicorn.find((r) => gunicorn.some((m) => m.pid === r.ppid));
    // docker top reports host pids; the adapter inside the container needs the container's pid.
    const inside = spawnSync('docker', ['exec', name, 'sh', '-c', 'for p in /proc/[0-9]*; do if grep -q gunicorn $p/cmdline 2>/dev/null; then echo "${p#/proc/} $(cut -d" " -f4 $p/stat)"; fi; done'], { encoding: 'utf8' }).stdout
      .trim().split('\n').map((l) => l.split(' ').map(Number));
    const pids = new Set(inside.map(([pid]) => pid));
    const workerPid = inside.find(([, ppid]) => pids.has(ppid))?.[0];
    if (!worker || !workerPid) throw new Error('no gunicorn worker found for the reference');
    const dc = new DebugClient('sh', path.join(repo, 'bench', 'raw-debugpy-adapter.sh'), 'python', { env: { ...process.env, AMLD_CONTAINER: name } });
    dc.defaultTimeout = 60000;
    reference.push(await measure(dc, { processId: workerPid, justMyCode: true, pathMappings: [{ localRoot: examples, remoteRoot: '/var/azureml-app' }] }, url));
    await c.remove({ force: true });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| attach -> stopped at breakpoint (warm container, median of 3) | value |');
console.log('|---|---|');
console.log(`| AML Deploy Doctor (command: probe, path mappings, debugpy adapter in container) | ${(median(ours) / 1000).toFixed(2)} s (runs: ${ours.map((x) => (x / 1000).toFixed(2)).join(', ')}) |`);
console.log(`| reference: bare debugpy adapter over docker exec, pid + pathMappings given | ${(median(reference) / 1000).toFixed(2)} s (runs: ${reference.map((x) => (x / 1000).toFixed(2)).join(', ')}) |`);
console.log(`| ratio ours / reference | ${(median(ours) / median(reference)).toFixed(2)}x (target: ours <= 3 s) |`);
