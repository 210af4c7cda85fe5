// (integration) Run Doctor's step 8 with the real @azure SDKs against the local HTTPS ARM server, after a
// good local run on the real Docker engine: a deployment that failed in Azure is explained (activity log
// and its logs) and compared with the local run (instance type, request timeout, environment, model).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createAzureClient } from '../../../src/azure/index';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { localCapabilities } from '../../../src/doctor/capabilities';
import { runDoctor } from '../../../src/doctor/engine';
import { workspaceEnvironmentLookup } from '../../../src/environment/azureEnvironment';
import { readTarget } from '../../../src/doctor/project';
import { toMarkdown } from '../../../src/doctor/render';
import type { DoctorReport } from '../../../src/doctor/report';
import { HEALTHY_SCORE, writeProject } from '../../helpers/doctorProjects';
import { schemaErrors } from '../../helpers/doctorSchema';
import { startArmServer, type ArmFixture, type ArmServer } from '../azure/armServer';
import { HARNESS_DIR, PIP_IMAGE, removeContainers, uniqueName } from '../docker/helpers';
import { startDoctorEnvironment, type DoctorEnvironment } from './environment';

class FakeCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const endpoint = uniqueName('doctor-az');
const SUB_A = 'aaaaaaaa-0000-0000-0000-000000000001';
const SUB_B = 'bbbbbbbb-0000-0000-0000-000000000002';
const ENV_ID = `/subscriptions/${SUB_B}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-prod/environments/linear-env/versions/3`;
const INIT_LINE = HEALTHY_SCORE.split('\n').findIndex((l) => l.includes('with open(model_path)')) + 1;

/** ws-prod holds linear-env:3: the pip-capable base image and the run's conda file. */
function fixture(conda: string): ArmFixture {
  return {
    pageSize: 1,
    subscriptions: [
      { id: SUB_A, name: 'sandbox' },
      { id: SUB_B, name: 'ml-prod' },
    ],
    workspaces: [
      { subscriptionId: SUB_A, resourceGroup: 'rg-sandbox', name: 'ws-sandbox', computes: [], endpoints: [{ name: 'other-ep', deployments: [] }] },
      {
        subscriptionId: SUB_B,
        resourceGroup: 'rg-ml',
        name: 'ws-prod',
        computes: [],
        environments: { 'linear-env': [{ version: '3', image: PIP_IMAGE, condaFile: conda, created: '2026-11-01T00:00:00Z' }] },
        endpoints: [
          {
            name: endpoint,
            traffic: { blue: 100 },
            deployments: [
              {
                name: 'blue',
                state: 'Failed',
                instanceType: 'Standard_F4s_v2',
                instanceCount: 2,
                requestTimeout: 'PT3S',
                environmentId: ENV_ID,
                failures: [{ code: 'OutOfQuota', message: `Not enough quota available for Standard_F4s_v2 in SubscriptionId ${SUB_B}. Current usage/limit: 4/6. Additional needed: 8` }],
                logs: {
                  InferenceServer: [
                    'Booting worker with pid: 7',
                    "Invoking user's init function",
                    'Traceback (most recent call last):',
                    `  File "/var/azureml-app/score.py", line ${INIT_LINE}, in init`,
                    '    with open(model_path) as f:',
                    "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/linear/1/weights.json'",
                    'Worker exiting (pid: 7)',
                    '',
                  ].join('\n'),
                  StorageInitializer: 'Downloading model linear:1\nDownload complete\n',
                },
              },
              { name: 'green', state: 'Succeeded', instanceType: 'Standard_DS3_v2', instanceCount: 1, logs: { InferenceServer: 'Booting worker with pid: 8\nUsers\'s init has completed successfully\n' } },
            ],
          },
        ],
      },
    ],
  };
}

