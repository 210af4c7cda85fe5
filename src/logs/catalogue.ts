// The failure-signature catalogue: every failure the Azure ML deployment troubleshooting guides name,
// plus what real scoring-container logs show, and the harmless noise that looks like an error.
// Data only: the classifier (classifier.ts) decides how evidence is combined.
// Patterns avoid wide bounded repetitions (`.{0,200}`): DFA matchers such as grep blow up on them.
// Every pattern runs in linear time on any line (test/unit/logs/linear-patterns.test.ts): `a.*b` is written
// seq(a, b), a quantified run never shares characters with the part after it, and a run that could start
// anywhere inside a longer run is anchored with a lookbehind.
// Exceptions (tracebacks, exception lines) are not here: exceptions.ts reasons about them from their type,
// message and the frames they were raised in. Phrases are kept for what has no traceback: platform and ARM
// error codes, Kubernetes events, the server's own messages, HTTP answers, image builds.
// What a user reads (title, explanation, fix, what to collect) is a getter over a literal l10n.t call: English
// is the key `npm run l10n` extracts, and the text comes out in the language chosen when a diagnosis is made
// (the CLI and the language server choose it after this module is loaded). Keywords and patterns stay English.
import * as l10n from '../common/l10n';
import { seq } from '../common/linearRegex';
import type { CollectStep, Signature } from './types';

const V1 = 'https://learn.microsoft.com/azure/machine-learning/v1/how-to-troubleshoot-deployment?view=azureml-api-1';
const V2 = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';

/** Sections of the troubleshooting guides. */
export const DOCS = {
  v1: V1,
  v2: V2,
  serviceLaunch: `${V1}#service-launch-fails`,
  modelPath: `${V1}#function-fails-get_model_path`,
  run: `${V1}#function-fails-runinput_data`,
  http502: `${V1}#http-status-code-502`,
  http503: `${V1}#http-status-code-503`,
  http504: `${V1}#http-status-code-504`,
  scheduling: `${V1}#container-cannot-be-scheduled`,
  resourceNotReady: `${V2}#error-resourcenotready`,
  imageBuild: `${V2}#error-imagebuildfailure`,
  quota: `${V2}#error-outofquota`,
  capacity: `${V2}#error-outofcapacity`,
  identity: `${V2}#authorization-error`,
  imagePull: `${V2}#error-imagepullfailed`,
  statusCodes: `${V2}#http-status-codes`,
  logs: `${V2}#get-container-logs`,
} as const;

/** What to collect when a text does not hold the cause (placeholders in angle brackets). */
export const COLLECT = {
  containerLog: {
    get what() {
      return l10n.t("The scoring container's log from its start (the inference server's output)");
    },
    command: 'az ml online-deployment get-logs --name <deployment> --endpoint-name <endpoint> --lines 1000',
  },
  localLog: {
    get what() {
      return l10n.t('The log of a local container');
    },
    command: 'docker logs <container>',
  },
  v1Log: {
    get what() {
      return l10n.t('The container log of an SDK v1 web service (ACI / AKS)');
    },
    command: 'print(service.get_logs())',
  },
  storageInitializer: {
    get what() {
      return l10n.t('The model download log (the storage initializer container)');
    },
    command: 'az ml online-deployment get-logs --name <deployment> --endpoint-name <endpoint> --container storage-initializer',
  },
  buildLog: {
    get what() {
      return l10n.t("The environment image's build log, read from its end (the failing step is the last one)");
    },
    command: 'Azure ML studio: Endpoints > <endpoint> > <deployment> > Logs (image build); SDK v1: azureml-logs/20_image_build_log.txt',
  },
  deployment: {
    get what() {
      return l10n.t('The deployment state and its error details');
    },
    command: 'az ml online-deployment show --name <deployment> --endpoint-name <endpoint>',
  },
  events: {
    get what() {
      return l10n.t("The replica's Kubernetes events (scheduling, image pull, model download)");
    },
    command: 'kubectl describe pod <pod> -n <namespace>  (Kubernetes online endpoints)',
  },
} satisfies Record<string, CollectStep>;

/** Signatures fired by the classifier's state machine rather than by a single line. */
export const DETECTED = {
  workerKilled: 'oom-worker-killed',
  rebootLoop: 'oom-worker-reboot-loop',
  initNotCompleted: 'init-not-completed',
  mlflowBootFailure: 'mlflow-environment-mismatch',
  workerTimeoutKill: 'timeout-worker-killed',
} as const;

