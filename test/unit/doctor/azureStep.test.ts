// Step 8 with a stand-in AzureClient (the real SDKs against the local ARM server are in
// test/integration/doctor/azure.test.ts): a deployment known only in Azure (no local project), the
// bounded search, hostile ARM text, ISO durations and asset ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AzureClient } from '../../../src/azure/client';
import { AzureError } from '../../../src/azure/errors';
import type { OnlineDeploymentInfo, WorkspaceRef } from '../../../src/azure/types';
import { assetName, findAzureDeployment, isoDurationMs } from '../../../src/doctor/azureStep';
import { runDoctor } from '../../../src/doctor/engine';
import type { DoctorProject } from '../../../src/doctor/project';
import { schemaErrors } from '../../helpers/doctorSchema';

const ws: WorkspaceRef = { subscriptionId: 's1', resourceGroup: 'rg', workspace: 'ws' };
const dep: OnlineDeploymentInfo = {
  ref: ws,
  endpoint: 'ep',
  name: 'blue',
  id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep/deployments/blue',
  provisioningState: 'Failed',
  instanceType: 'Standard_F4s_v2',
  instanceCount: 1,
  requestTimeout: 'PT1M30S',
  environment: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/env/versions/7',
  traffic: 100,
};

function client(overrides: Partial<AzureClient> = {}): AzureClient & { calls: string[] } {
  const calls: string[] = [];
  const c = {
    endpoint: 'https://management.azure.com',
    calls,
    listSubscriptions: async () => (calls.push('subs'), Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, name: `sub ${i}` }))),
    listWorkspaces: async (sub: string) => (calls.push(`ws:${sub}`), sub === 's1' ? [ws] : [{ ...ws, subscriptionId: sub, workspace: `ws-${sub}` }]),
    listComputes: async () => [],
    listOnlineEndpoints: async (ref: WorkspaceRef) => (calls.push(`eps:${ref.workspace}`), ref.workspace === 'ws' ? [{ ref, name: 'ep', id: 'ep-id', traffic: { blue: 100 } }] : []),
    listOnlineDeployments: async () => [dep],
    getDeploymentLogs: async (_r: WorkspaceRef, _e: string, _d: string, req: { container: string }) =>
      req.container === 'InferenceServer' ? `Booting worker with pid: 7\nAuthorization: Bearer sk-live-${'x'.repeat(40)}\nMemoryError: Unable to allocate 12.0 GiB for an array\nWorker (pid:7) was sent SIGKILL! Perhaps out of memory?\n` : '',
    listOperationFailures: async () => [{ operation: 'Create or update online deployment', code: 'OutOfQuota', message: 'Not enough quota available for Standard_F4s_v2 in SubscriptionId s1. Current usage/limit: 4/6. Additional needed: 4' }],
    ...overrides,
  };
  return c as AzureClient & { calls: string[] };
}

describe('Run Doctor step 8 (unit, stand-in Azure client)', () => {
  it('a deployment known only in Azure: steps 1-7 say there is no local project; step 8 explains the failure and its logs', async () => {
    const project: DoctorProject = {
      target: { kind: 'azure-deployment', name: 'ep/blue' },
      config: { endpoint: 'ep', deployment: 'blue', sourceDir: '/nonexistent', entryScript: '', baseImage: '', port: 0 },
      entryScript: '',
      requestTimeoutMs: 5000,
      maxConcurrentRequests: 1,
      notes: [],
    };
    const report = await runDoctor(project, { azure: { client: client(), deployment: dep } }, { localUnavailableReason: 'no local project for ep/blue' });
    assert.deepEqual(report.steps.slice(0, 7).map((s) => s.skip?.kind), Array(7).fill('unavailable'));
    const az = report.steps[7]!;
    assert.equal(az.status, 'failed');
    assert.match(az.summary, /ep\/blue in ws is Failed: Out of quota for Standard_F4s_v2/);
    assert.ok(az.details?.kind === 'azure');
    assert.deepEqual(az.details.logs.map((l) => l.category), ['out_of_memory']);
    assert.ok(!JSON.stringify(report).includes('sk-live'), 'a token in Azure logs never reaches the report');
    assert.equal(az.details.differences.find((d) => d.field === 'request timeout')?.azure, '90000 ms');
    assert.deepEqual(schemaErrors(report), []);
  });

  it('the search across the account is bounded and skips subscriptions it may not read', async () => {
    const c = client({
      listWorkspaces: async (sub: string) => {
        if (sub === 's0') throw new AzureError('forbidden', 'No permission (HTTP 403)');
        return sub === 's1' ? [{ ...ws, id: 'ws-id' }] : [{ ...ws, id: `ws-${sub}`, subscriptionId: sub, workspace: `ws-${sub}` }];
      },
    });
    const found = await findAzureDeployment({ client: c }, 'ep', 'blue', new AbortController().signal);
    assert.equal(found?.name, 'blue');
    const nowhere = client();
    assert.equal(await findAzureDeployment({ client: nowhere }, 'ep', 'purple', new AbortController().signal), undefined);
    assert.ok(nowhere.calls.filter((x) => x.startsWith('ws:')).length <= 20, 'at most 20 subscriptions');
    assert.ok(nowhere.calls.filter((x) => x.startsWith('eps:')).length <= 50, 'at most 50 workspaces');
  });

  it('reads ISO 8601 durations and asset ids', () => {
    assert.equal(isoDurationMs('PT5S'), 5000);
    assert.equal(isoDurationMs('PT0.5S'), 500);
    assert.equal(isoDurationMs('PT1M30S'), 90000);
    assert.equal(isoDurationMs('P1DT1H'), 90000000);
    assert.equal(isoDurationMs('PT'), undefined);
    assert.equal(isoDurationMs('5 seconds'), undefined);
    assert.equal(assetName(dep.environment, 'environments'), 'env:7');
    assert.equal(assetName('azureml:sklearn-env:3', 'environments'), 'sklearn-env:3');
    assert.equal(assetName('azureml://registries/azureml/environments/sklearn-1.5/versions/12', 'environments'), 'sklearn-1.5:12');
  });
});
