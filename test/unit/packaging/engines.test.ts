// Engines that tell the truth. npm prints EBADENGINE for every installed package whose `engines` rejects the
// running Node; the machines and CI run Node 20, and VS Code runs the bundled runtime dependencies on the Node
// of its extension host. Checked on package-lock.json (what `npm ci` installs), so a dependency bump that
// needs Node 22 fails here instead of warning on every install.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';

const REPO = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: Record<string, string>; devDependencies: Record<string, string> };
interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  engines?: Record<string, string> | string[];
}
const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const installed = Object.entries(lock.packages).filter(([key]) => key !== '');
/** Packages that end up in the VSIX bundles (not dev-only). */
const runtime = installed.filter(([, e]) => !e.dev && !e.devOptional);

/**
 * The Node.js of VS Code's extension host (from each release's Electron), for the versions this project has
 * had to reason about. Add a row before moving engines.vscode to a version not listed.
 */
const EXTENSION_HOST_NODE: Record<string, string> = {
  '1.90': '20.9.0', // Electron 29.4
  '1.91': '20.9.0', // Electron 29.4
  '1.95': '20.18.0', // Electron 32.2
  '1.101': '22.15.1', // Electron 35.5
};

function nodeEngine(e: LockEntry): string | undefined {
  return e.engines && !Array.isArray(e.engines) ? e.engines.node : undefined;
}

/** "name@version (needs node X)" for every entry whose engines reject `node`. */
function rejecting(entries: [string, LockEntry][], node: string): string[] {
  return entries
    .filter(([, e]) => {
      const range = nodeEngine(e);
      return range !== undefined && !semver.satisfies(node, range);
    })
    .map(([key, e]) => `${key.replace(/^.*node_modules\//, '')}@${e.version} (needs node ${nodeEngine(e)})`);
}

const minVscode = semver.minVersion(pkg.engines.vscode!)!;
const hostNode = EXTENSION_HOST_NODE[`${minVscode.major}.${minVscode.minor}`];

describe('engines (package.json and package-lock.json)', () => {
  it('every installed package accepts the lowest Node 20 the project declares, so npm ci prints no EBADENGINE', () => {
    const floor = semver.minVersion(pkg.engines.node!)!;
    assert.equal(floor.major, 20, `engines.node must admit Node 20 (the machines and CI run it), not ${pkg.engines.node}`);
    assert.deepEqual(rejecting(installed, floor.version), [], `these packages warn EBADENGINE on Node ${floor.version}`);
    // and on the Node 20 running this test, which is what npm compares with
    if (semver.major(process.version) === 20) assert.deepEqual(rejecting(installed, process.version), [], `these packages warn EBADENGINE on ${process.version}`);
    // npm also checks engines.npm; Node 20.19 ships npm 10.8.
    const npmRejects = installed.filter(([, e]) => e.engines && !Array.isArray(e.engines) && e.engines.npm && !semver.satisfies('10.8.2', e.engines.npm));
    assert.deepEqual(npmRejects.map(([k]) => k), []);
  });

  it('engines.vscode is the lowest VS Code whose extension host runs the bundled dependencies', () => {
    assert.ok(hostNode, `add the extension-host Node of VS Code ${minVscode.major}.${minVscode.minor} to EXTENSION_HOST_NODE`);
    assert.deepEqual(rejecting(runtime, hostNode), [], `bundled dependencies that VS Code ${minVscode.version} (Node ${hostNode}) cannot run`);
    // Not needlessly high either: the floor is what a bundled package demands, or what the Node engines demand.
    const fromPackages = runtime
      .map(([, e]) => (e.engines && !Array.isArray(e.engines) && e.engines.vscode ? semver.minVersion(e.engines.vscode) : null))
      .filter((v): v is semver.SemVer => v !== null);
    const fromNode = Object.keys(EXTENSION_HOST_NODE)
      .map((v) => semver.coerce(v)!)
      .sort(semver.compare)
      .find((v) => rejecting(runtime, EXTENSION_HOST_NODE[`${v.major}.${v.minor}`]!).length === 0);
    assert.ok(fromNode, 'no VS Code listed in EXTENSION_HOST_NODE runs the bundled dependencies');
    const needed = [fromNode, ...fromPackages].sort(semver.compare).at(-1)!;
    assert.equal(`${minVscode.major}.${minVscode.minor}`, `${needed.major}.${needed.minor}`, 'engines.vscode should be the lowest VS Code the bundle needs');
    assert.ok(semver.lte(minVscode, '1.139.0'), 'code-server 4.139 (VS Code 1.139) must be able to install the VSIX');
  });

  it('@types/vscode matches the engines.vscode floor (no API newer than the VS Code we claim to run on)', () => {
    const types = lock.packages['node_modules/@types/vscode']?.version;
    assert.ok(types, '@types/vscode is installed');
    assert.equal(`${semver.major(types)}.${semver.minor(types)}`, `${minVscode.major}.${minVscode.minor}`);
    assert.equal(pkg.devDependencies['@types/vscode'], types, '@types/vscode pinned exactly (a caret would let npm install newer API typings)');
  });
});
