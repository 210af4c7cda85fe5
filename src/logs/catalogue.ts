// The failure-signature catalogue: every failure the Azure ML deployment troubleshooting guides name,
// plus what real scoring-container logs show, and the harmless noise that looks like an error.
// Data only: the classifier (classifier.ts) decides how evidence is combined.
// Patterns avoid wide bounded repetitions (`.{0,200}`): DFA matchers such as grep blow up on them.
// Every pattern runs in linear time on any line (test/unit/logs/linear-patterns.test.ts): `a.*b` is written
// seq(a, b), a quantified run never shares characters with the part after it, and a run that could start
// anywhere inside a longer run is anchored with a lookbehind.
import { seq } from '../common/linearRegex';
import type { Signature } from './types';

const V1 = 'https://learn.microsoft.com/azure/machine-learning/v1/how-to-troubleshoot-deployment?view=azureml-api-1';
const V2 = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';

/** Signatures fired by the classifier's state machine rather than by a single line. */
export const DETECTED = {
  workerKilled: 'oom-worker-killed',
  rebootLoop: 'oom-worker-reboot-loop',
  initTraceback: 'init-exception-traceback',
  runTraceback: 'run-exception-traceback',
  initNotCompleted: 'init-not-completed',
  mlflowBootFailure: 'mlflow-environment-mismatch',
  workerTimeoutKill: 'timeout-worker-killed',
} as const;

