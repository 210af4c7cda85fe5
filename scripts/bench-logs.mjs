#!/usr/bin/env node
// `npm run bench:logs`: classifier throughput on generated scoring-container logs (>= 200 MB), side by side
// with `grep -E -i -c -f patterns` over the same file and the catalogue's own patterns, in the same run.
// Peak RSS of the classifier is reported at two sizes to show it stays flat as the log grows.
// Usage: node --import tsx scripts/bench-logs.mjs [--sizes 200,400] [--runs 3] [--keep]
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIGNATURES } from '../src/logs/catalogue.ts';
import { LogClassifier } from '../src/logs/classifier.ts';
import { LogView } from '../src/logs/logView.ts';

if (process.argv[2] === '--child' || process.argv[2] === '--child-panel') {
  // --child-panel: the log panel's path, every line classified, redacted and kept (LogView: 50,000 lines /
  // 64 MiB), the rows for the webview taken once per chunk, chunks classified in time-budgeted slices.
  const panel = process.argv[2] === '--child-panel';
  const view = new LogView();
  const c = new LogClassifier(panel ? { onLine: (l) => view.push(l) } : {});
  const t0 = process.hrtime.bigint();
  for await (const chunk of createReadStream(process.argv[3], { highWaterMark: 1 << 20 })) {
    if (panel) {
      await c.pushAsync(chunk);
      view.takePending();
    } else c.push(chunk);
  }
  const r = c.end();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ s, rssKb: process.resourceUsage().maxRSS, primary: r.primary.id, category: r.primary.category, lines: r.lines }));
  process.exit(0);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const sizes = arg('--sizes', '200,400').split(',').map(Number);
