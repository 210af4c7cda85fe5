#!/usr/bin/env node
// `npm run eval:scripts -- --texts DIR [--tsv FILE]`: precision/recall per rule against the labelled corpus
// (../shared/corpus/scripts-public.tsv). The texts are other people's code and are never committed: fetch
// them yourself into DIR, one file per row, named like the tsv's `file` column. Rows without a text are
// listed as skipped. Label -> rule: has_init=n -> missing-init, has_run=n -> missing-run, run_has_try in
// (n, partial) -> run-unguarded (only where a run() exists), returns_exception_text_to_client=y -> error-leak,
// uses_get_model_path=y -> get-model-path, loads_model_in_run=y -> model-load-in-run. Rules without a label
// (undefined-name) are listed finding by finding, with the line, for a person to judge.
// The corpus is looked for in shared/corpus next to the checkout or next to any folder above it (worktrees).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const defaultTsv = () => {
  for (let dir = repo; ; dir = path.dirname(dir)) {
    const candidate = path.join(path.dirname(dir), 'shared', 'corpus', 'scripts-public.tsv');
    if (existsSync(candidate) || path.dirname(dir) === dir) return candidate;
  }
};
const tsv = arg('--tsv', defaultTsv());
const textsDir = arg('--texts', undefined);
if (!existsSync(tsv)) {
  console.error(`eval:scripts: no corpus at ${tsv} (pass --tsv FILE)`);
  process.exit(2);
}
if (!textsDir || !existsSync(textsDir)) {
  console.error('eval:scripts: pass --texts DIR, a folder with the fetched scripts named like the tsv "file" column (not part of the repo)');
  process.exit(2);
}

const LABELS = {
  'missing-init': (r) => r.has_init === 'n',
  'missing-run': (r) => r.has_run === 'n',
  'run-unguarded': (r) => r.has_run === 'y' && (r.run_has_try === 'n' || r.run_has_try === 'partial'),
  'error-leak': (r) => r.returns_exception_text_to_client === 'y',
  'get-model-path': (r) => r.uses_get_model_path === 'y',
  'model-load-in-run': (r) => r.loads_model_in_run === 'y',
};

const tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-eval-'));
try {
  const esbuild = require('esbuild');
  const out = path.join(tmp, 'analysis.js');
  await esbuild.build({
    entryPoints: [path.join(repo, 'src/analysis/analyze.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning',
    define: { 'import.meta.url': '__amlDoctorImportMetaUrl' }, banner: { js: "var __amlDoctorImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  const { copyFileSync } = await import('node:fs');
  copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(tmp, 'tree-sitter.wasm'));
  copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), path.join(tmp, 'tree-sitter-python.wasm'));
  copyFileSync(require.resolve('web-tree-sitter'), path.join(tmp, 'web-tree-sitter.cjs'));
  const { analyzeScoringScript } = require(out);

  const [header, ...lines] = readFileSync(tsv, 'utf8').split('\n').filter((l) => l.trim());
  const cols = header.split('\t');
  const rows = lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
  const stats = Object.fromEntries(Object.keys(LABELS).map((k) => [k, { tp: 0, fp: 0, fn: 0, tn: 0, misses: [], false: [] }]));
  /** Rules with no label in the corpus: every finding is printed for review. */
  const UNLABELLED = ['undefined-name'];
  const unlabelled = [];
  let read = 0;
  const skipped = [];
  for (const row of rows) {
    const file = path.join(textsDir, row.file);
    if (!existsSync(file)) {
      skipped.push(row.file);
      continue;
    }
    read++;
    const text = readFileSync(file, 'utf8');
    const findings = await analyzeScoringScript(text, { fileName: row.file });
    const rules = new Set(findings.map((f) => f.rule));
    const lines = text.split('\n');
    for (const f of findings) if (UNLABELLED.includes(f.rule)) unlabelled.push(`${f.rule} ${row.file}:${f.range.start.line + 1}  ${lines[f.range.start.line].trim().slice(0, 100)}\n    -> ${f.message.slice(0, 160)}`);
    for (const [rule, expect] of Object.entries(LABELS)) {
      const want = expect(row);
      const got = rules.has(rule);
      const s = stats[rule];
      if (want && got) s.tp++;
      else if (!want && got) {
        s.fp++;
        s.false.push(row.file);
      } else if (want && !got) {
        s.fn++;
        s.misses.push(row.file);
      } else s.tn++;
    }
  }
  const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)}%` : 'n/a');
  console.log(`scripts read: ${read} of ${rows.length}${skipped.length ? ` (skipped ${skipped.length} without a text)` : ''}\n`);
  console.log('| rule | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|');
  for (const [rule, s] of Object.entries(stats)) console.log(`| ${rule} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.tp, s.tp + s.fp)} | ${pct(s.tp, s.tp + s.fn)} |`);
  for (const [rule, s] of Object.entries(stats)) {
    if (s.false.length) console.log(`\n${rule} false positives: ${s.false.join(', ')}`);
    if (s.misses.length) console.log(`${rule} misses: ${s.misses.join(', ')}`);
  }
  console.log(`\nUnlabelled rules (${UNLABELLED.join(', ')}): ${unlabelled.length} finding${unlabelled.length === 1 ? '' : 's'}; judge each by reading the script:`);
  for (const u of unlabelled) console.log(`  ${u}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