export const SIGNATURES: Signature[] = [
  // ----- out of memory -----------------------------------------------------------------------
  {
    id: DETECTED.workerKilled,
    category: 'out_of_memory',
    get title() {
      return l10n.t('A scoring worker was killed with SIGKILL (out of memory)');
    },
    keywords: [],
    patterns: [],
    weight: 80,
    get explanation() {
      return l10n.t('The kernel killed a gunicorn worker with signal 9 while it was not timing out: the container ran out of memory (its memory limit is smaller than what init() or run() allocates). gunicorn then boots a new worker, which is killed again.');
    },
    get fix() {
      return [
        l10n.t('Raise the memory of the deployment (memory_gb / instance type; for a local container, docker run --memory).'),
        l10n.t('Load the model once in init() and avoid copies of large arrays; check the model size against the limit.'),
        l10n.t('Reproduce locally with the same --memory limit and watch `docker stats`.'),
      ];
    },
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: DETECTED.rebootLoop,
    category: 'out_of_memory',
    get title() {
      return l10n.t('Scoring workers are re-booting in a loop');
    },
    keywords: [],
    patterns: [],
    weight: 60,
    get explanation() {
      return l10n.t('gunicorn keeps booting new workers ("Booting worker with pid: N" again and again in a short time) because the previous ones die. With no exception in the log, the usual cause is the container running out of memory.');
    },
    get fix() {
      return [
        l10n.t('Raise memory_gb (or the instance type / docker --memory limit).'),
        l10n.t('Check the model size and what init() allocates.'),
        l10n.t('Run the image locally and watch `docker stats` while it starts.'),
      ];
    },
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'oom-killed',
    category: 'out_of_memory',
    get title() {
      return l10n.t('The process ran out of memory');
    },
    keywords: ['oomkill', 'oom-kill', 'oom kill', 'oom_kill', 'out of memory', '137', 'memory limit', 'killed', 'memory usage'],
    patterns: [
      /\bOOM ?Kill(?:ed|er)?\b|\boom[-_]kill/i,
      /\bout of memory\b/i,
      /exit(?:ed)?[ _]?(?:code|status)\W{0,4}137\b/i,
      /exceed(?:ed|s)? (?:its |the )?memory limit/i,
      /^\s*Killed\s*$/,
      /killed (?:due to|because of) (?:high )?memory/i,
      /memory usage (?:exceeded|over)/i,
    ],
    unless: [/Perhaps out of memory\?/],
    weight: 90,
    confidence: 0.85,
    get explanation() {
      return l10n.t('The container or the scoring process ran out of memory (OOMKilled, exit code 137, killed by the kernel). The model or the data it handles does not fit in the memory the deployment has.');
    },
    get fix() {
      return [
        l10n.t('Raise memory_gb / pick a larger instance type (locally: docker run --memory, or Docker Desktop resources).'),
        l10n.t('Reduce what is loaded: a smaller model, lazy loading, smaller batches in run().'),
      ];
    },
    docs: `${V1}#http-status-code-502`,
  },

  // ----- init() failures -----------------------------------------------------------------------
  {
    id: 'init-crashloop',
    category: 'init_exception',
    get title() {
      return l10n.t('The container crashed at start-up (CrashLoopBackOff)');
    },
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
    confidence: 0.5,
    phase: 'init',
    collect: [COLLECT.containerLog, COLLECT.v1Log],
    get explanation() {
      return l10n.t('The container crashed right after starting and Kubernetes/ACI keeps restarting it. This almost always means init() in the entry script raised (or the entry script could not be imported).');
    },
    get fix() {
      return [
        l10n.t('Get the container log (service.get_logs() / az ml online-deployment get-logs) and look for the traceback.'),
        l10n.t('Run the entry script locally: call init() in a Python shell with the same environment.'),
      ];
    },
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: 'init-worker-boot-failure',
    category: 'init_exception',
    get title() {
      return l10n.t('The scoring worker failed to boot');
    },
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
    get explanation() {
      return l10n.t('gunicorn could not start a scoring worker: importing the entry script or running init() failed, and the server gave up.');
    },
    get fix() {
      return [
        l10n.t('Look just above for the traceback (ImportError, an exception in init()).'),
        l10n.t('Run `python -c "import score; score.init()"` in the same environment.'),
      ];
    },
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: 'init-resource-not-ready',
    category: 'init_exception',
    get title() {
      return l10n.t('The container never became healthy (ResourceNotReady / liveness probe failed)');
    },
    keywords: ['resourcenotready', 'probe failed', 'crashed or terminated'],
    patterns: [/ResourceNotReady/i, /(?:Liveness|Readiness) probe failed/i, /User container has crashed or terminated/i],
    weight: 55,
    get explanation() {
      return l10n.t('The scoring container started but never answered its health probe, so the deployment was declared not ready. The server inside usually failed while loading the entry script or running init().');
    },
    get fix() {
      return [
        l10n.t('Read the container log for the exception raised at start-up.'),
        l10n.t('If init() is just slow (large model), raise the probe\'s initial_delay / timeout in the deployment.'),
      ];
    },
    docs: `${V2}#error-resourcenotready`,
  },
  {
    id: DETECTED.initNotCompleted,
    category: 'init_exception',
    get title() {
      return l10n.t('init() started but never completed');
    },
    keywords: [],
    patterns: [],
    weight: 15,
    get explanation() {
      return l10n.t('The server invoked the entry script\'s init() and the log ends before init() reported success: init() crashed the worker, hung, or is still running.');
    },
    get fix() {
      return [
        l10n.t('Get the rest of the log (get_logs with more lines) to see the exception.'),
        l10n.t('Run init() locally to reproduce.'),
      ];
    },
    docs: `${V1}#service-launch-fails`,
  },

  // ----- missing dependency vs. entry script not in the image --------------------------------------
  {
    id: 'entry-script-not-found',
    category: 'entry_script_not_found',
    get title() {
      return l10n.t('The entry script is not in the container');
    },
    keywords: ['entry script', 'scoring script', 'entry_script', 'scoring_script'],
    patterns: [seq(/(?:scoring|entry)[ _]script\b/i, /not found|does not exist|doesn'?t exist|could not be found/)],
    weight: 95,
    confidence: 0.8,
    get explanation() {
      return l10n.t('The server could not import the entry script itself: the file was never copied into the container (wrong code path / scoring_script / source_directory), or its name does not match. This is not a missing pip package.');
    },
    get fix() {
      return [
        l10n.t('Check code_configuration.code (or source_directory) and scoring_script: the path is relative to that folder.'),
        l10n.t('Look inside the container: docker exec <id> ls /var/azureml-app.'),
        l10n.t('Make sure the file ends in .py and the module name matches (score.py -> "score").'),
      ];
    },
    docs: `${V2}#error-resourcenotready`,
  },
  {
    id: 'server-not-installed',
    category: 'missing_dependency',
    get title() {
      return l10n.t('The inference server is not installed in the image');
    },
    keywords: ['not found'],
    patterns: [seq(/\b(?:azmlinfsrv|gunicorn|flask)\b/i, /command not found|: not found/)],
    weight: 85,
    confidence: 0.8,
    phase: 'server_start',
    get explanation() {
      return l10n.t('The container could not start the scoring server: its command is not in the image. The environment lacks azureml-inference-server-http (or azureml-defaults), which the Azure ML images start.');
    },
    get fix() {
      return [
        l10n.t('Add azureml-inference-server-http (or azureml-defaults) to the environment\'s conda.yml / requirements and rebuild.'),
        l10n.t('Or use an Azure ML inference base image that has it.'),
      ];
    },
    docs: `${V1}#service-launch-fails`,
  },
  {
    id: DETECTED.mlflowBootFailure,
    category: 'missing_dependency',
    get title() {
      return l10n.t('The MLflow model\'s environment does not load');
    },
    keywords: [],
    patterns: [],
    weight: 50,
    get explanation() {
      return l10n.t('This is a no-code MLflow deployment: the scoring script is generated, so a worker that fails to boot almost always means the model\'s environment (its conda.yaml / requirements) lacks a package or pins incompatible versions.');
    },
    get fix() {
      return [
        l10n.t('Check the model\'s conda.yaml against the packages the generated script imports (azureml-inference-server-http, mlflow).'),
        l10n.t('Pin versions that are binary-compatible (numpy, pandas, scikit-learn).'),
      ];
    },
    docs: `${V1}#service-launch-fails`,
  },

  // ----- scheduling / GPU ----------------------------------------------------------------------------
  {
    id: 'gpu-unavailable',
    category: 'gpu_unavailable',
    get title() {
      return l10n.t('No GPU is available to the container');
    },
    keywords: ['nvidia', 'cuda', 'gpu'],
    patterns: [
      /Insufficient nvidia\.com\/gpu/i,
      seq(/cuInit\b/i, /fail|error/),
      seq(/Unable to use|cannot run|failed to run|couldn'?t communicate with/i, /nvidia-smi/),
      /NVIDIA-SMI has failed/i,
      /nvidia-smi: (?:not found|command not found)/i,
      seq(/could not select device driver /i, / capabilities: \[\[gpu\]\]/),
      /(?:no|zero) GPUs? (?:available|found|detected)|GPU (?:is )?not (?:available|found|detected)/i,
      /torch\.cuda\.is_available\(\)(?:[\s=>:-]{0,6}|\s(?:is|returns?)\s)False/i,
    ],
    unless: [/CUDA out of memory/i],
    weight: 88,
    get explanation() {
      return l10n.t('The deployment needs a GPU but none is available: no node in the cluster has a free nvidia.com/gpu, or the container (e.g. local Docker) was started without GPU access / NVIDIA runtime.');
    },
    get fix() {
      return [
        l10n.t('On AKS: add a GPU node pool (or free one), or request fewer GPUs (gpu_cores).'),
        l10n.t('Locally: install the NVIDIA container toolkit and run with --gpus all; Docker Desktop needs WSL2 GPU support.'),
        l10n.t('If you do not need a GPU, deploy a CPU build of the model / runtime.'),
      ];
    },
    docs: `${V1}#container-cannot-be-scheduled`,
  },
  {
    id: 'scheduling-no-resources',
    category: 'scheduling_no_resources',
    get title() {
      return l10n.t('The cluster has no node with enough free CPU/memory for a replica');
    },
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
    get explanation() {
      return l10n.t('Kubernetes could not place a replica: no node has the CPU, memory or device (GPU, FPGA) the deployment requests once system pods are counted. After 5 minutes Azure ML gives up.');
    },
    get fix() {
      return [
        l10n.t('Add nodes or use a larger VM size for the cluster.'),
        l10n.t('Lower cpu_cores / memory_gb / replica count of the deployment.'),
        l10n.t('Check node selectors / instance types that restrict where replicas may run.'),
      ];
    },
    docs: `${V1}#container-cannot-be-scheduled`,
  },

  // ----- requests: 502 / 503 / 504 / 408 / 424 / 429 -------------------------------------------------
  {
    id: 'run-function-failed',
    category: 'run_exception_502',
    get title() {
      return l10n.t('run() raised while scoring a request (502)');
    },
    keywords: ['run-function-failed', 'run function failed', 'run()', 'in run'],
    patterns: [
      /X-Ms-Run-Function-Failed\W{0,6}True/i,
      /Run function failed/i,
      /\brun\(\) (?:got an unexpected|missing \d+ required|takes \d+)/,
      /(?:Encountered|Caught|Unhandled) Exception (?:in|while|during)(?: calling| running)?(?: the)?(?: user'?s?)? run\b/i,
    ],
    phase: 'run',
    confidence: 0.85,
    weight: 80,
    get explanation() {
      return l10n.t('run() raised an exception for the request: the server returns 502 with X-Ms-Run-Function-Failed: True (424 on managed endpoints) and, in debug mode, the exception text.');
    },
    get fix() {
      return [
        l10n.t('Make run() accept the payload you send (argument names, JSON shape, dtypes).'),
        l10n.t('Catch and log the exception in run(); test with the same request locally.'),
      ];
    },
    docs: `${V1}#function-fails-runinput_data`,
  },
  {
    id: 'model-error-424',
    category: 'model_error_424',
    get title() {
      return l10n.t('The scoring container answered with an error (424 Model Error)');
    },
    keywords: ['424', 'failed dependency', 'model error'],
    patterns: [seq(/\b424\b/i, /Model Error|Failed Dependency/), /\bFailed Dependency\b/i, /ms-azureml-model-error-statuscode/i],
    weight: 64,
    confidence: 0.6,
    phase: 'request',
    get explanation() {
      return l10n.t('A managed online endpoint answers 424 when the scoring container itself answered with an error (or did not answer): the container\'s own status is in the ms-azureml-model-error-statuscode header. 500/502 there means run() raised; 404 means the container does not serve the requested path.');
    },
    get fix() {
      return [
        l10n.t('Read the container log at the time of the request: the exception of run() is there.'),
        l10n.t('Check the ms-azureml-model-error-statuscode / -reason headers of the answer.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
    collect: [COLLECT.containerLog],
  },
  {
    id: 'http-502',
    category: 'run_exception_502',
    get title() {
      return l10n.t('The scoring server answered 502 Bad Gateway');
    },
    keywords: ['502', 'bad gateway'],
    patterns: [/(?:Response|status) ?code\W{0,4}502\b/i, /\b502 Bad Gateway\b/i, /\bHTTP(?:\/[\d.]+)? 502\b/i, seq(/\b502\b/i, /\b(?:error|failed)\b/)],
    unless: [/probe failed/i],
    weight: 50,
    get explanation() {
      return l10n.t('The endpoint answered 502: usually run() raised an exception, or the worker crashed while handling the request.');
    },
    get fix() {
      return [
        l10n.t('Look in the container log for the exception raised by run().'),
        l10n.t('Reproduce locally with the same request body.'),
      ];
    },
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'replica-dropped-connection',
    category: 'other',
    get title() {
      return l10n.t('The replica closed the connection before replying');
    },
    keywords: ['closed connection', 'before replying'],
    patterns: [/Replica closed connection before replying/i, /upstream (?:prematurely )?closed connection/i],
    weight: 72,
    get explanation() {
      return l10n.t('The scoring replica dropped the connection without an answer: the worker crashed or restarted mid-request (often memory), or was killed by a timeout. It is not an exception returned by run().');
    },
    get fix() {
      return [
        l10n.t('Check the container log around the time of the request for restarts (Booting worker), signal 9 or timeouts.'),
        l10n.t('Watch memory use of the replica under load.'),
      ];
    },
    docs: `${V1}#http-status-code-502`,
  },
  {
    id: 'overload-503',
    category: 'overload_503',
    get title() {
      return l10n.t('The service is overloaded or unavailable (503)');
    },
    keywords: ['overloaded', '503', 'service unavailable'],
    patterns: [
      /\(overloaded\)|\boverloaded\b/i,
      /(?:Response|status) ?code\W{0,4}503\b/i,
      /\b503 Service Unavailable\b|\bService Unavailable\b/i,
      /\bHTTP(?:\/[\d.]+)? 503\b/i,
      seq(/\b503\b/i, /\b(?:error|errors|response)\b/),
    ],
    weight: 60,
    confidence: 0.65,
    phase: 'request',
    get explanation() {
      return l10n.t('The endpoint answered 503: requests arrive faster than the replicas can serve them and autoscaling could not keep up, or no replica was ready. (Some subscriptions also limit the number of requests.)');
    },
    get fix() {
      return [
        l10n.t('Raise min replicas / instance count, or lower the autoscale target utilisation (scale earlier).'),
        l10n.t('Retry with back-off on the client; send requests at a steadier rate.'),
        l10n.t('If the replicas are idle, check the deployment state and the subscription\'s limits.'),
      ];
    },
    docs: `${V1}#http-status-code-503`,
    collect: [COLLECT.deployment],
  },
  {
    id: 'too-many-requests-429',
    category: 'too_many_requests_429',
    get title() {
      return l10n.t('Too many requests at once (429)');
    },
    keywords: ['too many', '429'],
    patterns: [
      /Too many (?:pending )?requests/i,
      /(?:Response|status) ?code\W{0,4}429\b/i,
      /\bHTTP(?:\/[\d.]+)? 429\b/i,
      seq(/\b429\b/i, /\b(?:error|errors|response|too many)\b/),
    ],
    unless: [/\boverloaded\b/i],
    weight: 61,
    confidence: 0.7,
    phase: 'request',
    get explanation() {
      return l10n.t('The endpoint answered 429: more requests were in flight than the deployment accepts (max_concurrent_requests_per_instance x instances on managed endpoints), or the client exceeded a rate limit.');
    },
    get fix() {
      return [
        l10n.t('Raise instance_count (or autoscale), or max_concurrent_requests_per_instance if run() handles parallel requests.'),
        l10n.t('Retry with back-off on the client, honouring Retry-After.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
  },
  {
    id: 'no-ready-replicas',
    category: 'other',
    get title() {
      return l10n.t('No replica of the service is ready');
    },
    keywords: ['ready replicas', 'no replicas'],
    patterns: [/No (?:ready )?replicas? (?:for|available)/i],
    weight: 55,
    get explanation() {
      return l10n.t('The router had no ready replica to send the request to: replicas are still starting, crashing at start-up, or the platform is having trouble.');
    },
    get fix() {
      return [
        l10n.t('Check the deployment state and container log (are replicas restarting?).'),
        l10n.t('If the replicas are healthy, retry later or contact support: it can be a platform problem.'),
      ];
    },
    docs: `${V1}#http-status-code-503`,
  },
  {
    id: DETECTED.workerTimeoutKill,
    category: 'timeout_504',
    get title() {
      return l10n.t('A scoring worker timed out and was killed');
    },
    keywords: ['worker timeout', 'worker timed out', 'timed out, killing'],
    patterns: [/WORKER TIMEOUT\b/, /worker timed out/i, /timed out, killing/i],
    unless: [/timeout is set to|Timeout \(seconds\)/i],
    weight: 70,
    get explanation() {
      return l10n.t('A request took longer than the worker timeout, so gunicorn killed the worker and the client got 504 or a reset connection. run() is too slow for the configured timeout.');
    },
    get fix() {
      return [
        l10n.t('Make run() faster (load the model in init(), batch smaller inputs).'),
        l10n.t('Raise request_timeout_ms (managed endpoints, default 5 s) or scoring_timeout_ms / the worker timeout.'),
      ];
    },
    docs: `${V1}#http-status-code-504`,
  },
  {
    id: 'request-timeout-408',
    category: 'request_timeout_408',
    get title() {
      return l10n.t('The request took longer than the endpoint allows (408)');
    },
    keywords: ['408', 'upstream request timeout'],
    patterns: [/(?:Response|status) ?code\W{0,4}408\b/i, /\bHTTP(?:\/[\d.]+)? 408\b/i, seq(/\b408\b/i, /time-?out/), /upstream request timeout/i],
    weight: 63,
    confidence: 0.8,
    phase: 'request',
    get explanation() {
      return l10n.t('The endpoint answered 408: run() did not answer within request_timeout_ms (managed online endpoints, 5 s by default), even if the container later logs the request as handled.');
    },
    get fix() {
      return [
        l10n.t('Raise request_settings.request_timeout_ms of the deployment (up to 180000).'),
        l10n.t('Make run() faster: load the model in init(), not per request; send smaller batches.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
  },
  {
    id: 'timeout-504',
    category: 'timeout_504',
    get title() {
      return l10n.t('The request timed out (504)');
    },
    keywords: ['504', 'timeout', 'timed out', 'time-out', 'gateway time'],
    patterns: [
      seq(/\b504\b/i, /Gateway|Time-?out/),
      /(?:Response|status) ?code\W{0,4}504\b/i,
      /\bHTTP(?:\/[\d.]+)? 504\b/i,
      /Client\.Timeout exceeded/i,
      /(?:request|scoring) (?:timed out|timeout)/i,
      /(?:Read|Connection) timed out/i,
      /Gateway Time-?out/i,
    ],
    unless: [/timeout is set to/i, /Timeout\(sec\)/i, /upstream request timeout/i],
    weight: 62,
    phase: 'request',
    get explanation() {
      return l10n.t('The scoring request took longer than the endpoint allows (about 1 minute on ACI/AKS, request_timeout_ms on managed endpoints, 5 s by default), so the front end gave up.');
    },
    get fix() {
      return [
        l10n.t('Make run() faster: load the model in init(), not per request; send smaller batches.'),
        l10n.t('Raise request_timeout_ms (managed online endpoints) or scoring_timeout_ms (AKS).'),
      ];
    },
    docs: `${V1}#http-status-code-504`,
  },
  {
    id: 'control-plane-error',
    category: 'control_plane',
    get title() {
      return l10n.t('The Azure ML control plane or CLI failed (not the scoring container)');
    },
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
    get explanation() {
      return l10n.t('The error came from the deployment tooling (the az ml CLI extension or the Model Management Service), not from your container: your scoring code never ran.');
    },
    get fix() {
      return [
        l10n.t('Install/upgrade the az ml CLI extension on the agent (az extension add -n ml).'),
        l10n.t('Retry the deployment; check Azure status if the service keeps answering 5xx.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
  },
  {
    id: 'arm-request-rejected',
    category: 'control_plane',
    get title() {
      return l10n.t('Azure ML rejected the deployment request');
    },
    keywords: ['badargument', 'badrequest', 'resourcenotfound', 'invalidparameter', 'validationerror', 'operationcanceled', 'conflict'],
    patterns: [/\((?:BadArgument|BadRequest|ResourceNotFound|InvalidParameter|ValidationError|OperationCanceled|Conflict)\)|\b(?:BadArgument|ResourceNotFound|OperationCanceled)\b/],
    weight: 40,
    confidence: 0.55,
    phase: 'control_plane',
    get explanation() {
      return l10n.t('The request to create or update the deployment was refused before anything ran: a value of the deployment or endpoint definition is invalid, something it names (model, environment, endpoint, compute) does not exist or cannot be seen, or another operation on the same endpoint is in progress.');
    },
    get fix() {
      return [
        l10n.t('Read the message after the code: it names the setting or the resource.'),
        l10n.t('Check the names and versions in the deployment YAML (model, environment, endpoint) and that they are in the same workspace.'),
        l10n.t('Wait for other operations on the endpoint to finish before retrying.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
    collect: [COLLECT.deployment],
  },
  {
    id: 'service-internal-error',
    category: 'control_plane',
    get title() {
      return l10n.t('Azure ML answered an internal server error');
    },
    keywords: ['internalservererror', 'serviceerror', 'internal server error', 'received 500'],
    patterns: [/\bInternalServerError\b/, /"code":\s*"ServiceError"/, /Received 500 from a service request/i, /\b500 Internal Server Error\b/i],
    weight: 45,
    get explanation() {
      return l10n.t('The Azure ML service itself failed (500): usually a platform problem, not your scoring code.');
    },
    get fix() {
      return [
        l10n.t('Retry; if it persists, open a support request with the correlation/request id.'),
      ];
    },
    docs: `${V2}#http-status-codes`,
  },

  // ----- image build, quota, auth, Docker ------------------------------------------------------------
  {
    id: 'image-build-failure',
    category: 'image_build_failure',
    get title() {
      return l10n.t('Building the environment image failed');
    },
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
    get explanation() {
      return l10n.t('The environment image could not be built: conda/pip could not resolve or install a package of the environment, or a Dockerfile step failed. The deployment never started a container.');
    },
    get fix() {
      return [
        l10n.t('Open the image build log (azureml-logs/20_image_build_log.txt or the ACR build log) and find the first failing step.'),
        l10n.t('Fix the conda.yml / requirements: pin versions that exist for the Python version, drop conflicting pins.'),
        l10n.t('Build the environment locally (conda env create -f conda.yml, or docker build) to iterate faster.'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'image-build-in-progress',
    category: 'image_build_failure',
    get title() {
      return l10n.t('The log is an image build log');
    },
    keywords: ['step ', 'build context', 'acb_step'],
    patterns: [/^\s*Step \d+\/\d+ : /, /Sending build context to Docker daemon/, /Executing step ID: acb_step/],
    weight: 20,
    context: true,
    get explanation() {
      return l10n.t('This log is the environment image build (Dockerfile steps). When a deployment fails here no container ran: the failure is in building the environment.');
    },
    get fix() {
      return [
        l10n.t('Scroll to the last step of the build log: the error is right after it.'),
        l10n.t('Build the environment locally (docker build / conda env create) to reproduce.'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'quota',
    category: 'quota',
    get title() {
      return l10n.t('Not enough quota for the requested VM size');
    },
    keywords: ['quota', 'usage/limit'],
    patterns: [
      /OutOfQuota|QuotaExceeded/i,
      /Not enough quota/i,
      /quota (?:exceeded|limit|is not enough)/i,
      seq(/exceed(?:s|ed|ing)? /i, /quota/),
      /Current usage\/limit/i,
    ],
    weight: 88,
    confidence: 0.9,
    phase: 'control_plane',
    get explanation() {
      return l10n.t('The subscription does not have enough quota (vCPUs of that VM family in the region, endpoints, ...) for what the deployment asks for. Managed online endpoints also reserve 20% extra vCPUs for upgrades.');
    },
    get fix() {
      return [
        l10n.t('Request a quota increase for the VM family and region (Azure portal: Usage + quotas; Azure ML studio: Quota).'),
        l10n.t('Pick a smaller instance type or fewer instances, or a region / VM family with free quota.'),
      ];
    },
    docs: `${V2}#error-outofquota`,
  },
  {
    id: 'platform-capacity',
    category: 'platform_capacity',
    get title() {
      return l10n.t('Azure has no capacity for the requested compute right now');
    },
    keywords: ['capacity', 'skunotavailable', 'currently unavailable', 'container group', 'insufficient compute', 'not enough compute', 'requested cpu', 'requested memory', 'requested resource', 'requested cores'],
    patterns: [
      /OutOfCapacity|not enough capacity|insufficient capacity|SkuNotAvailable/i,
      /(?:VM size|SKU) is (?:currently )?(?:not available|unavailable)/i,
      /container group (?:limits?|quota)/i,
      seq(/requested (?:CPU|memory|cores?|resources?)\b/i, /exceed|not available|insufficient|limit/),
      /(?:insufficient|not enough) compute(?: resources?| capacity)?\b/i,
    ],
    weight: 87,
    confidence: 0.8,
    phase: 'control_plane',
    get explanation() {
      return l10n.t('The region has no free machines of the requested size right now, or the request exceeds what the compute offers (an ACI container group\'s CPU/memory limits, a cluster without enough compute). This is capacity, not a quota you can raise.');
    },
    get fix() {
      return [
        l10n.t('Retry later, or choose another instance type / region.'),
        l10n.t('ACI: ask for at most the CPU and memory a container group allows in the region (lower cpu_cores / memory_gb).'),
        l10n.t('Kubernetes compute: add nodes or use a larger VM size.'),
      ];
    },
    docs: `${V2}#error-outofcapacity`,
  },
  {
    id: 'acr-pull-denied',
    category: 'identity_permission',
    get title() {
      return l10n.t('The deployment could not pull its image from the registry');
    },
    keywords: ['imagepull', 'errimagepull', 'acrtoken', 'acrpull', 'authentication required', 'image pull', 'pull access denied'],
    patterns: [
      /ImagePullBackOff|ErrImagePull|ImagePullFailed|Image pull failed/i,
      /ACRTokenExchange\w*|\bAcrPull\b/i,
      /unauthorized: authentication required/i,
      /pull access denied/i,
    ],
    weight: 88,
    confidence: 0.75,
    phase: 'scheduling',
    get explanation() {
      return l10n.t('Pulling the environment image from the container registry failed: the identity the deployment runs as has no AcrPull role on the registry (or the role assignment has not reached it yet: it takes a few minutes), the registry is behind a firewall or private endpoint, or the image does not exist.');
    },
    get fix() {
      return [
        l10n.t('Grant the endpoint\'s identity (system- or user-assigned) AcrPull on the workspace\'s container registry, wait a few minutes, then retry.'),
        l10n.t('With a private registry, allow the deployment\'s network path to it (managed network / private endpoint).'),
        l10n.t('Check that the image name and tag exist in the registry.'),
      ];
    },
    docs: `${V2}#error-imagepullfailed`,
    collect: [COLLECT.events],
  },
  {
    id: 'model-download-denied',
    category: 'identity_permission',
    get title() {
      return l10n.t('The model could not be downloaded from storage');
    },
    keywords: ['download failed', 'downloadfailed', 'storage-initializer', 'storage initializer', 'authorizationpermissionmismatch', 'authorizationfailure', 'blob.core'],
    patterns: [
      /Model download failed|DownloadFailed/i,
      seq(/storage[- ]initializer/i, /fail|error|denied|\b403\b/),
      /AuthorizationPermissionMismatch|AuthorizationFailure/,
      seq(/\b403\b/, /blob\.core\.windows\.net/),
    ],
    weight: 87,
    confidence: 0.7,
    phase: 'scheduling',
    get explanation() {
      return l10n.t('Downloading the model (or code) from the workspace\'s storage account failed before the container started: the identity the deployment runs as has no data role on the storage account (403), or the account\'s firewall does not let the deployment in.');
    },
    get fix() {
      return [
        l10n.t('Grant the endpoint\'s identity "Storage Blob Data Reader" on the workspace\'s storage account, wait a few minutes, then retry.'),
        l10n.t('With a firewall / private endpoint on the storage account, allow the workspace\'s managed network.'),
      ];
    },
    docs: `${V2}#authorization-error`,
    collect: [COLLECT.storageInitializer],
  },
  {
    id: 'auth-or-permission',
    category: 'identity_permission',
    get title() {
      return l10n.t('An identity lacks a role assignment (authorization failed)');
    },
    keywords: ['authoriz', 'permission', 'unauthorized', 'forbidden', 'identity', 'listsecrets', 'aadsts', 'authentication', '401', '403', 'role assignment'],
    patterns: [
      /AuthorizationFailed|does not have (?:authorization|permission)/i,
      /Identity\(object id|DeploymentIdentityError/i,
      seq(/listsecrets\b/i, /failed|status code/),
      seq(/\b(?:401|403)\b/i, /Unauthorized|Forbidden/),
      seq(/Unauthorized|Forbidden/i, /\b(?:401|403)\b/),
      /InvalidAuthenticationToken|AADSTS\d+|AuthenticationFailed/,
      seq(/UserError/i, /identity|permission|authoriz/),
      /(?:not authorized|insufficient (?:privileges|permissions))/i,
      seq(/role assignment/i, /missing|not found|takes some time|wait|required|does not exist/),
    ],
    unless: [/docker\.sock|docker daemon/i],
    weight: 87,
    confidence: 0.8,
    get explanation() {
      return l10n.t('A call was refused for lack of permission: the endpoint\'s managed identity (or your credential) has no role on what it accesses (the workspace, its storage, key vault, registry or connections), a new role assignment has not reached it yet, or the key/token used is wrong.');
    },
    get fix() {
      return [
        l10n.t('Assign the identity the role the message names (e.g. AzureML Data Scientist / Workspace Connection Secrets Reader on the workspace, AcrPull on the registry, Storage Blob Data Reader on storage) and wait a few minutes.'),
        l10n.t('For calls to the endpoint: check the key or token (az ml online-endpoint get-credentials).'),
      ];
    },
    docs: `${V2}#authorization-error`,
  },
  {
    id: 'docker-engine-unavailable',
    category: 'other',
    get title() {
      return l10n.t('The Docker engine is not running or not reachable');
    },
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
    get explanation() {
      return l10n.t('Local deployment needs a running Docker engine, and it could not be reached.');
    },
    get fix() {
      return [
        l10n.t('Start Docker (Docker Desktop, or sudo systemctl start docker) and run `docker version` to check.'),
        l10n.t('On Linux add your user to the docker group; or set DOCKER_HOST / amlDoctor.docker.host.'),
      ];
    },
    docs: `${V1}#docker-daemon-not-running`,
  },

  // ----- harmless noise -----------------------------------------------------------------------------------
  {
    id: 'noise-iot-edge',
    category: 'other',
    get title() {
      return l10n.t('IoT Edge side process not configured (harmless)');
    },
    keywords: ['edgehub', 'iotedge', 'iot-server', 'is normal', 'not restarting iot'],
    patterns: [/EdgeHubConnectionString|IOTEDGE_\w+/, /iot-server\/(?:run|finish)/, /Exit code \d+ is normal/i, /Not restarting iot-server/i],
    weight: 0,
    noise: true,
    get explanation() {
      return l10n.t('The image also contains an IoT Edge helper that exits when it is not configured. This is expected and not the cause.');
    },
    fix: [],
    docs: `${V1}#dockerlog`,
  },
  {
    id: 'noise-benign-warnings',
    category: 'other',
    get title() {
      return l10n.t('Benign start-up warning');
    },
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
    get explanation() {
      return l10n.t('A warning the Azure ML images print on every start. It does not stop the server.');
    },
    fix: [],
    docs: `${V1}#dockerlog`,
  },
];

/** A failure is in the text (an error line, a failed state, an exception) but no known cause explains it. */
export const UNRECOGNISED = {
  id: 'unrecognised',
  category: 'other',
  get title() {
    return l10n.t('A failure no known cause explains');
  },
  get explanation() {
    return l10n.t('The text reports a failure (the lines below), but none of the known Azure ML deployment failures matches it and no traceback says where it came from.');
  },
  get fix() {
    return [
      l10n.t('Read the evidence lines; collect the logs below for the part that names the cause.'),
      l10n.t('Run the entry script locally: call init() and run() with a sample request.'),
    ];
  },
  docs: V1,
} as const;

/** The honest answer for a text that holds no failure. */
export const NO_FAILURE = {
  id: 'no-failure',
  category: 'no_failure',
  get title() {
    return l10n.t('No failure in this text');
  },
  get explanation() {
    return l10n.t('Nothing in this text reports a failure: no exception, no error code, no failed state, no killed or timed-out worker. The failure is in a part of the logs that is not here.');
  },
  get fix() {
    return [
      l10n.t('Collect what is listed below, from the time of the failure, and explain it again.'),
    ];
  },
  docs: `${V2}#get-container-logs`,
} as const;

/** A build log that ends with the image built (a "no failure" answer: a neutral note in the panel). */
export const IMAGE_BUILT = {
  id: 'image-built',
  category: 'no_failure',
  get title() {
    return l10n.t('The image was built');
  },
  phase: 'build',
  get explanation() {
    return l10n.t('This is an image build log, and the build ended well: the image was built and no step failed. If the deployment still fails, the failure comes after the build: in the container\'s start-up or its requests (their logs say).');
  },
  docs: `${V2}#get-container-logs`,
} as const;

/** A build still running in a live feed, no step failed so far (a "no failure" answer: a neutral note in the panel). */
export const IMAGE_BUILDING = {
  id: 'image-building',
  category: 'no_failure',
  get title() {
    return l10n.t('The image is being built');
  },
  phase: 'build',
  get explanation() {
    return l10n.t('The environment image is being built and no step has failed so far. The panel follows the build: a step that fails is explained here at once.');
  },
  docs: `${V2}#get-container-logs`,
} as const;

export function signatureById(id: string): Signature | undefined {
  return SIGNATURES.find((s) => s.id === id);
}
