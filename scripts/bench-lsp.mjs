#!/usr/bin/env node
// `npm run bench:lsp`: our language server and pyright-langserver side by side, over stdio, on generated
// score.py files of ~70 and ~5,000 lines. For both: didOpen -> first publishDiagnostics, median time per edit
// (didChange -> publishDiagnostics for that version), and server RSS (peak, from /proc). Targets (issue 3):
// first diagnostics <= 1/50 of pyright's, per-edit median <= 5 ms (70 lines) and <= 30 ms (5,000 lines),
// RSS <= 80 MB. Ratios are computed within the same run, so machine speed cancels out.
// Our server is bundled into a temporary folder (dist/ is left alone) and runs with debounce 0 for the edit
// figures: the editor's 150 ms debounce is a deliberate wait, not work, and would hide the analysis time.
// "didOpen -> first diagnostics" is also measured with the shipped settings (the default debounce), in a
// server of its own: opening a file must not wait for the debounce, and that column shows whether it does.
// Our server compiles the grammar and warms its analysis before it answers `initialize` (src/server/warmUp.ts),
// so "didOpen -> first diagnostics" is what a user sees for every file opened after start-up; the column
// "process start -> first diagnostics" includes that start-up for both servers, so nothing is hidden.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');
const esbuild = require('esbuild');

const EDITS = Number(process.env.BENCH_EDITS ?? 60);
/** Node options for our server: by default the ones the extension's language client passes (SERVER_NODE_ARGS in src/server/protocol.ts). */
function serverNodeArgs() {
  if (process.env.BENCH_SERVER_NODE_ARGS !== undefined) return process.env.BENCH_SERVER_NODE_ARGS.split(' ').filter(Boolean);
  const { outputFiles } = esbuild.buildSync({ entryPoints: [path.join(repo, 'src/server/protocol.ts')], bundle: true, write: false, format: 'cjs', platform: 'node' });
  const mod = { exports: {} };
  new Function('module', 'exports', outputFiles[0].text)(mod, mod.exports);
  return [...mod.exports.SERVER_NODE_ARGS];
}
const json = process.argv.includes('--json');
const progress = (msg) => process.stderr.write(`[bench:lsp] ${msg}\n`);

function scoreFile(targetLines) {
  const head = [
    '"""Generated scoring script for the language-server benchmark."""',
    'import json',
    'import logging',
    'import os',
    '',
    'import joblib',
    'import numpy as np',
    '',
    'model = None',
    '',
    '',
    'def init():',
    '    global model',
    '    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR", ""), "model.pkl")',
    '    model = joblib.load(model_path)',
    '    logging.info("model loaded from %s", model_path)',
    '',
  ];
  const helper = (i) => [
    '',
    `def preprocess_${i}(values, scale=1.0):`,
    `    """Feature step ${i}: scale, clip and reshape the request values."""`,
    '    arr = np.asarray(values, dtype=float) * scale',
    '    arr = np.clip(arr, -1e6, 1e6)',
    '    if arr.ndim == 1:',
    '        arr = arr.reshape(1, -1)',
    `    return arr + ${i % 7}`,
    '',
  ];
  const tail = [
    '',
    'def run(raw_data):',
    '    # edits land on this line',
    '    data = json.loads(raw_data)["data"]',
    '    try:',
    '        features = preprocess_0(data)',
    '        predictions = model.predict(features)',
    '        return {"predictions": predictions.tolist()}',
    '    except Exception as e:',
    '        logging.exception("scoring failed")',
    '        return {"error": str(e)}',
  ];
  const lines = [...head];
  let i = 0;
  while (lines.length + helper(i).length + tail.length <= targetLines) lines.push(...helper(i++));
  if (i === 0) lines.push(...helper(i++));
  lines.push(...tail);
  return lines.join('\n') + '\n';
}

