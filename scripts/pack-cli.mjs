#!/usr/bin/env node
// Packs the `aml-doctor` CLI as its own npm package, build/aml-doctor-<version>.tgz, for CI machines: no VS Code,
// no devDependencies. dist/cli.js is one bundle with its dependencies inside, so the package has no dependencies
// at all: the bundle, the parser runtime (web-tree-sitter.cjs), the two WebAssembly files it loads from next to
// it, and the translations (l10n/bundle.l10n.<locale>.json, read for --lang or the environment's locale). cli/ holds the package's
// manifest and README; its version is the extension's. `node scripts/pack-cli.mjs [--no-build]` (npm run pack:cli);
// the last line printed is the tarball's path.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

if (!process.argv.includes('--no-build')) execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const manifest = JSON.parse(readFileSync(path.join('cli', 'package.json'), 'utf8'));
const stage = path.resolve('build', 'cli-package');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const file of manifest.files) {
  if (file === 'l10n/') {
    // The locale bundles only: English is the text in the code.
    mkdirSync(path.join(stage, 'l10n'));
    for (const f of readdirSync('l10n').filter((n) => /^bundle\.l10n\.[a-z0-9-]+\.json$/.test(n))) copyFileSync(path.join('l10n', f), path.join(stage, 'l10n', f));
  } else {
    copyFileSync(path.join('dist', file), path.join(stage, file));
  }
}
copyFileSync(path.join('cli', 'README.md'), path.join(stage, 'README.md'));
copyFileSync('LICENSE', path.join(stage, 'LICENSE'));
writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: manifest.name, version, ...manifest }, null, 2) + '\n');

const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', path.resolve('build')], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
)[0];
console.log(`[pack-cli] ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB: ${packed.files.map((f) => f.path).join(', ')}`);
console.log(path.resolve('build', packed.filename));
