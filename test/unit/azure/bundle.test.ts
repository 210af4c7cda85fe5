// Lazy loading is a promise to users (activation stays cheap): the extension bundle must not contain the
// Azure SDKs or MSAL; they live in dist/azure.js, loaded with require() on first Azure use.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

const REPO = path.resolve(__dirname, '..', '..', '..');

async function inputs(entry: string): Promise<string[]> {
  const result = await esbuild.build({
    absWorkingDir: REPO,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
    external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', './azure.js'],
  });
  return Object.keys(result.metafile!.inputs);
}

describe('lazy Azure bundle (unit)', () => {
  it('keeps @azure SDKs and MSAL out of the extension bundle, and puts them in the azure bundle', { timeout: 60000 }, async () => {
    const heavy = /node_modules\/@azure\/(arm-machinelearning|arm-machinelearningservices|identity|msal-node|core-client|core-rest-pipeline)\//;
    const ext = await inputs('src/extension.ts');
    assert.ok(ext.some((f) => f.includes('src/views/registerAzure.ts')), 'the Azure features are registered by the extension');
    assert.deepEqual(ext.filter((f) => heavy.test(f) || /@azure\/msal/.test(f)), []);
    const azure = await inputs('src/azure/index.ts');
    assert.ok(azure.some((f) => /@azure\/arm-machinelearning\//.test(f)));
    assert.ok(azure.some((f) => /@azure\/arm-machinelearningservices\//.test(f)));
    assert.ok(azure.some((f) => /@azure\/identity\//.test(f)));
  });
});
