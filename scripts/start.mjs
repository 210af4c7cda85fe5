#!/usr/bin/env node
// `npm start`: the main job on the built-in example. Builds and packages the extension, installs
// code-server into a cache folder on first use (with progress), installs the VSIX into a local profile
// and serves VS Code on 127.0.0.1 with examples/ as the workspace. Ctrl+C stops it.
// Offline (no registry, no PyPI), the example's deployment still builds and serves through the firewall
// settings a company would use, set in this profile only: an image map from mcr.microsoft.com/azureml/
// to a base image built here from Debian, and a pip index on loopback serving wheels made here from
// Debian's pure-Python packages.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cache = process.env.AML_DOCTOR_CACHE ?? path.join(os.homedir(), '.cache', 'aml-deploy-doctor');
const profile = path.join(cache, 'start-profile');
const step = (m) => console.log(`\n==> ${m}`);

function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
async function choosePort() {
  const wanted = Number(process.env.AML_DOCTOR_PORT ?? 8080);
  if (await portFree(wanted)) return wanted;
  for (let p = wanted + 1; p < wanted + 50; p++) if (await portFree(p)) {
    console.log(`port ${wanted} is taken; using ${p} (set AML_DOCTOR_PORT to choose)`);
    return p;
  }
  throw new Error(`no free port near ${wanted}; set AML_DOCTOR_PORT`);
}

ensureDeps(repo);
// Loaded only now: it needs npm packages (yazl) that ensureDeps has just installed on a fresh clone.
const { exampleWheels, startPipIndex } = await import('./pip-index.mjs');
if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  step('Making sure the Docker engine and code-server\'s system packages are installed and running');
  execFileSync('bash', [path.join(repo, 'scripts', 'setup-system.sh')], { stdio: 'inherit' });
} else {
  console.log('(not root on Debian: install docker.io, libkrb5-dev, libsecret-1-dev and pkg-config yourself, see scripts/setup-system.sh)');
}
let pipIndex;
if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  step('Building the local stand-in of the Azure ML base image (first run: a few minutes)');
  execFileSync('bash', [path.join(repo, 'scripts', 'build-scoring-image.sh')], { stdio: 'inherit' });
  // The image map below points mcr.microsoft.com/azureml/ at this name, as a company mirror would.
  execFileSync('docker', ['tag', 'aml-doctor/scoring:bookworm-1-pip', 'aml-doctor/azureml-mirror/openmpi4.1.0-ubuntu20.04:latest']);
  step('Starting a pip index on loopback with the example\'s pip packages (wheels made from Debian packages)');
  for (const line of await exampleWheels(path.join(repo, 'examples'), path.join(cache, 'wheels'), path.join(cache, 'debs'))) console.log(`  ${line}`);
  pipIndex = await startPipIndex(path.join(cache, 'wheels'));
  console.log(`  ${pipIndex.url}`);
}

step('Building and packaging the extension');
execFileSync(process.execPath, [path.join(repo, 'scripts', 'package.mjs')], { cwd: repo, stdio: 'inherit' });

step('Making sure code-server (VS Code in the browser) is installed (first run: several minutes)');
const csLine = execFileSync('bash', [path.join(repo, 'scripts', 'ensure-code-server.sh')], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim().split('\n').pop();
const [node, entry] = csLine.split(' ');

step('Installing the extension into a local profile');
const userData = path.join(profile, 'user-data');
const extensions = path.join(profile, 'extensions');
mkdirSync(path.join(userData, 'User'), { recursive: true });
const settingsFile = path.join(userData, 'User', 'settings.json');
if (!existsSync(settingsFile)) {
  // examples/ sits inside this repository: without the git setting VS Code offers to open the parent repo.
  writeFileSync(settingsFile, JSON.stringify({ 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'telemetry.telemetryLevel': 'off',
    'git.openRepositoryInParentFolders': 'never', 'workbench.secondarySideBar.defaultVisibility': 'hidden' }, null, 2));
}
if (pipIndex) {
  // Machine settings (where code-server keeps machine-scoped settings): the firewall settings of item 5.
  mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  const machineFile = path.join(userData, 'Machine', 'settings.json');
  let machine = {};
  try { machine = JSON.parse(readFileSync(machineFile, 'utf8')); } catch { /* first run */ }
  machine['amlDoctor.localDeploy.imageMap'] = { 'mcr.microsoft.com/azureml/': 'aml-doctor/azureml-mirror/' };
  machine['amlDoctor.localDeploy.pipIndexUrl'] = pipIndex.url;
  writeFileSync(machineFile, JSON.stringify(machine, null, 2));
}
execFileSync(node, [entry, '--install-extension', path.join(repo, 'build', 'aml-deploy-doctor.vsix'), '--force', '--extensions-dir', extensions, '--user-data-dir', userData], { stdio: 'inherit' });

const port = await choosePort();
const workspace = path.join(repo, 'examples');
step(`Starting VS Code on http://127.0.0.1:${port}/ with ${workspace}`);
const cs = spawn(node, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
  '--disable-workspace-trust', '--extensions-dir', extensions, '--user-data-dir', userData, workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
cs.stdout.on('data', (d) => process.stdout.write(`[code-server] ${d}`));
cs.stderr.on('data', (d) => process.stderr.write(`[code-server] ${d}`));
const deadline = Date.now() + 60000;
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch { /* not up yet */ }
  if (cs.exitCode !== null) { console.error('code-server exited; see the lines above'); process.exit(1); }
  if (Date.now() > deadline) { console.error('code-server did not answer within 60 s'); cs.kill(); process.exit(1); }
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`\n  AML Deploy Doctor is running. Open:  http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n`);
console.log('  Try: open score.py or drafts/score_draft.py and look at the Problems panel; right-click deployment.yml ->');
console.log('  "Deploy Locally (Docker)", then "Send Test Request" on the deployment in the AML Deploy Doctor view.');
console.log('  Press Ctrl+C to stop.\n');
const stop = () => { cs.kill('SIGTERM'); void pipIndex?.close(); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
cs.on('exit', (code) => { void pipIndex?.close(); process.exit(code ?? 0); });
