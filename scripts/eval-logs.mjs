#!/usr/bin/env node
// `npm run eval:logs`: top-1 accuracy and a confusion table of the log classifier over the labelled
// real-world excerpts in ../shared/corpus/logs (INDEX.tsv). Reads them in place; copies nothing.
// Usage: node --import tsx scripts/eval-logs.mjs [corpus-dir] [--verbose]
//
// The corpus labels each excerpt with one of twelve classes; the classifier's categories are finer. The
// evaluation keeps the corpus's twelve classes and maps each finer category onto the class that holds it
// (EVALUATION_CLASS below): e.g. `quota`, `platform_capacity` and `identity_permission` are the corpus's
// `auth_or_quota`, a 408 is its `timeout_504`, an answer that cannot be serialised is a run failure (502),
// and "no failure in this text" counts as `other`.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogClassifier } from '../src/logs/classifier.ts';

const CORPUS_CLASSES = [
  'out_of_memory',
  'init_exception',
  'model_not_found',
  'missing_dependency',
  'scheduling_no_resources',
  'gpu_unavailable',
  'run_exception_502',
  'overload_503',
  'timeout_504',
  'image_build_failure',
  'auth_or_quota',
  'other',
];

/** Finer categories -> the corpus class that holds them (categories with the same word map to themselves). */
const EVALUATION_CLASS = {
  missing_function: 'init_exception',
  entry_script_not_found: 'other',
  return_not_serializable: 'run_exception_502',
  model_error_424: 'run_exception_502',
  request_timeout_408: 'timeout_504',
  too_many_requests_429: 'overload_503',
  platform_capacity: 'auth_or_quota',
  quota: 'auth_or_quota',
  identity_permission: 'auth_or_quota',
  control_plane: 'other',
  no_failure: 'other',
};
const evaluationClass = (category) => EVALUATION_CLASS[category] ?? category;

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
// The corpus sits next to the checkout (../shared), also for a checkout in a worktree folder deeper down.
const candidates = [path.resolve(here, '..', '..', 'shared', 'corpus', 'logs'), path.resolve(here, '..', '..', '..', 'shared', 'corpus', 'logs')];
const dir = args.find((a) => !a.startsWith('--')) ?? candidates.find((d) => existsSync(path.join(d, 'INDEX.tsv'))) ?? candidates[0];
const index = path.join(dir, 'INDEX.tsv');
if (!existsSync(index)) {
  console.log(`[eval:logs] no corpus at ${dir} (INDEX.tsv missing): nothing to evaluate.`);
  process.exit(0);
}

const rows = readFileSync(index, 'utf8').split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split('\t'));
const confusion = new Map(); // expected -> predicted -> n
let correct = 0;
let noFailure = 0;
const misses = [];
for (const row of rows) {
  const [file, , , expected] = row;
  const c = new LogClassifier();
  // Feed in 4 KiB chunks, as a stream would arrive.
  const bytes = readFileSync(path.join(dir, file));
  for (let i = 0; i < bytes.length; i += 4096) c.push(bytes.subarray(i, i + 4096));
  const result = c.end();
  const fine = result.primary.category;
  const got = evaluationClass(fine);
  if (fine === 'no_failure') noFailure++;
  if (got === expected) correct++;
  else misses.push({ file, expected, got, fine, id: result.primary.id });
  const m = confusion.get(expected) ?? new Map();
  m.set(got, (m.get(got) ?? 0) + 1);
  confusion.set(expected, m);
  if (verbose) console.log(`${got === expected ? 'ok  ' : 'MISS'} ${file}: ${got} (${fine}, ${result.primary.id}, confidence ${result.primary.confidence}) expected ${expected}`);
}

const used = CORPUS_CLASSES.filter((c) => confusion.has(c) || [...confusion.values()].some((m) => m.has(c)));
const short = (c) => c.replace(/_/g, '').slice(0, 7);
console.log(`\nConfusion (rows: expected, columns: predicted; finer categories mapped onto the corpus's classes)\n`);
console.log(['expected \\ predicted'.padEnd(24), ...used.map((c) => short(c).padStart(8))].join(''));
for (const e of used) {
  const m = confusion.get(e) ?? new Map();
  console.log([e.padEnd(24), ...used.map((c) => String(m.get(c) ?? (c === e ? 0 : '.')).padStart(8))].join(''));
}
console.log(`\nMisses:`);
for (const m of misses) console.log(`  ${m.file}: expected ${m.expected}, got ${m.got} (${m.fine}, ${m.id})`);
const acc = correct / rows.length;
console.log(`\n"No failure in this text" answers: ${noFailure}`);
console.log(`Top-1 accuracy: ${correct}/${rows.length} = ${acc.toFixed(3)} (target >= 0.95)`);
