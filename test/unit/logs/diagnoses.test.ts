// Issue 11 items 2 and 3: an honest answer when the text holds no failure (with evidence, a confidence and
// what to collect next), and the categories real logs need: identity and permissions, platform capacity,
// and the 408 / 424 / 429 / 503 answers of scoring. Texts written for this test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainText } from '../../../src/logs/classifier';
import type { Category } from '../../../src/logs/types';

const commands = (r: ReturnType<typeof explainText>) => (r.primary.collect ?? []).map((c) => `${c.what} ${c.command ?? ''}`).join('\n');

describe('an honest answer when the text holds no failure (unit)', () => {
  it('a scoring container answering its health checks: no failure, and what to collect next', () => {
    const log = [
      'Booting worker with pid: 41',
      "2026-03-02 09:00:02,001 | root | INFO | Invoking user's init function",
      '2026-03-02 09:00:04,310 | root | INFO | Users\'s init has completed successfully',
      ...Array.from({ length: 30 }, (_, i) => `127.0.0.1 - - [02/Mar/2026:09:0${Math.floor(i / 10)}:${10 + i} +0000] "GET / HTTP/1.0" 200 7 "-" "kube-probe/1.27"`),
    ].join('\n');
    const r = explainText(log);
    assert.equal(r.primary.category, 'no_failure');
    assert.match(r.primary.explanation, /answers requests with 200 \(30 in its first/);
    assert.ok(r.primary.evidence.length >= 1 && r.primary.evidence.length <= 2);
    assert.equal(r.primary.evidence.at(-1)!.line, 33);
    assert.ok(r.primary.confidence >= 0.5 && r.primary.confidence < 0.8);
    assert.match(commands(r), /az ml online-deployment get-logs .*--lines/);
    assert.match(commands(r), /--container storage-initializer/);
    assert.match(commands(r), /docker logs/);
  });

  it('the server banner and nothing after it: no failure, the rest of the log is what to collect', () => {
    const r = explainText(['Azure ML Inferencing HTTP server v1.3.0', 'Server Settings', '---------------', 'Entry Script Name: /var/azureml-app/src/score.py', 'Worker Count: 1', 'Starting gunicorn'].join('\n'));
    assert.equal(r.primary.category, 'no_failure');
    assert.equal(r.entryScript, '/var/azureml-app/src/score.py');
    assert.match(commands(r), /get-logs/);
  });

  it('an image build log that stops before any step failed: the end of the build log is what to collect', () => {
    const r = explainText(['2026/03/02 09:00:00 Executing step ID: acb_step_0.', 'Step 1/9 : FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'Step 2/9 : COPY conda.yml /tmp/'].join('\n'));
    assert.equal(r.primary.category, 'image_build_failure', 'a build log in progress names the build as where to look');
    const clean = explainText('Collecting package metadata (repodata.json): done');
    assert.equal(clean.primary.category, 'no_failure');
    assert.match(commands(clean), /image build/i);
  });

  it('a failure no known cause explains is not "no failure": its lines are the evidence', () => {
    const r = explainText(['Submitting deployment...', 'ERROR: deployment blue failed: the widget flux capacitor is misaligned', 'done'].join('\n'));
    assert.equal(r.primary.category, 'other');
    assert.equal(r.primary.id, 'unrecognised');
    assert.deepEqual(r.primary.evidence.map((e) => e.line), [2]);
    assert.ok(r.primary.confidence <= 0.4);
    assert.ok((r.primary.collect ?? []).length > 0);
  });

  it('a traceback cut before its exception asks for the rest of it', () => {
    const r = explainText(['Traceback (most recent call last):', '  File "/var/azureml-app/score.py", line 12, in init', '    model = load(path)'].join('\n'));
    assert.equal(r.primary.category, 'init_exception');
    assert.equal(r.primary.traceback?.truncated, true);
    assert.match(commands(r), /rest of this traceback/);
  });

  it('a generic platform message (the container crashed) is low confidence and says which logs hold the cause', () => {
    const r = explainText('"message": "Aci Deployment failed with exception: Your container application crashed. This may be caused by errors in your scoring file\'s init() function."');
    assert.equal(r.primary.category, 'init_exception');
    assert.ok(r.primary.confidence < 0.6, `confidence ${r.primary.confidence}`);
    assert.match(commands(r), /get-logs|get_logs/);
  });
});

interface Case {
  name: string;
  log: string;
  category: Category;
  id?: string;
  /** The fix must say this. */
  fix?: RegExp;
}

const categories: Case[] = [
  // Identity and permissions, each with its fix.
  { name: 'Kubernetes cannot pull the image', category: 'identity_permission', id: 'acr-pull-denied', fix: /AcrPull/, log: 'Warning  Failed  kubelet  Failed to pull image "ws1a2b.azurecr.io/azureml/azureml_5f1e": rpc error: code = Unknown desc = failed to authorize: 401 Unauthorized\nWarning  Failed  kubelet  Error: ErrImagePull' },
  { name: 'the ACR token exchange is refused for the deployment identity', category: 'identity_permission', fix: /AcrPull/, log: 'DeploymentIdentityError: could not create the identity of the deployment. Reason: ACRTokenExchangeForbidden: the cluster could not exchange an ACR token.' },
  { name: 'storage 403 while the model downloads', category: 'identity_permission', id: 'model-download-denied', fix: /Storage Blob Data Reader/, log: '2026-03-02T09:00:03Z storage-initializer: error downloading azureml://models/churn/3: status 403 (This request is not authorized to perform this operation using this permission.) ErrorCode: AuthorizationPermissionMismatch' },
  { name: 'a role assignment is missing', category: 'identity_permission', fix: /role/i, log: "(AuthorizationFailed) The client '0000' with object id '1111' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action' over scope '/subscriptions/x'" },
  // Platform capacity.
  { name: 'OutOfCapacity for the VM size', category: 'platform_capacity', log: '(OutOfCapacity) There is not enough capacity for Standard_NC24ads_A100_v4 in the region right now.' },
  { name: 'ACI container group limits', category: 'platform_capacity', log: "The container group 'scoring-aci' requested CPU 8 which exceeds the container group limits of 4 cores in region 'westeurope'." },
  { name: 'insufficient compute resource', category: 'platform_capacity', log: 'Deployment failed: insufficient compute resources for the requested instance type Standard_DS3_v2, retry later.' },
  { name: 'AKS nodes without free CPU', category: 'scheduling_no_resources', log: 'Warning  FailedScheduling  default-scheduler  0/3 nodes are available: 3 Insufficient cpu.' },
  { name: 'OutOfQuota', category: 'quota', fix: /quota increase/i, log: '(OutOfQuota) Not enough quota available for Standard_DS3_v2 in SubscriptionId 0000. Current usage/limit: 4/6. Additional needed: 4' },
  // Answers of scoring.
  { name: '408 from a managed endpoint', category: 'request_timeout_408', fix: /request_timeout_ms/, log: 'Response status: 408\nupstream request timeout' },
  { name: '424 model error', category: 'model_error_424', log: "azure.core.exceptions.HttpResponseError: (None) Operation returned an invalid status 'Failed Dependency'\nContent: {\"error\": \"model container answered 500\"}" },
  { name: '424 wrapping the container\'s 404', category: 'other', id: 'model-route-not-found', log: "HttpResponseError: Operation returned an invalid status 'Failed Dependency'\nContent: {\"detail\":\"Not Found\"}" },
  { name: '429 too many requests', category: 'too_many_requests_429', fix: /max_concurrent_requests_per_instance/, log: 'requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://ep.westeurope.inference.ml.azure.com/score' },
  { name: '503 service unavailable', category: 'overload_503', log: 'HTTP/1.1 503 Service Unavailable' },
];

describe('categories real logs need (unit)', () => {
  for (const c of categories) {
    it(`${c.name} -> ${c.category}`, () => {
      const r = explainText(c.log);
      assert.equal(r.primary.category, c.category, `got ${r.primary.id}`);
      if (c.id) assert.equal(r.primary.id, c.id);
      if (c.fix) assert.match(r.primary.fix.join('\n'), c.fix);
      assert.ok(r.primary.evidence.length > 0 && r.primary.confidence > 0);
    });
  }

  it('the image pull and the model download failing together point at the identity, with more confidence', () => {
    const both = explainText(['Kind: Pod, Name: Pulling, Type: Normal, Message: Start pulling container image', 'Kind: Pod, Name: ImagePullFailed, Type: Warning, Message: Image pull failed, retrying.', 'Kind: Pod, Name: DownloadFailed, Type: Warning, Message: Model download failed, retrying.'].join('\n'));
    const one = explainText('Kind: Pod, Name: ImagePullFailed, Type: Warning, Message: Image pull failed, retrying.');
    assert.equal(both.primary.category, 'identity_permission');
    assert.ok(both.primary.confidence > one.primary.confidence, `${both.primary.confidence} > ${one.primary.confidence}`);
    assert.match(both.primary.explanation, /identity/);
  });
});
