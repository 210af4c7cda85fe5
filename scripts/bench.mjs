#!/usr/bin/env node
// `npm run bench`: the extension-level figures (activation, VSIX size) plus every bench/*.bench.mjs
// (each prints its own table). Figures only: nothing here passes or fails on a timing.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { runActivationBench } from '../bench/activation.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(repo);

execFileSync(process.execPath, ['scripts/package.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = statSync('build/aml-deploy-doctor.vsix').size;
const act = runActivationBench(15);
console.log('\n## Extension\n');
console.log('| figure | value | reference (same run) | target |');
console.log('|---|---|---|---|');
console.log(`| activation: require(dist/extension.js) + activate(), median of 15 | ${act.ours.toFixed(1)} ms | empty extension ${act.empty.toFixed(1)} ms (${(act.ours / act.empty).toFixed(0)}x) | < 50 ms |`);
console.log(`| VSIX size | ${(vsix / 1024 / 1024).toFixed(2)} MB | - | < 5 MB |`);

const only = process.argv.slice(2);
for (const f of readdirSync('bench').filter((f) => f.endsWith('.bench.mjs')).sort()) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n## ${f.replace('.bench.mjs', '')}\n`);
  // tsx: a bench may drive the TypeScript sources directly (deploy.bench.mjs uses LocalDeployer).
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', f)], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(bench ${f} failed with exit ${r.status})`);
}
