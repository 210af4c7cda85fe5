// Each signature: lines that must fire it (written in several wordings, as different tools print the same
// failure) and look-alikes that must not. The primary diagnosis is checked on the whole text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SIGNATURES } from '../../../src/logs/catalogue';
import { explainText } from '../../../src/logs/classifier';
import { CATEGORIES } from '../../../src/logs/types';

interface Case {
  name: string;
  log: string;
  category: string;
  id?: string;
}

const positives: Case[] = [
  { name: 'gunicorn SIGKILL message', category: 'out_of_memory', id: 'oom-worker-killed', log: '[ERROR] Worker (pid:77) was sent SIGKILL! Perhaps out of memory?\n[INFO] Booting worker with pid: 80' },
  { name: 'OOMKilled container state', category: 'out_of_memory', log: 'State: Terminated  Reason: OOMKilled  Exit Code: 137' },
  { name: 'Python MemoryError', category: 'out_of_memory', log: "{'Azure-cli-ml Version': '1.30.0', 'Error': MemoryError()}" },
  { name: 'exit code 137', category: 'out_of_memory', log: 'container exited with exit code 137 after 4s' },
  { name: 'kernel oom killer', category: 'out_of_memory', log: 'Memory cgroup out of memory: Killed process 4711 (gunicorn)' },
  { name: 'CrashLoopBackOff', category: 'init_exception', log: '"code": "CrashLoopBackOff", "message": "Your container application crashed. This may be caused by errors in your scoring file\'s init() function."' },
  { name: 'Did your init method fail', category: 'init_exception', log: 'Back-off restarting failed container. Did your init method fail?' },
  { name: 'supervisor gives up on gunicorn', category: 'init_exception', log: 'INFO exited: gunicorn (exit status 3; not expected)\nINFO gave up: gunicorn entered FATAL state, too many start retries too quickly' },
  { name: 'liveness probe', category: 'init_exception', log: 'Deployment failed: ResourceNotReady: User container has crashed or terminated: Liveness probe failed: HTTP probe failed with statuscode: 502.' },
  { name: 'readiness probe', category: 'init_exception', log: 'Warning  Unhealthy  Readiness probe failed: Get "http://10.0.0.4:5001/": connection refused' },
  { name: 'ModelNotFoundException', category: 'model_not_found', log: "azureml.exceptions._azureml_exception.ModelNotFoundException: ModelNotFoundException:\n\tMessage: Model not found in cache or in root at ./churn.pkl" },
  { name: 'AZUREML_MODEL_DIR unset', category: 'model_not_found', log: "KeyError: 'AZUREML_MODEL_DIR'" },
  { name: 'missing model file', category: 'model_not_found', log: "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/churn/2/model.pkl'" },
  { name: 'unable to load model', category: 'model_not_found', log: 'RuntimeError: Unable to load the model from /var/azureml-app/model' },
  { name: 'ModuleNotFoundError for a package', category: 'missing_dependency', log: "ModuleNotFoundError: No module named 'sklearn'" },
  { name: 'cut-off ModuleNotFoundError', category: 'missing_dependency', log: 'Traceback (most recent call last):\n  File "/var/azureml-server/entry.py", line 3, in <module>\nModuleNotFoundError: No modu' },
  { name: 'ImportError from a package', category: 'missing_dependency', log: "ImportError: cannot import name 'joblib' from 'sklearn.externals'" },
  { name: 'numpy ABI mismatch', category: 'missing_dependency', log: 'ValueError: numpy.ndarray size changed, may indicate binary incompatibility. Expected 96 from C header, got 88 from PyObject' },
  { name: 'shared object missing', category: 'missing_dependency', log: 'ImportError: libgomp.so.1: cannot open shared object file: No such file or directory' },
  { name: 'entry script module main', category: 'entry_script_not_found', id: 'entry-script-not-found', log: "ModuleNotFoundError: No module named 'main'" },
  { name: 'entry script module score_v2', category: 'entry_script_not_found', id: 'entry-script-not-found', log: "EntryScriptException: No module named 'score_v2'" },
  { name: 'scoring script file not found', category: 'entry_script_not_found', id: 'entry-script-not-found', log: "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/onlinescoring/score.py'" },
  { name: 'couldnt schedule', category: 'scheduling_no_resources', log: "Couldn't Schedule because the kubernetes cluster didn't have available resources after trying for 00:05:00." },
  { name: 'insufficient cpu', category: 'scheduling_no_resources', log: '0/2 nodes are available: 2 Insufficient cpu, 1 Insufficient memory.' },
  { name: 'FailedScheduling event', category: 'scheduling_no_resources', log: 'Warning  FailedScheduling  default-scheduler  0/3 nodes are available: 3 node(s) had taint' },
  { name: 'insufficient gpu', category: 'gpu_unavailable', log: '"code": "Unschedulable", "message": "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."' },
  { name: 'docker without gpu runtime', category: 'gpu_unavailable', log: 'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].' },
  { name: 'no CUDA device', category: 'gpu_unavailable', log: 'RuntimeError: CUDA error: no CUDA-capable device is detected' },
  { name: 'run function failed header', category: 'run_exception_502', log: "Response Code: 502\nHeaders: {'X-Ms-Run-Function-Failed': 'True'}\nContent: b\"division by zero\"" },
  { name: 'run() signature mismatch', category: 'run_exception_502', log: "TypeError: run() missing 1 required positional argument: 'data'" },
  { name: 'bare 502', category: 'run_exception_502', log: 'requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: http://localhost:8080/score' },
  { name: '503 overloaded', category: 'overload_503', log: 'Response Code: 503\nContent: b\'Too many requests for service churn-svc (overloaded)\'' },
  { name: '429 managed endpoint', category: 'too_many_requests_429', log: 'HTTP/1.1 429 Too Many Requests: too many pending requests for deployment blue' },
  { name: 'worker timeout kill', category: 'timeout_504', log: '[CRITICAL] WORKER TIMEOUT (pid:31)\n[WARNING] Worker with pid 31 was terminated due to signal 9\n[INFO] Booting worker with pid: 50' },
  { name: '504 gateway timeout from scoring', category: 'timeout_504', log: 'Response Code: 504\nContent: b\'<html><head><title>504 Gateway Time-out</title></head></html>\'' },
  { name: '408 request timeout', category: 'request_timeout_408', log: 'HTTP 408 upstream request timeout' },
  { name: 'go client timeout', category: 'timeout_504', log: 'Post http://localhost:5001/score: net/http: request canceled (Client.Timeout exceeded while awaiting headers)' },
  { name: 'image build failed', category: 'image_build_failure', log: 'Image build failed. For more details, check log file azureml-logs/20_image_build_log.txt.' },
  { name: 'conda ResolvePackageNotFound', category: 'image_build_failure', log: 'ResolvePackageNotFound:\n  - scikit-learn==0.19.9' },
  { name: 'pip no matching distribution', category: 'image_build_failure', log: 'ERROR: Could not find a version that satisfies the requirement torch==1.2.3+cu999' },
  { name: 'dockerfile step failed', category: 'image_build_failure', log: "The command '/bin/sh -c conda env create -f conda.yml' returned a non-zero code: 1" },
  { name: 'OutOfQuota', category: 'quota', log: '(OutOfQuota) Not enough quota available for Standard_DS3_v2 in SubscriptionId 000. Current usage/limit: 4/6. Additional needed: 4' },
  { name: 'OutOfCapacity', category: 'platform_capacity', log: 'ERROR: OutOfCapacity: The specified VM size is currently unavailable in this region.' },
  { name: 'authorization failed', category: 'identity_permission', log: "AuthorizationFailed: The client 'abc' with object id 'def' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read'" },
  { name: '401 unauthorized', category: 'identity_permission', log: 'HTTP 401 Unauthorized: key-based authentication failed for endpoint churn' },
  { name: 'docker daemon not running', category: 'other', id: 'docker-engine-unavailable', log: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' },
  { name: 'docker python sdk', category: 'other', id: 'docker-engine-unavailable', log: "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))" },
  { name: 'control plane 504', category: 'control_plane', id: 'control-plane-error', log: "Message: Received bad response from Model Management Service:\nResponse Code: 504\nContent: b'<html><title>504 Gateway Time-out</title></html>'" },
  { name: 'ARM gateway timeout while creating a deployment', category: 'control_plane', id: 'control-plane-error', log: '(GatewayTimeout) The gateway did not receive a response from \'Microsoft.MachineLearningServices\' within the specified time period.\nCode: GatewayTimeout' },
  { name: 'replica closed connection', category: 'other', id: 'replica-dropped-connection', log: "Response Code: 502\nContent: b'Replica closed connection before replying'" },
  { name: 'bare Killed from the shell', category: 'out_of_memory', log: 'Loading model from /var/azureml-app/azureml-models/big/1 ...\nKilled' },
  { name: 'init() failed in other words', category: 'init_exception', log: 'ERROR | Exception during user init: could not open connection to feature store' },
  { name: 'scikit-learn pickle from another version', category: 'missing_dependency', log: "AttributeError: Can't get attribute '_gb_losses' on <module 'sklearn.ensemble' from '/opt/conda/lib/python3.9/site-packages/sklearn/ensemble/__init__.py'>" },
  { name: 'node selector mismatch', category: 'scheduling_no_resources', log: "0/3 nodes are available: 3 node(s) didn't match node selector." },
  { name: 'gateway timeout page', category: 'timeout_504', log: 'upstream answered: Gateway Timeout' },
  { name: 'conda cannot solve', category: 'image_build_failure', log: 'Collecting package metadata (repodata.json): done\nSolving environment: failed' },
  { name: 'exceeding approved cores quota', category: 'quota', log: 'Operation could not be completed as it results in exceeding approved standardDSv2Family Cores quota.' },
  { name: 'image pull refused', category: 'identity_permission', log: 'Warning  Failed  kubelet  Error: ImagePullBackOff' },
  { name: 'model pickle missing', category: 'model_not_found', log: "FileNotFoundError: [Errno 2] No such file or directory: './outputs/model.joblib'" },
];

// Look-alikes: text that resembles a signature but is not that failure.
const negatives: Case[] = [
  { name: 'worker timeout setting is not a timeout', category: 'no_failure', log: 'worker timeout is set to 300\nWorker Timeout (seconds): 300' },
  { name: 'normal worker boot is not a loop', category: 'no_failure', log: 'Booting worker with pid: 10\nBooting worker with pid: 11\nBooting worker with pid: 12\nBooting worker with pid: 13' },
  { name: 'normal shutdown (SIGTERM) is not OOM', category: 'no_failure', log: 'Handling signal: term\nWorker exiting (pid: 10)\nWorker with pid 10 was terminated due to signal 15\nShutting down: Master' },
  { name: 'timeout kill is not OOM', category: 'timeout_504', log: '[CRITICAL] WORKER TIMEOUT (pid:8)\nWorker (pid:8) was sent SIGKILL! Perhaps out of memory?' },
  { name: 'IoT Edge noise is not a failure', category: 'no_failure', log: 'EdgeHubConnectionString and IOTEDGE_IOTHUBHOSTNAME are not set. Exiting...\niot-server/finish 1 0\nExit code 1 is normal. Not restarting iot-server.' },
  { name: 'run type providers warning', category: 'no_failure', log: 'azureml.core | WARNING | Failure while loading azureml_run_type_providers. Failed to load entrypoint' },
  { name: 'a model file missing while loading the entry script is the model, not the script', category: 'model_not_found', log: "Error in entry script, FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/fraud/4/fraud.onnx'" },
  { name: 'TensorFlow probing CUDA on a CPU machine is noise, not a missing package or GPU', category: 'no_failure', log: "2026-03-02 10:00:00.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n2026-03-02 10:00:00.123999: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you do not have a GPU set up on your machine.\n2026-03-02 10:00:01.000000: W tensorflow/stream_executor/cuda/cuda_driver.cc:269] failed call to cuInit: UNKNOWN ERROR (303)" },
  { name: 'libtinfo version warning is noise', category: 'no_failure', log: '/bin/bash: /azureml-envs/azureml_0f1e/lib/libtinfo.so.6: no version information available (required by /bin/bash)' },
  { name: 'Killed inside a sentence is not the OOM killer', category: 'no_failure', log: 'Killed 3 stale sessions older than 10 minutes' },
  { name: 'memory setting is not OOM', category: 'no_failure', log: 'memory_gb: 2\nmemory limit set to 2Gi for container' },
  { name: 'CUDA OOM is memory, not missing GPU', category: 'out_of_memory', log: 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' },
  { name: 'access log with 200s', category: 'no_failure', log: '127.0.0.1 - - [02/Mar/2026:08:00:05 +0000] "POST /score HTTP/1.0" 200 502 "-" "python-requests/2.31"' },
  { name: 'package named like score is still a dependency when dotted', category: 'missing_dependency', log: "ModuleNotFoundError: No module named 'scoring_utils.helpers'" },
  { name: 'liveness probe 502 is a start-up failure, not run()', category: 'init_exception', log: 'Liveness probe failed: HTTP probe failed with statuscode: 502' },
  { name: 'docker socket permission is not Azure auth', category: 'other', id: 'docker-engine-unavailable', log: 'Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock' },
  { name: 'a build step timeout setting is not a request timeout', category: 'image_build_failure', id: 'image-build-in-progress', log: "Executing step ID: acb_step_0. Timeout(sec): 5400, Working directory: ''" },
];

describe('failure-signature catalogue (unit)', () => {
  it('uses only the agreed category words and well-formed keywords', () => {
    const ids = new Set<string>();
    for (const s of SIGNATURES) {
      assert.ok(CATEGORIES.includes(s.category), `${s.id}: category ${s.category}`);
      assert.ok(!ids.has(s.id), `duplicate id ${s.id}`);
      ids.add(s.id);
      assert.ok(s.explanation.length > 20 && s.docs.startsWith('https://'), `${s.id}: explanation and docs`);
      if (!s.noise) assert.ok(s.fix.length > 0, `${s.id}: fix steps`);
      for (const k of s.keywords) {
        assert.equal(k, k.toLowerCase(), `${s.id}: keyword ${k} must be lower-case`);
        assert.doesNotMatch(k, /[&<>"']/, `${s.id}: keyword ${k} contains a character logs escape`);
      }
      assert.equal(s.patterns.length > 0, s.keywords.length > 0, `${s.id}: keywords iff patterns`);
      for (const p of s.patterns) {
        for (const m of p.source.matchAll(/\{(\d*),(\d+)\}/g)) assert.ok(Number(m[2]) <= 10, `${s.id}: ${p} has a wide bounded repetition`);
      }
    }
  });

  for (const c of positives) {
    it(`recognises ${c.name} as ${c.category}`, () => {
      const r = explainText(c.log);
      assert.equal(r.primary.category, c.category, `${c.name}: got ${r.primary.id}`);
      if (c.id) assert.equal(r.primary.id, c.id);
      assert.ok(r.primary.evidence.length > 0, 'evidence lines are given');
      for (const e of r.primary.evidence) assert.equal(c.log.split('\n')[e.line - 1]!.trim().length > 0, true);
    });
  }

  for (const c of negatives) {
    it(`look-alike: ${c.name} -> ${c.category}`, () => {
      const r = explainText(c.log);
      assert.equal(r.primary.category, c.category, `${c.name}: got ${r.primary.id} (${r.primary.evidence.map((e) => e.text).join(' | ')})`);
      if (c.id) assert.equal(r.primary.id, c.id);
    });
  }

  it('says "no failure in this text" for a text without one, with evidence lines, a confidence and what to collect', () => {
    const r = explainText('hello\nworld\n');
    assert.equal(r.primary.category, 'no_failure');
    assert.equal(r.primary.id, 'no-failure');
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.primary.evidence, [{ line: 1, text: 'hello' }, { line: 2, text: 'world' }]);
    assert.ok(r.primary.confidence > 0 && r.primary.confidence <= 0.6);
    assert.ok(r.primary.collect!.some((c) => /get-logs/.test(c.command ?? '')));
  });
});
