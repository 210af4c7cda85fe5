// Bundles the extension host, the language server, the CLI and the lazily loaded Azure layer.
// Type checking is separate (`npm run typecheck`): esbuild only strips types.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = !process.argv.includes('--dev');

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
// The Python grammar and the tree-sitter runtime are WebAssembly files loaded at run time. The runtime's
// JavaScript is a file of its own too (not bundled): after an abort it is loaded afresh (src/analysis/parser.ts).
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');
copyFileSync(require.resolve('web-tree-sitter'), 'dist/web-tree-sitter.cjs');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'inline',
  minify: production,
  logLevel: 'warning',
  // web-tree-sitter (an ES module) calls createRequire(import.meta.url); give CJS bundles a real value.
  define: { 'import.meta.url': '__amlDoctorImportMetaUrl' },
  banner: { js: "var __amlDoctorImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
  // ssh2 (via docker-modem) tries optional native crypto; the pure-JS path is used without it.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', './azure.js', './lsp-client.js', './dockerode.js', './doctor.js', './sdkv1.js'],
};

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  // Loaded after activation (see src/common/lazyRequire.ts): the language client library.
  { entryPoints: ['src/host/lspClientBundle.ts'], outfile: 'dist/lsp-client.js' },
  // Loaded on the first Docker call: dockerode with its grpc/ssh2 dependencies.
  { entryPoints: ['src/docker/dockerodeBundle.ts'], outfile: 'dist/dockerode.js' },
  // The aml-container debug adapter on stdio (VS Code runs the same class inline).
  { entryPoints: ['src/debug/adapterMain.ts'], outfile: 'dist/debug-adapter.js' },
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: "#!/usr/bin/env node\nvar __amlDoctorImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
    define: { ...common.define, AML_DOCTOR_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  },
  // The Azure SDKs, loaded by the extension with require() on first Azure use (never in extension.js).
  { entryPoints: ['src/azure/index.ts'], outfile: 'dist/azure.js' },
  // Run Doctor's engine and the analysis it uses, loaded on the first run (never in extension.js).
  { entryPoints: ['src/doctor/index.ts'], outfile: 'dist/doctor.js' },
  // The SDK v1 deployment-script reader (the Python parser), loaded when Deploy Locally reads a .py file.
  { entryPoints: ['src/environment/sdkv1.ts'], outfile: 'dist/sdkv1.js' },
];

const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