function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function bench(name, command, args, workspace, file, initializationOptions, edits = EDITS) {
  const spawnedAt = performance.now();
  const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: workspace });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiters = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    for (const w of [...waiters]) {
      if (!w.match(p)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(p);
    }
  });
  conn.onNotification('window/logMessage', (p) => progress(`${name} log: ${String(p.message).slice(0, 300)}`));
  for (const m of ['window/showMessage', '$/progress', 'telemetry/event', 'pyright/beginProgress', 'pyright/reportProgress', 'pyright/endProgress']) conn.onNotification(m, () => {});
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.listen();
  const waitFor = (match, timeoutMs = Number(process.env.BENCH_TIMEOUT_MS ?? 120000)) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name}: no publishDiagnostics within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: (p) => (clearTimeout(t), resolve(p)) });
    });
  const rootUri = pathToFileURL(workspace).href;
  progress(`${name}: initialize`);
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'bench' }],
    capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { didSave: false } }, workspace: { configuration: true, workspaceFolders: true } },
    initializationOptions,
  });
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const editLine = lines.findIndex((l) => l.includes('# edits land on this line'));
  progress(`${name}: didOpen ${path.basename(file)}`);
  // First diagnostics: didOpen -> the first publish for the file.
  const t0 = performance.now();
  const first = waitFor((p) => p.uri === uri);
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
  await first;
  const firstMs = performance.now() - t0;
  const spawnToFirstMs = performance.now() - spawnedAt;
  // Edits: type one character at a time in run(); wait for the publish of that version.
  const times = [];
  let col = lines[editLine].length;
  for (let v = 2; v < 2 + edits; v++) {
    const pending = waitFor((p) => p.uri === uri && (p.version === undefined || p.version === null || p.version === v));
    const t = performance.now();
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ range: { start: { line: editLine, character: col }, end: { line: editLine, character: col } }, text: 'x' }],
    });
    await pending;
    times.push(performance.now() - t);
    col++;
  }
  const mem = rssOf(proc.pid);
  progress(`${name}: ${edits} edits done, shutting down`);
  await conn.sendRequest('shutdown').catch(() => undefined);
  await conn.sendNotification('exit').catch(() => undefined);
  const exited = new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
  conn.dispose();
  return { name, lines: lines.length - 1, firstMs, spawnToFirstMs, editMedianMs: median(times), editP90Ms: [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)], rssMb: mem.rss, peakRssMb: mem.peak };
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-lsp-'));
  try {
    const serverDir = path.join(tmp, 'server');
    await esbuild.build({ entryPoints: [path.join(repo, 'src/server/main.ts')], outfile: path.join(serverDir, 'server.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, logLevel: 'warning',
      // as in esbuild.mjs: web-tree-sitter calls createRequire(import.meta.url), which a CJS bundle must provide
      define: { 'import.meta.url': '__amlDoctorImportMetaUrl' }, banner: { js: "var __amlDoctorImportMetaUrl = require('url').pathToFileURL(__filename).href;" } });
    copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(serverDir, 'tree-sitter.wasm'));
    copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), path.join(serverDir, 'tree-sitter-python.wasm'));
    copyFileSync(require.resolve('web-tree-sitter'), path.join(serverDir, 'web-tree-sitter.cjs'));
    const pyright = path.join(repo, 'node_modules', 'pyright', 'langserver.index.js');
    const nodeArgs = serverNodeArgs();
    progress(`our server's node options: ${nodeArgs.join(' ') || '(none)'}`);
    const rows = [];
    for (const size of [70, 5000]) {
      const ws = path.join(tmp, `ws${size}`);
      const file = path.join(ws, 'score.py');
      require('node:fs').mkdirSync(ws, { recursive: true });
      writeFileSync(file, scoreFile(size));
      const serverArgs = [...nodeArgs, path.join(serverDir, 'server.js'), '--stdio'];
      const ours = await bench('aml-doctor', process.execPath, serverArgs, ws, file, { entryScripts: '**/score*.py', debounceMs: 0 });
      // The shipped settings: what the extension sends (no debounce override), first diagnostics only.
      const shipped = await bench('aml-doctor (shipped settings)', process.execPath, serverArgs, ws, file, { entryScripts: '**/score*.py' }, 0);
      ours.shippedFirstMs = shipped.firstMs;
      const theirs = process.env.BENCH_SKIP_PYRIGHT === '1' ? { ...ours, name: 'pyright (skipped)', firstMs: NaN, spawnToFirstMs: NaN, editMedianMs: NaN, editP90Ms: NaN, rssMb: NaN, peakRssMb: NaN } : await bench('pyright', process.execPath, [pyright, '--stdio'], ws, file, undefined);
      rows.push({ size, ours, theirs });
    }
    if (json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    const f = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(0)) : 'n/a');
    const out = [];
    out.push(`| file | server | didOpen -> first diagnostics (ms) | same, shipped settings (ms) | process start -> first diagnostics (ms) | per-edit median (ms) | per-edit p90 (ms) | RSS at end / peak (MB) |`);
    out.push(`|---|---|---:|---:|---:|---:|---:|---:|`);
    for (const r of rows) {
      for (const b of [r.ours, r.theirs]) out.push(`| ${b.lines} lines | ${b.name} | ${f(b.firstMs)} | ${f(b.shippedFirstMs ?? b.firstMs)} | ${f(b.spawnToFirstMs)} | ${f(b.editMedianMs)} | ${f(b.editP90Ms)} | ${f(b.rssMb)} / ${f(b.peakRssMb)} |`);
    }
    console.log(out.join('\n'));
    console.log('');
    let ok = true;
    for (const r of rows) {
      const ratio = r.theirs.firstMs / r.ours.firstMs;
      const editTarget = r.size <= 70 ? 5 : 30;
      const checks = [
        [`first diagnostics ${f(r.ours.firstMs)} ms = 1/${ratio.toFixed(0)} of pyright's ${f(r.theirs.firstMs)} ms (target <= 1/50)`, ratio >= 50],
        [`per-edit median ${f(r.ours.editMedianMs)} ms (target <= ${editTarget} ms)`, r.ours.editMedianMs <= editTarget],
        [`peak RSS ${f(r.ours.peakRssMb)} MB (target <= 80 MB)`, r.ours.peakRssMb <= 80],
      ];
      for (const [label, pass] of checks) {
        ok &&= pass;
        console.log(`${pass ? 'PASS' : 'FAIL'} ${r.ours.lines} lines: ${label}`);
      }
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack ?? err);
  process.exitCode = 2;
});