const runs = Number(arg('--runs', '3'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-logs-bench-'));

// ---- the same patterns for grep: JS regex -> POSIX ERE (GNU grep) ------------------------------------------
function toEre(source) {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const n = source[i + 1];
    if (c === '\\') {
      const map = inClass
        ? { d: '0-9', s: '[:space:]', w: '[:alnum:]_' }
        : { d: '[0-9]', s: '[[:space:]]', w: '[[:alnum:]_]', W: '[^[:alnum:]_]', S: '[^[:space:]]', b: '\\b' };
      if (map[n]) out += map[n];
      else if (n === '/' || n === "'" || n === '"' || n === '-') out += n;
      else out += inClass ? n : '\\' + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (n === '^') { out += n; i++; }
      if (source[i + 1] === ']') { out += ']'; i++; }
      continue;
    }
    if (c === '(' && n === '?') {
      if (source[i + 2] === ':') { out += '('; i += 2; continue; }
      const look = source[i + 2] === '=' || source[i + 2] === '!' ? 3 : source[i + 2] === '<' && (source[i + 3] === '=' || source[i + 3] === '!') ? 4 : 0;
      if (look) {
        // lookaround: ERE has none; drop it (grep then matches a superset)
        let depth = 1;
        i += look;
        while (i < source.length && depth > 0) {
          if (source[i] === '\\') i++;
          else if (source[i] === '(') depth++;
          else if (source[i] === ')') depth--;
          i++;
        }
        i--;
        continue;
      }
    }
    if (c === '?' && (source[i - 1] === '+' || source[i - 1] === '*')) continue; // lazy -> greedy
    out += c;
  }
  return out;
}

const detectorLiterals = ['Traceback \\(most recent call last\\)', 'Booting worker with pid', 'signal 9', 'SIGKILL', 'Worker exiting', 'exited with code', 'WORKER TIMEOUT', 'init function', 'init has completed', 'mlflow_score_script'];
// seq() patterns carry their plain form (a.*b): what grep is given for them.
const patterns = [...SIGNATURES.flatMap((s) => s.patterns.map((p) => toEre(p.plain ?? p.source))), ...detectorLiterals];
const patternFile = path.join(dir, 'patterns.ere');
writeFileSync(patternFile, patterns.join('\n') + '\n');
for (const p of patterns) {
  const r = spawnSync('grep', ['-E', '-e', p], { input: '' });
  if (r.status === 2) throw new Error(`pattern does not compile for grep -E: ${p}\n${r.stderr}`);
}

// ---- a realistic scoring-container log ----------------------------------------------------------------------
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
async function generate(file, mb) {
  const r = rng(mb);
  const out = createWriteStream(file);
  const target = mb * 1024 * 1024;
  let written = 0;
  let t = Date.UTC(2026, 2, 2, 8, 0, 0);
  const pad = (x, n = 2) => String(x).padStart(n, '0');
  const stamp = () => {
    const d = new Date(t);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
  };
  let i = 0;
  while (written < target) {
    let chunk = '';
    for (let k = 0; k < 4000; k++, i++) {
      t += Math.floor(r() * 40);
      const x = r();
      const id = Math.floor(r() * 0xffffffff).toString(16);
      if (x < 0.45) chunk += `127.0.0.1 - - [02/Mar/2026:08:00:00 +0000] "POST /score HTTP/1.0" 200 ${Math.floor(r() * 900)} "-" "python-requests/2.31.0"\n`;
      else if (x < 0.75) chunk += `${stamp()} | root | INFO | Scoring request ${id} took ${(r() * 90).toFixed(1)} ms, batch ${Math.floor(r() * 64)}\n`;
      else if (x < 0.9) chunk += `${stamp()} | azureml.inference | DEBUG | payload bytes=${Math.floor(r() * 100000)} shape=(1, ${Math.floor(r() * 20)}) request_id=${id}\n`;
      else if (x < 0.97) chunk += `[${stamp()} +0000] [${Math.floor(r() * 300)}] [INFO] Handling request ${id} from 10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}\n`;
      else if (x < 0.995) chunk += `${stamp()} | root | WARNING | slow request ${id}: ${(r() * 900).toFixed(0)} ms over budget\n`;
      else if (x < 0.999) chunk += `${stamp()} | azureml.core | WARNING | Failure while loading azureml_run_type_providers. Failed to load entrypoint\n`;
      else chunk += `Traceback (most recent call last):\n  File "/var/azureml-app/score.py", line 31, in run\n    x = data["rows"]\nKeyError: 'rows'\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise((res) => out.once('drain', res));
  }
  out.write(`[${stamp()} +0000] [1] [WARNING] Worker with pid 77 was terminated due to signal 9\n[${stamp()} +0000] [80] [INFO] Booting worker with pid: 80\n`);
  await new Promise((res) => out.end(res));
}

// ---- measurements -------------------------------------------------------------------------------------------
function runClassifier(file, mode = '--child') {
  // A fresh process per run: its peak RSS is the classifier's alone.
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode, file], { encoding: 'utf8', cwd: repo, maxBuffer: 1 << 20, timeout: 600000 });
  if (r.status !== 0) throw new Error(`classifier run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
function runGrep(file) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('grep', ['-E', '-i', '-c', '-f', patternFile, file], { encoding: 'utf8', timeout: 600000 });
  if (r.error) throw new Error(`grep did not finish: ${r.error.message}`);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`grep failed: ${r.stderr}`);
  return { s, count: Number(r.stdout.trim()) };
}

const rows = [];
try {
  for (const mb of sizes) {
    const file = path.join(dir, `scoring-${mb}MB.log`);
    await generate(file, mb);
    const bytes = statSync(file).size;
    runGrep(file); // warm the page cache for both
    const c = [];
    const g = [];
    for (let k = 0; k < runs; k++) {
      c.push(runClassifier(file));
      g.push(runGrep(file));
    }
    const best = (xs) => xs.reduce((a, b) => (b.s < a.s ? b : a));
    const panel = runClassifier(file, '--child-panel');
    const bc = best(c);
    const bg = best(g);
    const mib = bytes / 1048576;
    rows.push({ mib, lines: bc.lines, cls: mib / bc.s, grep: mib / bg.s, ratio: bc.s / bg.s, rss: Math.max(...c.map((x) => x.rssKb)) / 1024, panel: mib / panel.s, panelRss: panel.rssKb / 1024, primary: `${bc.category} (${bc.primary})`, grepLines: bg.count });
    rmSync(file, { force: true });
  }
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}

console.log(`\nLog classifier vs grep -E -i -c -f <${patterns.length} catalogue patterns> (best of ${runs}, same files, same run; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''})\n`);
console.log('| log size | lines | classifier MB/s | grep MB/s | classifier time / grep time | classifier peak RSS | panel path MB/s (every line, redacted, kept in LogView) | panel path peak RSS | diagnosis |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(`| ${r.mib.toFixed(0)} MiB | ${r.lines.toLocaleString('en-US')} | ${r.cls.toFixed(0)} | ${r.grep.toFixed(0)} | ${r.ratio.toFixed(2)}x | ${r.rss.toFixed(0)} MiB | ${r.panel.toFixed(0)} | ${r.panelRss.toFixed(0)} MiB | ${r.primary} |`);
}
const within = rows.every((r) => r.ratio <= 2);
console.log(`\nTarget: within 2x of grep -> ${within ? 'met' : 'NOT met'}; peak RSS ${rows.map((r) => `${r.rss.toFixed(0)} MiB`).join(' vs ')} (flat = bounded memory).`);
