#!/usr/bin/env node
// `npm run eval:logs`: top-1 accuracy and a confusion table of the log classifier over the labelled
// real-world excerpts in ../shared/corpus/logs (INDEX.tsv). Reads them in place; copies nothing.
// Usage: node --import tsx scripts/eval-logs.mjs [corpus-dir] [--verbose]
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogClassifier } from '../src/logs/classifier.ts';
import { CATEGORIES } from '../src/logs/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dir = args.find((a) => !a.startsWith('--')) ?? path.resolve(here, '..', '..', 'shared', 'corpus', 'logs');
const index = path.join(dir, 'INDEX.tsv');
if (!existsSync(index)) {
  console.log(`[eval:logs] no corpus at ${dir} (INDEX.tsv missing): nothing to evaluate.`);
  process.exit(0);
}

const rows = readFileSync(index, 'utf8').split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split('\t'));
const confusion = new Map(); // expected -> predicted -> n
let correct = 0;
const misses = [];
for (const row of rows) {
  const [file, , , expected] = row;
  const c = new LogClassifier();
  // Feed in 4 KiB chunks, as a stream would arrive.
  const bytes = readFileSync(path.join(dir, file));
  for (let i = 0; i < bytes.length; i += 4096) c.push(bytes.subarray(i, i + 4096));
  const result = c.end();
  const got = result.primary.category;
  if (got === expected) correct++;
  else misses.push({ file, expected, got, id: result.primary.id });
  const m = confusion.get(expected) ?? new Map();
  m.set(got, (m.get(got) ?? 0) + 1);
  confusion.set(expected, m);
  if (verbose) console.log(`${got === expected ? 'ok  ' : 'MISS'} ${file}: ${got} (${result.primary.id}) expected ${expected}`);
}

const used = CATEGORIES.filter((c) => confusion.has(c) || [...confusion.values()].some((m) => m.has(c)));
const short = (c) => c.replace(/_/g, '').slice(0, 7);
console.log(`\nConfusion (rows: expected, columns: predicted)\n`);
console.log(['expected \\ predicted'.padEnd(24), ...used.map((c) => short(c).padStart(8))].join(''));
for (const e of used) {
  const m = confusion.get(e) ?? new Map();
  console.log([e.padEnd(24), ...used.map((c) => String(m.get(c) ?? (c === e ? 0 : '.')).padStart(8))].join(''));
}
console.log(`\nMisses:`);
for (const m of misses) console.log(`  ${m.file}: expected ${m.expected}, got ${m.got} (${m.id})`);
const acc = correct / rows.length;
console.log(`\nTop-1 accuracy: ${correct}/${rows.length} = ${acc.toFixed(3)} (target >= 0.9)`);
