// Child process of bench/activation.mjs: loads one extension bundle against an inert `vscode` module
// and prints {load, activate} in milliseconds.
const Module = require('module');
const fs = require('fs');
const path = require('path');

const inert = () =>
  new Proxy(function () {}, {
    get: (_t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => '' : k === 'dispose' ? () => {} : inert()),
    apply: () => inert(),
    construct: () => inert(),
  });
const api = {};
// Every name @types/vscode exports (namespaces, classes the language client extends, enums) is inert.
const dts = fs.readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [process.env.AMLD_REPO] }), 'utf8');
for (const m of dts.matchAll(/^\s*export (?:class|namespace|enum|const|function|let) (\w+)/gm)) api[m[1]] = inert();
api.version = '1.139.0';
const origResolve = Module._resolveFilename;
Module._resolveFilename = function (req, ...rest) {
  return req === 'vscode' ? 'vscode' : origResolve.call(this, req, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };

// The extension host has these Node built-ins loaded before any extension activates (it uses them
// itself); a fresh Node process has not, so load them first: both bundles are measured on top of them.
for (const m of ['http', 'https', 'net', 'crypto', 'stream', 'events', 'buffer', 'fs', 'path', 'os', 'url', 'util', 'zlib', 'child_process', 'module']) require(m);

const file = process.argv[2];
const root = path.join(path.dirname(file), '..');
const context = {
  subscriptions: [],
  asAbsolutePath: (p) => path.join(root, p),
  extension: { packageJSON: { version: 'bench' } },
  extensionPath: root,
  globalState: inert(),
  workspaceState: inert(),
  secrets: inert(),
};
const t0 = process.hrtime.bigint();
const ext = require(file);
const t1 = process.hrtime.bigint();
ext.activate(context);
const t2 = process.hrtime.bigint();
process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, activate: Number(t2 - t1) / 1e6 }));
process.exit(0);
