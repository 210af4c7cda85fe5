// Azure layer figures (printed, never asserted):
// 1. the cost moved out of activation: require(dist/azure.js) (SDKs + identity), paid on first Azure use,
//    against require of an empty module in the same kind of fresh process;
// 2. follow de-duplication on a 10,000-line tail of identical lines (the worst case for a naive overlap
//    search) against splitting the same getLogs content into lines (work every poll does anyway).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-azure-'));

function requireMs(file, runs = 9) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    samples.push(Number(r.stdout.trim()));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

console.log('| figure | value | reference (same run) |');
console.log('|---|---|---|');
const empty = path.join(tmp, 'empty.js');
writeFileSync(empty, 'module.exports = {};');
const azure = path.join(repo, 'dist', 'azure.js');
if (existsSync(azure)) {
  const a = requireMs(azure);
  const e = requireMs(empty);
  console.log(`| require(dist/azure.js): SDKs loaded on first Azure use, not at activation (median of 9) | ${a.toFixed(1)} ms | empty module ${e.toFixed(2)} ms |`);
} else {
  console.log('| require(dist/azure.js) | (not built: run npm run build) | - |');
}

const out = path.join(tmp, 'logFollow.cjs');
await esbuild.build({ entryPoints: [path.join(repo, 'src/azure/logFollow.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
const { createRequire } = await import('node:module');
const { newLines, splitLines } = createRequire(import.meta.url)(out);
const prevText = 'GET / 200\n'.repeat(10000);
const nextText = 'GET / 200\n'.repeat(9999) + 'POST /score 500\n';
const prev = splitLines(prevText);
function time(fn, runs = 30) {
  const s = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    s.push(performance.now() - t);
  }
  s.sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const dedup = time(() => newLines(prev, splitLines(nextText)));
const split = time(() => splitLines(nextText));
console.log(`| follow: split + de-duplicate a 10,000-line tail of identical lines (median of 30) | ${dedup.toFixed(2)} ms | splitting it alone ${split.toFixed(2)} ms (${(dedup / split).toFixed(1)}x) |`);
rmSync(tmp, { recursive: true, force: true });
