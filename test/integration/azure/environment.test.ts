// Registered environments (`azureml:<name>:<version>`, `azureml:<name>@latest`) resolved for a local
// deployment with the real @azure/arm-machinelearning SDK against the local HTTPS ARM server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createAzureClient } from '../../../src/azure/index';
import { resolveAzureEnvironment, workspaceEnvironmentLookup } from '../../../src/environment/azureEnvironment';
import { EnvironmentError } from '../../../src/environment/builder';
import { parseCondaFile } from '../../../src/environment/condaFile';
import { configFromDeploymentYaml } from '../../../src/environment/deploymentYaml';
import { sampleFixture, startArmServer, type ArmServer } from './armServer';

const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: 'fake-arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const WS = { subscriptionId: '11111111-1111-1111-1111-111111111111', resourceGroup: 'rg-ml', workspace: 'ws-prod' };
const CONDA_V2 = 'name: diabetes-env\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - azureml-defaults>=1.0.45\n      - joblib==1.2.0\n';

describe('registered environments through Azure (integration, real SDK, local ARM server)', () => {
  let server: ArmServer;
  let dir: string;
  before(async () => {
    const fixture = sampleFixture();
    fixture.workspaces[0]!.environments = {
      'diabetes-env': [
        { version: '1', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230101', condaFile: 'dependencies:\n  - python=3.8\n', created: '2026-01-01T00:00:00Z' },
        { version: '2', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest', condaFile: CONDA_V2, created: '2026-03-01T00:00:00Z' },
      ],
      'custom-docker': [{ version: '4', build: { contextUri: 'https://store.blob.core.windows.net/azureml/env/ctx/?sv=secret-sas', dockerfilePath: 'Dockerfile' }, created: '2026-02-01T00:00:00Z' }],
    };
    server = await startArmServer(fixture);
    dir = mkdtempSync(path.join(os.tmpdir(), 'amld-azure-env-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lookup = () => workspaceEnvironmentLookup(createAzureClient({ credential, resourceManagerEndpoint: server.url, tls: { ca: server.caPem }, retry: { maxRetries: 0 } }), WS);

  function deploymentWith(environment: string): ReturnType<typeof configFromDeploymentYaml> {
    const file = path.join(dir, 'deployment.yml');
    const text = `name: blue\nendpoint_name: ep\ncode_configuration:\n  code: ./\n  scoring_script: score.py\nenvironment: ${environment}\n`;
    writeFileSync(file, text);
    return configFromDeploymentYaml(text, file, { baseImage: 'fallback:1' });
  }

  it('azureml:<name>:<version> becomes that version\'s image and conda file', async () => {
    const c = deploymentWith('azureml:diabetes-env:2');
    assert.deepEqual(c.environment?.azureml, { raw: 'azureml:diabetes-env:2', name: 'diabetes-env', version: '2', label: undefined });
    const spec = await resolveAzureEnvironment(c.environment!, lookup());
    assert.equal(spec.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
    assert.equal(spec.condaText, CONDA_V2);
    assert.deepEqual(parseCondaFile(spec.condaText!).pip.map((p) => p.spec), ['azureml-defaults>=1.0.45', 'joblib==1.2.0']);
    assert.match(spec.origin, /^azureml:diabetes-env:2 \(ws-prod/);
    const req = server.requests.find((r) => r.path.endsWith('/environments/diabetes-env/versions/2'));
    assert.ok(req, 'a GET of the version');
    assert.equal(req.authorization, 'Bearer fake-arm-token');
  });

  it('azureml:<name>@latest reads the most recently created version', async () => {
    const spec = await resolveAzureEnvironment(deploymentWith('azureml:diabetes-env@latest').environment!, lookup());
    assert.equal(spec.condaText, CONDA_V2);
    const list = server.requests.find((r) => r.path.endsWith('/environments/diabetes-env/versions'));
    assert.equal(list?.query.get('$orderBy'), 'createdtime desc');
    assert.equal(list?.query.get('$top'), '1');
  });

  it('a build-context environment, an unknown one, and no sign-in each say what to do', async () => {
    const build = await resolveAzureEnvironment(deploymentWith('azureml:custom-docker:4').environment!, lookup()).catch((e: unknown) => e);
    assert.ok(build instanceof EnvironmentError);
    assert.match(build.message, /built from a Docker context stored in Azure .*az ml environment download --name custom-docker --version 4/);
    assert.doesNotMatch(build.message, /secret-sas/, 'the SAS token of the context URI is not repeated');
    const missing = await resolveAzureEnvironment(deploymentWith('azureml:nope:1').environment!, lookup()).catch((e: unknown) => e);
    assert.ok(missing instanceof EnvironmentError);
    assert.match(missing.message, /azureml:nope:1, which could not be read from the workspace ws-prod/);
    const signedOut = await resolveAzureEnvironment(deploymentWith('azureml:diabetes-env:2').environment!, undefined).catch((e: unknown) => e);
    assert.ok(signedOut instanceof EnvironmentError);
    assert.match(signedOut.message, /Sign in to Azure .*\(az ml environment show --name diabetes-env --version 2 prints them\)/);
  });
});
