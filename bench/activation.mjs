// Activation cost of the bundled extension in plain Node: require(dist/extension.js) + activate(),
// against a reference measured in the same run: an empty extension (require + activate of a no-op).
// The `vscode` module is a recording fake: every API returns an inert object, so what is measured is
// our own code loading and activation work (VS Code's own overhead is the same for any extension).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function measure(file, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [path.join(repo, 'bench', 'activation-probe.cjs'), file], { encoding: 'utf8', env: { ...process.env, AMLD_REPO: repo } });
    if (r.status !== 0) throw new Error(r.stderr.split('\n').filter((l) => l.length < 300).slice(-15).join('\n'));
    const { load, activate } = JSON.parse(r.stdout);
    samples.push(load + activate);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export function runActivationBench(runs = 15) {
  // The reference extension lives in a temporary folder for the run only.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-activation-'));
  try {
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'dist', 'empty.js'), 'exports.activate = function () {};');
    const ours = measure(path.join(repo, 'dist', 'extension.js'), runs);
    const empty = measure(path.join(dir, 'dist', 'empty.js'), runs);
    return { ours, empty };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = runActivationBench();
  console.log(`activation (require + activate, median of 15): ${r.ours.toFixed(1)} ms; empty extension ${r.empty.toFixed(1)} ms; ratio ${(r.ours / r.empty).toFixed(1)}x`);
}
