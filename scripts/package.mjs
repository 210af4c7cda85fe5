#!/usr/bin/env node
// Builds and packages the VSIX (offline) into dist-vsix/aml-deploy-doctor.vsix; prints its path and size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';

execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
mkdirSync('build', { recursive: true });
const out = 'build/aml-deploy-doctor.vsix';
// Relative README links stay relative: the README's screenshots are inside the VSIX (.vscodeignore), where VS Code's
// extension page finds them. For the Marketplace, `vsce publish` with the real repository URL rewrites them instead.
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', out], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
console.log(`[package] ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