const ENTRY_MODULE = /No module named ['"]?(?:main|score\w*|\w*_score|scoring\w*|entry\w*)['"]?(?=$|[\s,;)])/;

export const SIGNATURES: Signature[] = [
  // ----- out of memory -----------------------------------------------------------------------
  {
    id: DETECTED.workerKilled,
    category: 'out_of_memory',
    title: 'A scoring worker was killed with SIGKILL (out of memory)',
    keywords: [],
    patterns: [],
    weight: 80,
    explanation:
      'The kernel killed a gunicorn worker with signal 9 while it was not timing out: the container ran out of memory (its memory limit is smaller than what init() or run() allocates). gunicorn then boots a new worker, which is killed again.',
    fix: [
      'Raise the memory of the deployment (memory_gb / instance type; for a local container, docker run --memory).',
      'Load the model once in init() and avoid copies of large arrays; check the model size against the limit.',
      'Reproduce locally with the same --memory limit and watch `docker stats`.',
    ],
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: DETECTED.rebootLoop,
    category: 'out_of_memory',
    title: 'Scoring workers are re-booting in a loop',
    keywords: [],
    patterns: [],
    weight: 60,
    explanation:
      'gunicorn keeps booting new workers ("Booting worker with pid: N" again and again in a short time) because the previous ones die. With no exception in the log, the usual cause is the container running out of memory.',
    fix: [
      'Raise memory_gb (or the instance type / docker --memory limit).',
      'Check the model size and what init() allocates.',
      'Run the image locally and watch `docker stats` while it starts.',
    ],
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'oom-killed',
    category: 'out_of_memory',
    title: 'The process ran out of memory',
    keywords: ['oomkill', 'oom-kill', 'oom kill', 'oom_kill', 'out of memory', 'memoryerror', 'cannot allocate memory', 'bad_alloc', '137', 'memory limit', 'killed', 'outofmemory', 'memory usage'],
    patterns: [
      /\bOOM ?Kill(?:ed|er)?\b|\boom[-_]kill/i,
      /\bout of memory\b/i,
      /\bMemoryError\b/,
      /Cannot allocate memory/i,
      /std::bad_alloc/,
      /exit(?:ed)?[ _]?(?:code|status)\W{0,4}137\b/i,
      /exceed(?:ed|s)? (?:its |the )?memory limit/i,
      /^\s*Killed\s*$/,
      /\bOutOfMemory(?:Error)?\b/,
      /killed (?:due to|because of) (?:high )?memory/i,
      /memory usage (?:exceeded|over)/i,
    ],
    unless: [/Perhaps out of memory\?/],
    weight: 90,
    explanation:
      'The container or the scoring process ran out of memory (MemoryError, OOMKilled or exit code 137). The model or the data it handles does not fit in the memory the deployment has.',
    fix: [
      'Raise memory_gb / pick a larger instance type (locally: docker run --memory, or Docker Desktop resources).',
      'Reduce what is loaded: a smaller model, lazy loading, smaller batches in run().',
    ],
    docs: `${V1}#http-status-code-502`,
  },

  // ----- init() failures -----------------------------------------------------------------------
  {
    id: DETECTED.initTraceback,
    category: 'init_exception',
    title: 'init() raised an exception',
    keywords: [],
    patterns: [],
    weight: 70,
    explanation:
      'The entry script\'s init() raised, so the worker never became ready and the container restarts (CrashLoopBackOff). The last frame in your code shows where.',
    fix: [
      'Open the frame shown under Where and fix the error in init(); run init() locally first (python -c "import score; score.init()").',
      'Check the paths init() reads: the model is under AZUREML_MODEL_DIR.',
    ],
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: 'init-crashloop',
    category: 'init_exception',
    title: 'The container crashed at start-up (CrashLoopBackOff)',
    keywords: ['crashloopbackoff', 'init method', 'init()', 'application crashed', 'back-off', 'restarting failed', 'in init', 'during init', 'running init', 'user init', 'init function'],
    patterns: [
      /CrashLoopBackOff/i,
      /Did your init method fail/i,
      /errors? in your scoring file'?s? init\(\)/i,
      /container application crashed/i,
      /Back-off \d\w* restarting failed/i,
      /\binit\(\) (?:failed|raised)|(?:error|exception) (?:in|during|while running) (?:the )?(?:user'?s? )?init\b/i,
    ],
    weight: 50,
    explanation:
      'The container crashed right after starting and Kubernetes/ACI keeps restarting it. This almost always means init() in the entry script raised (or the entry script could not be imported).',
    fix: [
      'Get the container log (service.get_logs() / az ml online-deployment get-logs) and look for the traceback.',
      'Run the entry script locally: call init() in a Python shell with the same environment.',
    ],
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: 'init-worker-boot-failure',
    category: 'init_exception',
    title: 'The scoring worker failed to boot',
    keywords: ['failed to boot', 'exception in worker process', 'exit status', 'exited with code', 'is not normal', 'fatal state', 'error in entry script'],
    patterns: [
      /Worker failed to boot/i,
      /Exception in worker process/i,
      /exited: gunicorn \(exit status [1-9]/i,
      /gunicorn entered FATAL state/i,
      /Worker \(pid:?\s*\d+\) exited with code [1-9]/i,
      /Exit code [1-9]\d* is not normal/i,
      /Error in entry script/i,
    ],
    weight: 45,
    explanation:
      'gunicorn could not start a scoring worker: importing the entry script or running init() failed, and the server gave up.',
    fix: [
      'Look just above for the traceback (ImportError, an exception in init()).',
      'Run `python -c "import score; score.init()"` in the same environment.',
    ],
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: 'init-resource-not-ready',
    category: 'init_exception',
    title: 'The container never became healthy (ResourceNotReady / liveness probe failed)',
    keywords: ['resourcenotready', 'probe failed', 'crashed or terminated'],
    patterns: [/ResourceNotReady/i, /(?:Liveness|Readiness) probe failed/i, /User container has crashed or terminated/i],
    weight: 55,
    explanation:
      'The scoring container started but never answered its health probe, so the deployment was declared not ready. The server inside usually failed while loading the entry script or running init().',
    fix: [
      'Read the container log for the exception raised at start-up.',
      'If init() is just slow (large model), raise the probe\'s initial_delay / timeout in the deployment.',
    ],
    docs: `${V2}#error-resourcenotready`,
  },
  {
    id: DETECTED.initNotCompleted,
    category: 'init_exception',
    title: 'init() started but never completed',
    keywords: [],
    patterns: [],
    weight: 15,
    explanation:
      'The server invoked the entry script\'s init() and the log ends before init() reported success: init() crashed the worker, hung, or is still running.',
    fix: ['Get the rest of the log (get_logs with more lines) to see the exception.', 'Run init() locally to reproduce.'],
    docs: `${V1}#service-launch-fails`,
  },

  // ----- model not found ------------------------------------------------------------------------
  {
    id: 'model-not-found',
    category: 'model_not_found',
    title: 'The model could not be found (Model.get_model_path / AZUREML_MODEL_DIR)',
    keywords: ['modelnotfound', 'model not found', 'get_model_path', 'azureml-models', 'azureml_model_dir', 'the model', 'model file', 'model path', 'model directory', 'no such file', 'unable to open file'],
    patterns: [
      /ModelNotFound(?:Exception|Error)?/,
      /Model not found in (?:cache|root)/i,
      seq(/get_model_path\b/i, /fail|not found|error|exception/),
      seq(/No such file or directory/i, /azureml-models/),
      /KeyError: ['"]?AZUREML_MODEL_DIR/,
      seq(/AZUREML_MODEL_DIR/i, /not set|is None|missing/),
      /(?:Could not|Couldn'?t|Unable to|Failed to|Cannot) (?:find|locate|load) (?:the )?model(?: file| path| directory)?\b/i,
      seq(/model (?:file|path|directory) /i, /does not exist|not found/),
      seq(/No such file or directory:? /, /\.(?:pkl|pickle|joblib|onnx|pt|pth|h5|hdf5|pb|safetensors|cbm|model)\b/),
      seq(/Unable to open file/i, /\.(?:h5|hdf5)\b/),
    ],
    weight: 85,
    explanation:
      'The entry script looked for the model where it is not: Model.get_model_path() found no registered model of that name/version in the container, or the path built from AZUREML_MODEL_DIR does not exist.',
    fix: [
      'Build the path from os.getenv("AZUREML_MODEL_DIR") and the file name you registered (models keep their folder structure).',
      'Check the model name and version given to the deployment (Model(ws, name, version=...)).',
      'List the folder in the container (docker exec <id> ls -R /var/azureml-app/azureml-models).',
    ],
    docs: `${V1}#function-fails-get_model_path`,
  },

  // ----- missing dependency vs. entry script not in the image --------------------------------------
  {
    id: 'entry-script-not-found',
    category: 'other',
    title: 'The entry script is not in the container',
    keywords: ['no module named', 'entry script', 'scoring script', 'entryscriptexception', 'no such file'],
    patterns: [
      ENTRY_MODULE,
      seq(/(?:scoring|entry) script\b/i, /not found|does not exist|could not be found/),
      seq(/FileNotFoundError/i, /\bscore\w*\.py/),
      seq(/No such file or directory/i, /\/score\w*\.py/),
    ],
    weight: 95,
    explanation:
      'The server could not import the entry script itself: the file was never copied into the container (wrong code path / scoring_script / source_directory), or its name does not match. This is not a missing pip package.',
    fix: [
      'Check code_configuration.code (or source_directory) and scoring_script: the path is relative to that folder.',
      'Look inside the container: docker exec <id> ls /var/azureml-app.',
      'Make sure the file ends in .py and the module name matches (score.py -> "score").',
    ],
    docs: `${V2}#error-resourcenotready`,
  },
  {
    id: 'missing-dependency',
    category: 'missing_dependency',
    title: 'A Python package is missing or incompatible in the environment',
    keywords: ['no module named', 'modulenotfounderror', 'cannot import name', 'shared object', 'undefined symbol', 'from c header', 'size changed', 'failed to import', 'api version', 'dll load failed', 'glibc', 'distributionnotfound', 'distribution was not found', 'importerror', 'versionconflict', 'get attribute', 'unpickle estimator', 'inconsistentversionwarning', 'not found'],
    patterns: [
      /ModuleNotFoundError/,
      /No module named ['"]?[\w.]+/,
      /ImportError: cannot import name/,
      seq(/ImportError: /, /cannot open shared object file/),
      /undefined symbol: /,
      /Expected \d+ from C header, got \d+ from PyObject/i,
      /size changed, may indicate binary incompatibility/i,
      /numpy\.core\.\w+ failed to import/i,
      /module compiled against API version/i,
      /DLL load failed/,
      /version [`']GLIBC[\w.]*' not found/,
      /DistributionNotFound|The '[\w.-]+' distribution was not found|VersionConflict/,
      /Can't get attribute '\w+' on <module/,
      /Trying to unpickle estimator \w+ from version|InconsistentVersionWarning/,
      seq(/\b(?:azmlinfsrv|gunicorn|flask)\b/i, /command not found|: not found/),
    ],
    unless: [ENTRY_MODULE],
    weight: 85,
    explanation:
      'Importing a Python package failed inside the container: it is not in the environment (conda.yml / requirements), or an installed version is binary-incompatible with another (e.g. numpy ABI). Note azureml-defaults / azureml-inference-server-http must be in the environment for the inference server.',
    fix: [
      'Add the missing package (with a pinned version) to the environment\'s conda.yml / requirements and rebuild.',
      'Pin versions that match the ones the model was trained with (numpy, scikit-learn, mlflow ...).',
      'Reproduce: docker run -it <image> python -c "import <module>".',
    ],
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: DETECTED.mlflowBootFailure,
    category: 'missing_dependency',
    title: 'The MLflow model\'s environment does not load',
    keywords: [],
    patterns: [],
    weight: 50,
    explanation:
      'This is a no-code MLflow deployment: the scoring script is generated, so a worker that fails to boot almost always means the model\'s environment (its conda.yaml / requirements) lacks a package or pins incompatible versions.',
    fix: ['Check the model\'s conda.yaml against the packages the generated script imports (azureml-inference-server-http, mlflow).', 'Pin versions that are binary-compatible (numpy, pandas, scikit-learn).'],
    docs: `${V1}#service-launch-fails`,
  },

  // ----- scheduling / GPU ----------------------------------------------------------------------------
  {
    id: 'gpu-unavailable',
    category: 'gpu_unavailable',
    title: 'No GPU is available to the container',
    keywords: ['nvidia', 'cuda', 'gpu'],
    patterns: [
      /Insufficient nvidia\.com\/gpu/i,
      /no CUDA-capable device/i,
      /CUDA driver version is insufficient/i,
      /\bcudaError/,
      /CUDA_ERROR_NO_DEVICE/i,
      seq(/cuInit\b/i, /fail|error/),
      seq(/Unable to use|cannot run|failed to run|couldn'?t communicate with/i, /nvidia-smi/),
      /NVIDIA-SMI has failed/i,
      /nvidia-smi: (?:not found|command not found)/i,
      seq(/could not select device driver /i, / capabilities: \[\[gpu\]\]/),
      seq(/CUDAExecutionProvider/i, /not available|fail/),
      /(?:no|zero) GPUs? (?:available|found|detected)|GPU (?:is )?not (?:available|found|detected)/i,
      /torch\.cuda\.is_available\(\)(?:[\s=>:-]{0,6}|\s(?:is|returns?)\s)False/i,
    ],
    unless: [/CUDA out of memory/i],
    weight: 88,
    explanation:
      'The deployment needs a GPU but none is available: no node in the cluster has a free nvidia.com/gpu, or the container (e.g. local Docker) was started without GPU access / NVIDIA runtime.',
    fix: [
      'On AKS: add a GPU node pool (or free one), or request fewer GPUs (gpu_cores).',
      'Locally: install the NVIDIA container toolkit and run with --gpus all; Docker Desktop needs WSL2 GPU support.',
      'If you do not need a GPU, deploy a CPU build of the model / runtime.',
    ],
    docs: `${V1}#container-cannot-be-scheduled`,
  },
  {
    id: 'scheduling-no-resources',
    category: 'scheduling_no_resources',
    title: 'The cluster has no node with enough free CPU/memory for a replica',
    keywords: ['schedul', 'available resources', 'nodes are available', 'insufficient', 'match node', 'node affinity', 'not enough resources', 'not enough nodes'],
    patterns: [
      /Couldn'?t schedule because/i,
      /didn'?t have available resources/i,
      /(?<!\d)\d+\/\d+ nodes are available/i,
      /Insufficient (?:cpu|memory|pods|ephemeral-storage|[\w.]+\/[\w.-]+)/i,
      /\bUnschedulable\b/i,
      /resources? insufficient/i,
      /Insufficient healthy nodes?/i,
      /replicas? unschedulable|FailedScheduling|container cannot be scheduled/i,
      /node\(s\) didn'?t match (?:node selector|Pod'?s node affinity)/i,
      /(?:not enough|insufficient) (?:resources|nodes)\b/i,
    ],
    weight: 80,
    explanation:
      'Kubernetes could not place a replica: no node has the CPU, memory or device (GPU, FPGA) the deployment requests once system pods are counted. After 5 minutes Azure ML gives up.',
    fix: [
      'Add nodes or use a larger VM size for the cluster.',
      'Lower cpu_cores / memory_gb / replica count of the deployment.',
      'Check node selectors / instance types that restrict where replicas may run.',
    ],
    docs: `${V1}#container-cannot-be-scheduled`,
  },

  // ----- requests: 502 / 503 / 504 / 408 / 424 / 429 -------------------------------------------------
  {
    id: DETECTED.runTraceback,
    category: 'run_exception_502',
    title: 'run() raised an exception',
    keywords: [],
    patterns: [],
    weight: 72,
    explanation: 'The entry script\'s run() raised while handling a request; the server answers 502 (or 500) to the client.',
    fix: ['Open the frame shown under Where and handle the error; validate the input in run().', 'Send the failing request body locally to reproduce.'],
    docs: `${V1}#function-fails-runinput_data`,
  },
  {
    id: 'run-function-failed',
    category: 'run_exception_502',
    title: 'run() raised while scoring a request (502)',
    keywords: ['run-function-failed', 'run function failed', 'run()', 'in run'],
    patterns: [
      /X-Ms-Run-Function-Failed\W{0,6}True/i,
      /Run function failed/i,
      /\brun\(\) (?:got an unexpected|missing \d+ required|takes \d+)/,
      /(?:Encountered|Caught|Unhandled) Exception (?:in|while|during)(?: calling| running)?(?: the)?(?: user'?s?)? run\b/i,
      seq(/\b424\b/i, /Model Error|Failed Dependency/),
      seq(/Failed Dependency/i, /\b424\b/),
    ],
    weight: 80,
    explanation:
      'run() raised an exception for the request: the server returns 502 with X-Ms-Run-Function-Failed: True (424 on managed endpoints) and, in debug mode, the exception text.',
    fix: [
      'Make run() accept the payload you send (argument names, JSON shape, dtypes).',
      'Catch and log the exception in run(); test with the same request locally.',
    ],
    docs: `${V1}#function-fails-runinput_data`,
  },
  {
    id: 'http-502',
    category: 'run_exception_502',
    title: 'The scoring server answered 502 Bad Gateway',
    keywords: ['502', 'bad gateway'],
    patterns: [/(?:Response|status) ?code\W{0,4}502\b/i, /\b502 Bad Gateway\b/i, /\bHTTP(?:\/[\d.]+)? 502\b/i, seq(/\b502\b/i, /\b(?:error|failed)\b/)],
    unless: [/probe failed/i],
    weight: 50,
    explanation:
      'The endpoint answered 502: usually run() raised an exception, or the worker crashed while handling the request.',
    fix: ['Look in the container log for the exception raised by run().', 'Reproduce locally with the same request body.'],
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'replica-dropped-connection',
    category: 'other',
    title: 'The replica closed the connection before replying',
    keywords: ['closed connection', 'before replying'],
    patterns: [/Replica closed connection before replying/i, /upstream (?:prematurely )?closed connection/i],
    weight: 72,
    explanation:
      'The scoring replica dropped the connection without an answer: the worker crashed or restarted mid-request (often memory), or was killed by a timeout. It is not an exception returned by run().',
    fix: ['Check the container log around the time of the request for restarts (Booting worker), signal 9 or timeouts.', 'Watch memory use of the replica under load.'],
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'overload-503',
    category: 'overload_503',
    title: 'The service is overloaded (503 / 429)',
    keywords: ['overloaded', 'too many', '503', '429', 'service unavailable'],
    patterns: [
      /\(overloaded\)|\boverloaded\b/i,
      /Too many (?:pending )?requests/i,
      /(?:Response|status) ?code\W{0,4}(?:503|429)\b/i,
      /\b503 Service Unavailable\b|\bService Unavailable\b/i,
      /\bHTTP(?:\/[\d.]+)? (?:503|429)\b/i,
      seq(/\b(?:503|429)\b/i, /\b(?:error|errors|response)\b/),
    ],
    weight: 60,
    explanation:
      'Requests arrive faster than the replicas can serve them: autoscaling could not keep up (503), or the per-instance concurrency limit was hit (429 on managed endpoints).',
    fix: [
      'Raise min replicas / instance count, or the autoscale target utilisation (lower = scale earlier).',
      'Raise max_concurrent_requests_per_instance only if run() can handle parallel requests.',
      'Retry with back-off on the client.',
    ],
    docs: `${V1}#http-status-code-503`,
  },
  {
    id: 'no-ready-replicas',
    category: 'other',
    title: 'No replica of the service is ready',
    keywords: ['ready replicas', 'no replicas'],
    patterns: [/No (?:ready )?replicas? (?:for|available)/i],
    weight: 55,
    explanation:
      'The router had no ready replica to send the request to: replicas are still starting, crashing at start-up, or the platform is having trouble.',
    fix: ['Check the deployment state and container log (are replicas restarting?).', 'If the replicas are healthy, retry later or contact support: it can be a platform problem.'],
    docs: `${V1}#http-status-code-503`,
  },
  {
    id: DETECTED.workerTimeoutKill,
    category: 'timeout_504',
    title: 'A scoring worker timed out and was killed',
    keywords: ['worker timeout', 'worker timed out', 'timed out, killing'],
    patterns: [/WORKER TIMEOUT\b/, /worker timed out/i, /timed out, killing/i],
    unless: [/timeout is set to|Timeout \(seconds\)/i],
    weight: 70,
    explanation:
      'A request took longer than the worker timeout, so gunicorn killed the worker and the client got 504 or a reset connection. run() is too slow for the configured timeout.',
    fix: [
      'Make run() faster (load the model in init(), batch smaller inputs).',
      'Raise request_timeout_ms (managed endpoints, default 5 s) or scoring_timeout_ms / the worker timeout.',
    ],
    docs: `${V1}#http-status-code-504`,
  },
  {
    id: 'timeout-504',
    category: 'timeout_504',
    title: 'The request timed out (504 / 408)',
    keywords: ['504', '408', 'timeout', 'timed out', 'time-out', 'gateway time'],
    patterns: [
      seq(/\b504\b/i, /Gateway|Time-?out/),
      /(?:Response|status) ?code\W{0,4}(?:504|408)\b/i,
      /\bHTTP(?:\/[\d.]+)? (?:504|408)\b/i,
      seq(/\b408\b/i, /time-?out/),
      /upstream request timeout/i,
      /Client\.Timeout exceeded/i,
      /(?:request|scoring) (?:timed out|timeout)/i,
      /(?:Read|Connection) timed out/i,
      /Gateway Time-?out/i,
    ],
    unless: [/timeout is set to/i, /Timeout\(sec\)/i],
    weight: 62,
    explanation:
      'The scoring request took longer than the endpoint allows (about 1 minute on ACI/AKS, request_timeout_ms on managed endpoints, 5 s by default), so the front end gave up.',
    fix: [
      'Make run() faster: load the model in init(), not per request; send smaller batches.',
      'Raise request_timeout_ms (managed online endpoints) or scoring_timeout_ms (AKS).',
    ],
    docs: `${V1}#http-status-code-504`,
  },
  {
    id: 'control-plane-error',
    category: 'other',
    title: 'The Azure ML control plane or CLI failed (not the scoring container)',
    keywords: ['model management service', 'command group', 'management service', 'did not receive a response', 'management.azure.com', 'gatewaytimeout'],
    patterns: [
      /bad response from (?:the )?Model Management Service/i,
      /is not in the 'az' command group/i,
      /az: '?ml'? is not/i,
      // Azure Resource Manager's own gateway timing out on a management call (create/update/poll).
      /did not receive a response from '?Microsoft\.[\w.]+'? within the specified time/i,
      /"code":\s*"GatewayTimeout"/,
      seq(/management\.azure\.com/i, /\b50[234]\b/),
      seq(/\b50[234]\b/i, /management\.azure\.com/),
    ],
    weight: 88,
    explanation:
      'The error came from the deployment tooling (the az ml CLI extension or the Model Management Service), not from your container: your scoring code never ran.',
    fix: ['Install/upgrade the az ml CLI extension on the agent (az extension add -n ml).', 'Retry the deployment; check Azure status if the service keeps answering 5xx.'],
    docs: `${V2}#http-status-codes`,
  },
  {
    id: 'service-internal-error',
    category: 'other',
    title: 'Azure ML answered an internal server error',
    keywords: ['internalservererror', 'serviceerror', 'internal server error', 'received 500'],
    patterns: [/\bInternalServerError\b/, /"code":\s*"ServiceError"/, /Received 500 from a service request/i, /\b500 Internal Server Error\b/i],
    weight: 45,
    explanation: 'The Azure ML service itself failed (500): usually a platform problem, not your scoring code.',
    fix: ['Retry; if it persists, open a support request with the correlation/request id.'],
    docs: `${V2}#http-status-codes`,
  },

  // ----- image build, quota, auth, Docker ------------------------------------------------------------
  {
    id: 'image-build-failure',
    category: 'image_build_failure',
    title: 'Building the environment image failed',
    keywords: ['image build', 'build failed', 'imagebuildfailure', 'image creation', 'resolvepackagenotfound', 'packagesnotfound', 'unsatisfiable', 'satisfies the requirement', 'matching distribution', 'condaenvexception', 'condahttperror', 'pip failed', 'while installing package', 'non-zero code', 'failed to solve', 'executor failed', 'failed to build', 'could not install', 'solving environment', 'condavalueerror'],
    patterns: [
      /Image build failed/i,
      /(?:Docker )?image build failed/i,
      /ImageBuildFailure/i,
      /Image creation (?:operation )?failed/i,
      seq(/Image creation (?:operation )?finished /i, /Failed/),
      /ResolvePackageNotFound|PackagesNotFoundError|UnsatisfiableError/,
      /Could not find a version that satisfies the requirement|No matching distribution found/i,
      /CondaEnvException|CondaHTTPError|Pip failed/,
      /An error occurred while installing package/i,
      /returned a non-zero code: \d+/i,
      /failed to solve|executor failed running/i,
      /ERROR: failed to build|Failed to build (?:the )?image/i,
      /Could not install packages due to/i,
      /Solving environment: failed/i,
      /CondaValueError/,
    ],
    weight: 80,
    explanation:
      'The environment image could not be built: conda/pip could not resolve or install a package of the environment, or a Dockerfile step failed. The deployment never started a container.',
    fix: [
      'Open the image build log (azureml-logs/20_image_build_log.txt or the ACR build log) and find the first failing step.',
      'Fix the conda.yml / requirements: pin versions that exist for the Python version, drop conflicting pins.',
      'Build the environment locally (conda env create -f conda.yml, or docker build) to iterate faster.',
    ],
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'image-build-in-progress',
    category: 'image_build_failure',
    title: 'The log is an image build log',
    keywords: ['step ', 'build context', 'acb_step'],
    patterns: [/^\s*Step \d+\/\d+ : /, /Sending build context to Docker daemon/, /Executing step ID: acb_step/],
    weight: 20,
    explanation:
      'This log is the environment image build (Dockerfile steps). When a deployment fails here no container ran: the failure is in building the environment.',
    fix: ['Scroll to the last step of the build log: the error is right after it.', 'Build the environment locally (docker build / conda env create) to reproduce.'],
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'quota-or-capacity',
    category: 'auth_or_quota',
    title: 'Not enough quota or capacity for the requested VM size',
    keywords: ['quota', 'capacity', 'skunotavailable', 'usage/limit'],
    patterns: [
      /OutOfQuota|QuotaExceeded/i,
      /Not enough quota/i,
      /quota (?:exceeded|limit|is not enough)/i,
      seq(/exceed(?:s|ed|ing)? /i, /quota/),
      /Current usage\/limit/i,
      /OutOfCapacity|not enough capacity|SkuNotAvailable/i,
    ],
    weight: 88,
    explanation:
      'The subscription does not have enough quota (vCPUs of that VM family, endpoints, ...) or the region has no capacity for the instance type the deployment asks for.',
    fix: [
      'Request a quota increase for the VM family in the Azure portal (Usage + quotas), or pick a smaller instance type / fewer instances.',
      'For capacity errors: retry later or use another region / instance type.',
    ],
    docs: `${V2}#error-outofquota`,
  },
  {
    id: 'auth-or-permission',
    category: 'auth_or_quota',
    title: 'An identity lacks permission (authorization failed)',
    keywords: ['authoriz', 'permission', 'unauthorized', 'forbidden', 'identity', 'listsecrets', 'aadsts', 'authentication', '401', '403', 'imagepull', 'errimagepull'],
    patterns: [
      /AuthorizationFailed|does not have (?:authorization|permission)/i,
      /Identity\(object id/i,
      seq(/listsecrets\b/i, /failed|status code/),
      seq(/\b(?:401|403)\b/i, /Unauthorized|Forbidden/),
      seq(/Unauthorized|Forbidden/i, /\b(?:401|403)\b/),
      /InvalidAuthenticationToken|AADSTS\d+|AuthenticationFailed/,
      seq(/UserError/i, /identity|permission|authoriz/),
      /(?:not authorized|insufficient (?:privileges|permissions))/i,
      /unauthorized: authentication required/i,
      /ImagePullBackOff|ErrImagePull/,
    ],
    unless: [/docker\.sock|docker daemon/i],
    weight: 87,
    explanation:
      'A call was refused for lack of permission: the endpoint\'s managed identity (or your credential) has no role on the workspace, storage, key vault or registry it accesses, or the key/token is wrong.',
    fix: [
      'Grant the endpoint identity the needed role (e.g. AzureML Data Scientist on the workspace, AcrPull on the registry, Storage Blob Data Reader).',
      'Check the key or token used to call the endpoint.',
    ],
    docs: `${V2}#http-status-codes`,
  },
  {
    id: 'docker-engine-unavailable',
    category: 'other',
    title: 'The Docker engine is not running or not reachable',
    keywords: ['docker daemon', 'docker engine', 'connect to docker', 'server api version', 'docker_engine', 'dockerexception', 'docker.sock'],
    patterns: [
      /Cannot connect to the Docker daemon/i,
      /Is the docker daemon running/i,
      /Failed to connect to Docker/i,
      /Error while fetching server API version/i,
      seq(/docker_engine/i, /cannot find|not found|The system cannot/),
      seq(/permission denied/i, /docker\.sock/),
      /docker daemon is not running/i,
    ],
    weight: 90,
    explanation: 'Local deployment needs a running Docker engine, and it could not be reached.',
    fix: [
      'Start Docker (Docker Desktop, or sudo systemctl start docker) and run `docker version` to check.',
      'On Linux add your user to the docker group; or set DOCKER_HOST / amlDoctor.docker.host.',
    ],
    docs: `${V1}#docker-daemon-not-running`,
  },

  // ----- harmless noise -----------------------------------------------------------------------------------
  {
    id: 'noise-iot-edge',
    category: 'other',
    title: 'IoT Edge side process not configured (harmless)',
    keywords: ['edgehub', 'iotedge', 'iot-server', 'is normal', 'not restarting iot'],
    patterns: [/EdgeHubConnectionString|IOTEDGE_\w+/, /iot-server\/(?:run|finish)/, /Exit code \d+ is normal/i, /Not restarting iot-server/i],
    weight: 0,
    noise: true,
    explanation: 'The image also contains an IoT Edge helper that exits when it is not configured. This is expected and not the cause.',
    fix: [],
    docs: `${V1}#dockerlog`,
  },
  {
    id: 'noise-benign-warnings',
    category: 'other',
    title: 'Benign start-up warning',
    keywords: ['run_type_providers', 'spark_home', 'pydantic', 'frozen modules', 'pydevd_disable_file_validation', 'logging socket', 'no version information', 'swagger', 'dlerror', 'cuda', 'tensorflow/'],
    patterns: [
      /no version information available/i,
      /Swagger (?:file )?(?:not (?:present|found)|is not generated)/i,
      // TensorFlow on a CPU machine: it probes for CUDA at import and says so; not a failure.
      /dlerror|Ignore above cudart|Could not load dynamic library '?lib(?:cu|nv)/i,
      /\b[IWE] tensorflow\/\S*(?:cuda|gpu|dso_loader)/i,
      /Failure while loading azureml_run_type_providers/i,
      /SPARK_HOME not set/i,
      /migrating to Pydantic 2/i,
      /frozen modules|PYDEVD_DISABLE_FILE_VALIDATION/i,
      /logging socket (?:was )?not found/i,
    ],
    weight: 0,
    noise: true,
    explanation: 'A warning the Azure ML images print on every start. It does not stop the server.',
    fix: [],
    docs: `${V1}#dockerlog`,
  },
];

/** What the primary diagnosis says when nothing is recognised. */
export const UNRECOGNISED: Omit<Signature, 'keywords' | 'patterns'> = {
  id: 'unrecognised',
  category: 'other',
  title: 'No known failure signature in this log',
  weight: 0,
  explanation:
    'None of the known Azure ML deployment failures appears in this log. It may be cut before the error, or the failure is elsewhere (client side, control plane).',
  fix: [
    'Get the full container log (service.get_logs(), az ml online-deployment get-logs --lines 500, or docker logs).',
    'Run the entry script locally: call init() and run() with a sample request.',
  ],
  docs: V1,
};

export function signatureById(id: string): Signature | undefined {
  return SIGNATURES.find((s) => s.id === id);
}