describe('Run Doctor step 8 against the local ARM server after a real local run (integration)', { timeout: 600000 }, () => {
  let server: ArmServer;
  let env: DoctorEnvironment;
  const dirs: string[] = [];
  const docker = new DockerodeClient();
  const caps = () => {
    const client = createAzureClient({ credential: new FakeCredential(server.acceptToken), resourceManagerEndpoint: server.url, tls: { ca: server.caPem }, retry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 } });
    // Step 4 reads azureml: environments from ws-prod, as VS Code does once the workspace is picked.
    const environmentLookup = workspaceEnvironmentLookup(client, { subscriptionId: SUB_B, resourceGroup: 'rg-ml', workspace: 'ws-prod' });
    return { ...localCapabilities(docker, nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 120000, environment: { network: { pipIndexUrl: env.pipIndexUrl } }, environmentLookup }), azure: { client } };
  };
  /** `environment` given: the YAML names it (no --image); otherwise the inline conda file on the pip image. */
  const run = async (deployment: string, environment?: string): Promise<DoctorReport> => {
    const yml = writeProject({ endpoint, deployment, conda: env.conda, environment });
    dirs.push(path.dirname(yml));
    const report = await runDoctor(await readTarget(yml, environment ? {} : { baseImage: PIP_IMAGE }), caps(), { readinessTimeoutMs: 120000 });
    env.track(report);
    assert.deepEqual(schemaErrors(report), []);
    return report;
  };

  before(async () => {
    env = await startDoctorEnvironment();
    server = await startArmServer(fixture(env.conda));
  });
  after(async () => {
    await server?.close();
    removeContainers(endpoint);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await env?.close();
  });

  it('a deployment that failed in Azure, against a good local run: the failure explained, its logs diagnosed, the differences listed', async () => {
    // A workspace listing that fails with 403 in the first subscription must not stop the search.
    server.addFault({ path: new RegExp(`^/subscriptions/${SUB_A}/resourceGroups/rg-sandbox/providers/Microsoft\\.MachineLearningServices/workspaces/ws-sandbox/onlineEndpoints$`), status: 403 });
    const report = await run('blue');
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [['script', 'passed'], ['environment', 'passed'], ['model', 'passed'], ['image', 'passed'], ['container', 'passed'], ['scoring', 'passed'], ['capacity', 'skipped'], ['azure', 'failed']],
      JSON.stringify(report.steps.map((s) => s.summary)),
    );
    const az = report.steps[7]!;
    assert.match(az.summary, new RegExp(`${endpoint}/blue in ws-prod is Failed: .*quota`, 'i'));
    assert.ok(az.details?.kind === 'azure');
    const d = az.details;
    assert.equal(d.state, 'Failed');
    assert.deepEqual(d.explanations.map((e) => e.id), ['out-of-quota']);
    assert.deepEqual(d.logs.map((l) => [l.container, l.category]), [['InferenceServer', 'model_not_found']]);
    assert.ok(az.fix.some((f) => /quota/i.test(f)), JSON.stringify(az.fix));
    // The traceback from Azure points into the local score.py.
    assert.deepEqual(az.link, { file: path.join(report.project.root, 'score.py'), line: INIT_LINE });
    const row = (field: string) => d.differences.find((x) => x.field === field)!;
    assert.deepEqual(row('instance type'), { field: 'instance type', local: 'Standard_DS3_v2', azure: 'Standard_F4s_v2', differs: true });
    assert.deepEqual(row('request timeout'), { field: 'request timeout', local: '5000 ms', azure: '3000 ms', differs: true });
    assert.deepEqual(row('instance count'), { field: 'instance count', local: '1', azure: '2', differs: true });
    assert.deepEqual(row('environment'), { field: 'environment', local: 'conda file conda.yml', azure: 'linear-env:3', differs: null });
    const built = report.steps[3]!.details;
    assert.ok(built?.kind === 'image' && built.image.startsWith('aml-doctor-env/'), JSON.stringify(built));
    assert.equal(row('image').local, built.image, 'the local run\'s image is the environment step 4 built');
    assert.match(row('image').azure, /from environment linear-env:3/);
    assert.deepEqual(row('model'), { field: 'model', local: 'linear:1', azure: 'diabetes:1', differs: true });
    const md = toMarkdown(report);
    assert.match(md, /\| instance type \| Standard_DS3_v2 \| Standard_F4s_v2 \| yes \|/);
    assert.ok(!md.includes(server.acceptToken));
  });

  it('a deployment YAML naming azureml:linear-env:3: step 4 reads it from the workspace and runs its image (the same environment: found by its hash)', async () => {
    const first = await run('blue');
    const report = await run('green', 'azureml:linear-env:3');
    assert.deepEqual(
      report.steps.slice(0, 6).map((s) => [s.id, s.status]),
      [['script', 'passed'], ['environment', 'skipped'], ['model', 'passed'], ['image', 'passed'], ['container', 'passed'], ['scoring', 'passed']],
      JSON.stringify(report.steps.map((s) => s.summary)),
    );
    const image = report.steps[3]!.details;
    const before = first.steps[3]!.details;
    assert.ok(image?.kind === 'image' && before?.kind === 'image');
    assert.equal(image.image, before.image, 'the registered environment holds the same image and conda file: the same content hash');
    assert.deepEqual([image.built, image.fromCache, image.baseImage], [false, true, PIP_IMAGE]);
    assert.ok(server.requests.some((r) => r.path.endsWith('/workspaces/ws-prod/environments/linear-env/versions/3')), 'read through the ARM API');
  });

  it('a succeeded deployment passes step 8 with what differs; one not deployed is skipped with the reason', async () => {
    const green = await run('green');
    const az = green.steps[7]!;
    assert.equal(az.status, 'passed', az.summary);
    assert.match(az.summary, /is Succeeded/);
    const missing = await run('purple');
    assert.equal(missing.steps[7]!.status, 'skipped');
    assert.match(missing.steps[7]!.summary, new RegExp(`no online deployment ${endpoint}/purple`));
  });
});
