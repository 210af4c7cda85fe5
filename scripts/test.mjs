#!/usr/bin/env node
// Test entry: `node scripts/test.mjs all|unit|integration|e2e`.
// unit = pure modules + in-process language server + CLI; integration = real Docker engine, real debugpy,
// local HTTPS ARM server; e2e = real VS Code (code-server) driven by Chromium.
// For integration/e2e it installs and starts what they need (Docker engine, scoring image, code-server).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';

const which = process.argv[2] ?? 'all';
const suites = { unit: ['test/unit', 'test/server'], integration: ['test/integration'], e2e: ['test/e2e'] };
const selected = which === 'all' ? ['unit', 'integration', 'e2e'] : [which];
if (!selected.every((s) => s in suites)) {
  console.error(`usage: node scripts/test.mjs all|unit|integration|e2e`);
  process.exit(2);
}

function findTests(dir) {
  const out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[test] ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

ensureDeps(process.cwd());
if (which === 'all') {
  // The README's one test command also type-checks and lints.
  run('npx', ['tsc', '-p', '.', '--noEmit']);
  run('npx', ['eslint', 'src', 'test', 'scripts']);
}

// Tests use the bundles too (dist/server.js, dist/cli.js): always build first (about a second).
run(process.execPath, ['esbuild.mjs']);

const needsDocker = selected.includes('integration') || selected.includes('e2e');
if (needsDocker && process.env.AML_DOCTOR_SKIP_SETUP !== '1') {
  run('bash', ['scripts/setup-system.sh']);
  run('bash', ['scripts/build-scoring-image.sh']);
}
if (selected.includes('e2e') && process.env.AML_DOCTOR_SKIP_SETUP !== '1') {
  run('bash', ['scripts/ensure-code-server.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
  run(process.execPath, ['scripts/package.mjs']);
}

const files = selected.flatMap((s) => suites[s].flatMap(findTests));
if (files.length === 0) {
  console.error('[test] no test files found');
  process.exit(1);
}
// Suites share one Docker engine and one machine of 2 cores: run files one at a time.
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, AML_DOCTOR_TEST_IMAGE: process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1' } });
process.exit(r.status ?? 1);
