import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainDeploymentError, formatExplanation } from '../../../src/azure/explain';

const ids = (text: string) => explainDeploymentError(text).map((e) => e.id);

describe('deployment error explanations (unit)', () => {
  it('explains an unschedulable GPU request with the node counts and GPU-specific fixes', () => {
    const text = JSON.stringify({ code: 'KubernetesError', details: [{ code: 'Unschedulable', message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.' }] });
    const [e, ...rest] = explainDeploymentError(text);
    assert.equal(e!.id, 'gpu-unavailable');
    assert.match(e!.title, /0\/4 nodes/);
    assert.match(e!.meaning, /4 of the cluster's 4 node/);
    assert.ok(e!.fixes.some((f) => /GPU VM size/.test(f)));
    assert.ok(e!.fixes.some((f) => /drop the GPU request/.test(f)));
    assert.deepEqual(rest.map((x) => x.id), [], 'the generic "insufficient resource" explanation is superseded');
  });

  it("explains the scheduler's 'Couldn't Schedule ... after trying for 00:05:00' with add nodes / change SKU / lower request", () => {
    const [e] = explainDeploymentError("Couldn't Schedule because the kubernetes cluster didn't have available resources after trying for 00:05:00.");
    assert.equal(e!.id, 'cluster-no-resources');
    assert.match(e!.title, /00:05:00/);
    const fixes = e!.fixes.join('\n');
    assert.match(fixes, /Add nodes/);
    assert.match(fixes, /SKU/);
    assert.match(fixes, /Lower the resource request/);
  });

  it('reports both the missing resource and the scheduler timeout when both are in one error', () => {
    const text = '"message": "0/1 nodes are available: 1 Insufficient microsoft.com/fpga_catapult."}, {"message": "Couldn\'t schedule because the kubernetes cluster didn\'t have available resources after trying for 00:05:00.\\nYou can address this error by adding nodes"';
    assert.deepEqual(ids(text), ['insufficient-resource', 'cluster-no-resources']);
    assert.match(explainDeploymentError(text)[0]!.title, /microsoft\.com\/fpga_catapult/);
  });

  it('explains CPU/memory shortage with the numbers Azure ML asks for', () => {
    const [e] = explainDeploymentError('Unschedulable: CPU/Memory resource insufficient, 1 replicas unschedulable. Please add more node(s) with SKU more than 1.1 CPU Cores and 2.6GB Memory to host your replicas');
    assert.equal(e!.id, 'insufficient-cpu-memory');
    assert.match(e!.meaning, /1\.1 CPU cores and 2\.6 GB/);
  });

  it('explains OutOfQuota with the VM family and the usage numbers', () => {
    const [e] = explainDeploymentError('(OutOfQuota) Not enough quota available for Standard_DS3_v2 in SubscriptionId 0000. Current usage/limit: 4/10. Additional needed: 16');
    assert.equal(e!.id, 'out-of-quota');
    assert.match(e!.title, /Standard_DS3_v2/);
    assert.match(e!.meaning, /usage 4 of a limit of 10 vCPUs; the deployment needs 16 more/);
    assert.match(e!.fixes[0]!, /quota increase/);
  });

  it('recognizes the other control-plane codes', () => {
    assert.deepEqual(ids('Code: OutOfCapacity Message: not enough capacity'), ['out-of-capacity']);
    assert.deepEqual(ids('ImageBuildFailure: Environment image build failed'), ['image-build-failure']);
    assert.deepEqual(ids('(BadArgument) Invalid instance type Standard_XYZ'), ['bad-argument']);
    assert.deepEqual(ids('ResourceNotReady: User container has crashed or terminated'), ['resource-not-ready']);
    assert.deepEqual(ids('(ResourceNotFound) Model diabetes:3 not found'), ['resource-not-found']);
    assert.deepEqual(ids('OperationCanceled: The operation was canceled'), ['operation-canceled']);
    assert.match(explainDeploymentError('(BadArgument) Invalid instance type Standard_XYZ')[0]!.meaning, /Invalid instance type Standard_XYZ/);
  });

  it('handles HTML entities and escaped newlines as copied from web pages', () => {
    assert.deepEqual(ids('0/2 nodes are available: 2 Insufficient nvidia.com&#x2F;gpu'), ['gpu-unavailable']);
    assert.deepEqual(ids("Couldn&#39;t schedule because the kubernetes cluster didn&#39;t have available resources after trying for 00:05:00"), ['cluster-no-resources']);
  });

  it('returns nothing for unrelated text', () => {
    assert.deepEqual(ids('Booting worker with pid: 42'), []);
    assert.deepEqual(ids(''), []);
  });

  it('formats an explanation as markdown with the fixes as a list', () => {
    const md = formatExplanation(explainDeploymentError('OutOfCapacity')[0]!);
    assert.match(md, /^\*\*Azure is out of capacity/);
    assert.match(md, /\n- Retry later\./);
  });
});
