// From an exception (its type and message) and where it was raised (the phase, from the traceback's frames)
// to a cause. Exception families name the causes that do not depend on where they happen (a package that
// does not import, a missing model file, memory); the phase names the rest (any exception in run() is a
// run failure, answered 502; one raised after run() returned is an answer that cannot be serialised).
// Every pattern runs in linear time on any line (test/unit/logs/linear-patterns.test.ts).
// Texts are translated when a diagnosis is made: the families' are getters over l10n.t (as in catalogue.ts).
import * as l10n from '../common/l10n';
import { seq } from '../common/linearRegex';
import { COLLECT, DOCS } from './catalogue';
import type { Category, CollectStep, ExceptionInfo, Phase, Traceback } from './types';

/** What a structural source (a traceback, an exception line) concludes. */
export interface Diagnosis {
  id: string;
  category: Category;
  title: string;
  explanation: string;
  fix: string[];
  docs: string;
  /** Ranking among findings (phrase signatures use the same scale). */
  weight: number;
  confidence: number;
  phase?: Phase;
  /** The exception the diagnosis names (for a chain: the one that gives the cause). */
  exception?: ExceptionInfo;
  collect?: CollectStep[];
}

export interface ExceptionContext {
  /** The entry script's file name or path, when known. */
  entryScript?: string;
}

interface Family {
  id: string;
  /** Exception type names (the last component of a qualified name). */
  types?: RegExp;
  /** Messages that name this cause whatever the exception type. */
  messages: RegExp[];
  /**
   * Messages that name it even without an exception type in front (a bare `[Errno 2] ...` line); default
   * all of `messages`. Generic wordings ("out of memory") need a type: the server also says "Perhaps out of
   * memory?" about a worker it killed.
   */
  bare?: RegExp[];
  title: string;
  explanation: string;
  fix: string[];
  docs: string;
  /** The category; the file family decides from the path. */
  category: Category;
}

// Module names that are the entry script itself, not a package (score.py -> "score", SDK v2's "main").
const ENTRY_MODULE = /No module named ['"]?(main|score\w*|\w*_score|scoring\w*|entry\w*)['"]?(?=$|[\s,;)])/;
const MODEL_PATH = /azureml-models|AZUREML_MODEL_DIR|model|\.(?:pkl|pickle|joblib|onnx|pt|pth|h5|hdf5|keras|pb|pbtxt|safetensors|cbm|ckpt|sav|bin|xgb|lgb)$/i;
// A path in an exception message: quoted, or after "at".
const PATH_IN_MESSAGE = /['"]((?:[A-Za-z]:\\|\.{0,2}\/|~\/)[^'"\n]{1,1024}|[\w.-]{1,200}\.\w{1,12})['"]|\bat:? ((?:\.{0,2}\/|[A-Za-z]:\\)[^\s'"]{1,1024})/;

const FAMILIES: Family[] = [
  {
    id: 'missing-dependency',
    types: /^(?:ModuleNotFoundError|ImportError|DistributionNotFound|VersionConflict|PackageNotFoundError)$/,
    messages: [
      /No module named ['"]?[\w.]{1,200}/,
      /cannot import name /,
      /cannot open shared object file/,
      /undefined symbol: /,
      /Expected \d{1,9} from C header, got \d{1,9} from PyObject/i,
      /size changed, may indicate binary incompatibility/i,
      /numpy\.core\.\w{1,60} failed to import/i,
      /module compiled against (?:API|ABI) version/i,
      /DLL load failed/,
      /version [`']GLIBC[\w.]{0,20}' not found/,
      /The '[\w.-]{1,200}' distribution was not found/,
      /Can't get attribute '\w{1,200}' on <module/,
      /Trying to unpickle estimator \w{1,200} from version|InconsistentVersionWarning/,
    ],
    category: 'missing_dependency',
    get title() {
      return l10n.t('A Python package is missing or incompatible in the environment');
    },
    get explanation() {
      return l10n.t('Importing a Python package failed inside the container: it is not in the environment (conda.yml / requirements), or an installed version is binary-incompatible with another one or with the version the model was saved with (numpy ABI, a pickled scikit-learn model). azureml-defaults / azureml-inference-server-http must be in the environment for the inference server.');
    },
    get fix() {
      return [
        l10n.t("Add the missing package (with a pinned version) to the environment's conda.yml / requirements and rebuild."),
        l10n.t('Pin the versions the model was trained and saved with (numpy, scikit-learn, mlflow ...).'),
        l10n.t('Reproduce: docker run -it <image> python -c "import <module>".'),
      ];
    },
    docs: DOCS.serviceLaunch,
  },
  {
    id: 'oom-exception',
    types: /^(?:MemoryError|\w{0,40}OutOfMemoryError|_ArrayMemoryError|OutOfMemory\w{0,20})$/,
    messages: [/CUDA out of memory/i, /\bout of memory\b/i, /Unable to allocate [\d.]{1,12} ?[KMGTP]i?B/i, /std::bad_alloc/, /Cannot allocate memory/i],
    bare: [/CUDA out of memory/i, /Unable to allocate [\d.]{1,12} ?[KMGTP]i?B/i, /std::bad_alloc/, /Cannot allocate memory/i],
    category: 'out_of_memory',
    get title() {
      return l10n.t('The process ran out of memory');
    },
    get explanation() {
      return l10n.t('An allocation failed (MemoryError, CUDA out of memory): the model or the data it handles does not fit in the memory of the container, the GPU, or the machine running the tool.');
    },
    get fix() {
      return [
        l10n.t('Raise memory_gb / pick a larger instance type (a larger GPU for CUDA out of memory); locally: docker run --memory.'),
        l10n.t('Reduce what is loaded: a smaller model or precision, smaller batches in run().'),
      ];
    },
    docs: DOCS.http502,
  },
  {
    id: 'gpu-unavailable',
    messages: [
      /no CUDA-capable device/i,
      /CUDA driver version is insufficient/i,
      /Found no NVIDIA driver/i,
      /Torch not compiled with CUDA enabled/i,
      /CUDA_ERROR_NO_DEVICE/i,
      /\bcudaError/,
      seq(/CUDAExecutionProvider/i, /not available|fail/),
    ],
    category: 'gpu_unavailable',
    get title() {
      return l10n.t('No GPU is available to the code');
    },
    get explanation() {
      return l10n.t('The code asks for a GPU (CUDA) and the container has none: the node or instance type has no GPU, or the container was started without GPU access (locally: no --gpus / NVIDIA container toolkit).');
    },
    get fix() {
      return [
        l10n.t('Deploy on a GPU instance type / node pool; locally run with --gpus all and the NVIDIA container toolkit.'),
        l10n.t('Or load the model on the CPU (map_location="cpu", CPUExecutionProvider) when no GPU is needed.'),
      ];
    },
    docs: DOCS.scheduling,
  },
  {
    id: 'missing-function',
    messages: [/module '[\w.]{1,200}' has no attribute '(?:init|run)'/],
    category: 'missing_function',
    get title() {
      return l10n.t('The entry script has no init() or run() function');
    },
    get explanation() {
      return l10n.t('The server looked up init() or run() on the entry module and it is not there: misspelt, not at the top level (indented into another block), or another file was loaded as the entry script.');
    },
    get fix() {
      return [
        l10n.t('Define `def init():` and `def run(raw_data):` at the top level of the entry script.'),
        l10n.t('Check that scoring_script / entry_script names this file.'),
      ];
    },
    docs: DOCS.serviceLaunch,
  },
  {
    id: 'model-not-found',
    types: /^(?:FileNotFoundError|IsADirectoryError|NotADirectoryError|ModelNotFoundException|ModelNotFoundError)$/,
    messages: [
      /No such file or directory/i,
      /\[Errno 2\]/,
      /Model not found in (?:cache|root)/i,
      /\bdoes not exist\b/i,
      /Unable to open file/i,
      /(?:Could not|Couldn'?t|Unable to|Failed to|Cannot) (?:find|locate|load) (?:the )?model/i,
      seq(/get_model_path\b/i, /fail|not found|error|exception/),
      /AZUREML_MODEL_DIR/,
    ],
    bare: [
      /No such file or directory/i,
      /\[Errno 2\]/,
      /Model not found in (?:cache|root)/i,
      /\bdoes not exist\b/i,
      /Unable to open file/i,
      /(?:Could not|Couldn'?t|Unable to|Failed to|Cannot) (?:find|locate|load) (?:the )?model/i,
      seq(/get_model_path\b/i, /fail|not found|error|exception/),
    ],
    category: 'model_not_found',
    get title() {
      return l10n.t('The model could not be found (Model.get_model_path / AZUREML_MODEL_DIR)');
    },
    get explanation() {
      return l10n.t('The code looked for the model where it is not: the path built from AZUREML_MODEL_DIR does not exist (registered models keep their folder structure, often with an extra folder level), or Model.get_model_path() found no model of that name/version in the container.');
    },
    get fix() {
      return [
        l10n.t('Build the path from os.getenv("AZUREML_MODEL_DIR") and the file name you registered (print os.listdir of it in init()).'),
        l10n.t('Check the model name and version given to the deployment.'),
        l10n.t('List the folder in the container: docker exec <id> ls -R /var/azureml-app/azureml-models.'),
      ];
    },
    docs: DOCS.modelPath,
  },
  {
    id: 'return-not-serializable',
    messages: [/is not JSON serializable/, /Out of range float values are not JSON compliant/, /Circular reference detected/],
    category: 'return_not_serializable',
    get title() {
      return l10n.t('run() returned a value the server cannot turn into JSON');
    },
    get explanation() {
      return l10n.t('run() returned, and the server failed while serialising its answer: the value holds something JSON does not know (a numpy array or number, a DataFrame, bytes, NaN). The client gets 500/502 although run() itself did not raise.');
    },
    get fix() {
      return [
        l10n.t('Return plain Python types: result.tolist(), float(x), df.to_dict(orient="records").'),
        l10n.t('Or return an AMLResponse with a JSON string you built yourself.'),
      ];
    },
    docs: DOCS.run,
  },
  {
    id: 'storage-permission',
    types: /^(?:ClientAuthenticationError)$/,
    messages: [/AuthorizationPermissionMismatch|AuthorizationFailure/, /not authorized to perform this operation/i, seq(/\b403\b/, /blob\.core|storage|Forbidden/i)],
    category: 'identity_permission',
    get title() {
      return l10n.t('The identity was refused by storage (403) while reading the model or data');
    },
    get explanation() {
      return l10n.t('A storage account answered 403: the identity the deployment runs as (its managed identity) has no data role on the account, or the account\'s firewall does not let the deployment in.');
    },
    get fix() {
      return [
        l10n.t('Grant the endpoint\'s identity "Storage Blob Data Reader" on the storage account (role assignments take a few minutes to apply).'),
        l10n.t('With a firewall / private endpoint on the account, allow the workspace\'s managed network or use a private endpoint.'),
      ];
    },
    docs: DOCS.identity,
  },
];

/** Exported for the linear-time test. */
export const EXCEPTION_PATTERNS: readonly RegExp[] = [ENTRY_MODULE, MODEL_PATH, PATH_IN_MESSAGE, ...FAMILIES.flatMap((f) => [...(f.types ? [f.types] : []), ...f.messages, ...(f.bare ?? [])])];

/** A family's title with where the exception was raised, e.g. "... (in init())"; the title alone for other phases. */
function withPhase(title: string, phase: Phase | undefined): string {
  switch (phase) {
    case 'import':
      return l10n.t('{0} (while importing the entry script)', title);
    case 'init':
      return l10n.t('{0} (in init())', title);
    case 'run':
      return l10n.t('{0} (in run())', title);
    case 'response':
      return l10n.t('{0} (after run() returned)', title);
    case 'server_start':
      return l10n.t('{0} (while the inference server started)', title);
    case 'build':
      return l10n.t('{0} (while building the image)', title);
    case 'client':
      return l10n.t('{0} (reported by the SDK or CLI)', title);
    default:
      return title;
  }
}

function lastName(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function baseName(p: string): string {
  const s = p.replace(/\\/g, '/');
  return s.slice(s.lastIndexOf('/') + 1);
}

/** The family of an exception, or undefined for an exception that says nothing by itself (ValueError...). */
function familyOf(e: ExceptionInfo): Family | undefined {
  if (!e.type) return FAMILIES.find((f) => (f.bare ?? f.messages).some((m) => m.test(e.message)));
  const name = lastName(e.type);
  const text = `${e.type}: ${e.message}`;
  // Dependencies first: an OSError about a shared object is a package, not a missing file.
  for (const f of FAMILIES) if (f.messages.some((m) => m.test(text))) return f;
  for (const f of FAMILIES) if (f.types?.test(name)) return f;
  return undefined;
}

/** True when the module that does not import is the entry script itself. */
function isEntryModule(e: ExceptionInfo, ctx: ExceptionContext): boolean {
  const m = ENTRY_MODULE.exec(e.message);
  if (m) return true;
  if (!ctx.entryScript) return false;
  const mod = baseName(ctx.entryScript).replace(/\.py$/, '');
  return new RegExp(`No module named ['"]?${mod.replace(/[^\w]/g, '\\$&')}['"]?(?=$|[\\s,;)])`).test(e.message);
}

function pathIn(message: string): string | undefined {
  const m = PATH_IN_MESSAGE.exec(message);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** What a diagnosis says, whatever the occurrence: its texts are getters over l10n.t. */
type Cause = Pick<Diagnosis, 'id' | 'category' | 'title' | 'explanation' | 'fix' | 'docs'>;

/**
 * One occurrence's diagnosis. Its texts are getters over the cause's: a log can name an exception on every line,
 * and the texts are translated only for the diagnoses shown, when they are shown (LogClassifier.explain()).
 */
function diagnosis(
  cause: Cause,
  fields: Pick<Diagnosis, 'weight' | 'confidence' | 'phase' | 'exception' | 'collect'>,
  title: () => string = () => cause.title,
): Diagnosis {
  const out: Diagnosis = {
    id: cause.id,
    category: cause.category,
    docs: cause.docs,
    weight: fields.weight,
    confidence: fields.confidence,
    get title() {
      return title();
    },
    get explanation() {
      return cause.explanation;
    },
    get fix() {
      return cause.fix;
    },
  };
  if (fields.phase) out.phase = fields.phase;
  if (fields.exception) out.exception = fields.exception;
  if (fields.collect) out.collect = fields.collect;
  return out;
}

const ENTRY_MISSING: Cause = {
  id: 'entry-script-not-found',
  category: 'entry_script_not_found',
  get title() {
    return l10n.t('The entry script is not in the container');
  },
  get explanation() {
    return l10n.t('The server could not load the entry script itself: the file was never copied into the container (wrong code path / scoring_script / source_directory), or its name does not match. This is not a missing pip package.');
  },
  get fix() {
    return [
      l10n.t('Check code_configuration.code (or source_directory) and scoring_script: the path is relative to that folder.'),
      l10n.t('Look inside the container: docker exec <id> ls /var/azureml-app.'),
      l10n.t('Make sure the file ends in .py and the module name matches (score.py -> "score").'),
    ];
  },
  docs: DOCS.resourceNotReady,
};

/** The cause an exception names by its family, given where it was raised. */
function byFamily(e: ExceptionInfo, phase: Phase | undefined, ctx: ExceptionContext, userRun: boolean): Cause | undefined {
  const f = familyOf(e);
  if (!f) return undefined;
  if (f.id === 'missing-dependency' && isEntryModule(e, ctx)) return ENTRY_MISSING;
  if (f.id === 'model-not-found') {
    const p = pathIn(e.message);
    const entryName = ctx.entryScript ? baseName(ctx.entryScript) : undefined;
    if (p && (entryName ? baseName(p) === entryName : /(?:^|[\\/])score[\w-]*\.py$/.test(p))) return ENTRY_MISSING;
    const modelish = MODEL_PATH.test(p ?? '') || /Model not found|model/i.test(e.message) || /^Model/.test(lastName(e.type));
    if (!modelish) return undefined;
  }
  if (f.id === 'return-not-serializable' && (phase === 'run' || userRun)) return undefined;
  return f;
}

/** Generic exceptions, by where they were raised. */
const PHASE_CAUSES: Partial<Record<Phase, Cause>> = {
  import: {
    id: 'entry-import-exception',
    category: 'init_exception',
    get title() {
      return l10n.t('The entry script raised while it was imported');
    },
    get explanation() {
      return l10n.t('Importing the entry script (its code at module level, before init()) raised, so the worker never started and the container restarts (CrashLoopBackOff). The last frame in your code shows where.');
    },
    get fix() {
      return [
        l10n.t('Open the frame shown under Where and fix the module-level code; move model loading into init().'),
        l10n.t('Reproduce: python -c "import score" in the same environment.'),
      ];
    },
    docs: DOCS.serviceLaunch,
  },
  init: {
    id: 'init-exception-traceback',
    category: 'init_exception',
    get title() {
      return l10n.t('init() raised an exception');
    },
    get explanation() {
      return l10n.t("The entry script's init() raised, so the worker never became ready and the container restarts (CrashLoopBackOff). The last frame in your code shows where.");
    },
    get fix() {
      return [
        l10n.t('Open the frame shown under Where and fix the error in init(); run init() locally first (python -c "import score; score.init()").'),
        l10n.t('Check the paths init() reads: the model is under AZUREML_MODEL_DIR.'),
      ];
    },
    docs: DOCS.serviceLaunch,
  },
  run: {
    id: 'run-exception-traceback',
    category: 'run_exception_502',
    get title() {
      return l10n.t('run() raised an exception');
    },
    get explanation() {
      return l10n.t("The entry script's run() raised while handling a request; the server answers 502 (or 500) to the client.");
    },
    get fix() {
      return [l10n.t('Open the frame shown under Where and handle the error; validate the input in run().'), l10n.t('Send the failing request body locally to reproduce.')];
    },
    docs: DOCS.run,
  },
  response: FAMILIES.find((x) => x.id === 'return-not-serializable')!,
  server_start: {
    id: 'server-start-failure',
    category: 'missing_dependency',
    get title() {
      return l10n.t("The inference server's own code failed to import");
    },
    get explanation() {
      return l10n.t(
        'The inference server failed while importing its own modules and libraries, before your entry script was loaded: a package of the environment is missing or has a version the server does not work with (for example Flask or one of its dependencies).',
      );
    },
    get fix() {
      return [
        l10n.t('Pin the inference server and its web stack to versions that work together (azureml-inference-server-http or azureml-defaults, flask, itsdangerous, werkzeug).'),
        l10n.t('Reproduce: docker run -it <image> python -c "import azureml_inference_server_http" (or start azmlinfsrv).'),
      ];
    },
    docs: DOCS.serviceLaunch,
  },
  build: {
    id: 'image-build-exception',
    category: 'image_build_failure',
    get title() {
      return l10n.t('Building the environment image failed');
    },
    get explanation() {
      return l10n.t('A step of the environment image build raised (conda or pip): the deployment never started a container.');
    },
    get fix() {
      return [l10n.t('Read the image build log from its end: the first conda/pip error names the package.'), l10n.t('Build the environment locally (conda env create -f conda.yml) to iterate faster.')];
    },
    docs: DOCS.imageBuild,
  },
};

/** A generic exception, by where it was raised. */
function byPhase(phase: Phase | undefined): Cause | undefined {
  return phase ? PHASE_CAUSES[phase] : undefined;
}

/**
 * An exception that names no known cause: in a traceback whose frames say nothing about the deployment (client
 * code, a library alone), or on a line whose place is unknown.
 */
function unexplained(type: string, inTraceback: boolean): Cause {
  return {
    id: 'unexplained-exception',
    category: 'other',
    get title() {
      return l10n.t('An exception was raised ({0})', lastName(type));
    },
    get explanation() {
      return inTraceback
        ? l10n.t('A Python exception is in the log, but neither its type nor where it was raised name a deployment failure.')
        : l10n.t('A Python exception is in the text, but neither its type nor anything around it tells which part of the deployment raised it.');
    },
    get fix() {
      return [inTraceback ? l10n.t('Read the exception message and the frames around it.') : l10n.t('Read the exception message; find its traceback in the full log to see where it was raised.')];
    },
    docs: DOCS.v1,
  };
}

const REST_OF_TRACEBACK: CollectStep = {
  get what() {
    return l10n.t('The rest of this traceback: the log is cut before the exception line');
  },
  command: COLLECT.containerLog.command,
};

/** The exceptions of a chain, the earliest first (a cause before what it caused). */
function chainOf(tb: Traceback): Traceback[] {
  const out: Traceback[] = [];
  for (let t: Traceback | undefined = tb; t && out.length < 16; t = t.chained?.traceback) out.unshift(t);
  return out;
}

/** What a traceback (with its chain) says. */
export function diagnoseTraceback(tb: Traceback, ctx: ExceptionContext): Diagnosis | undefined {
  const chain = chainOf(tb);
  const phase = tb.phase ?? [...chain].reverse().find((t) => t.phase)?.phase;
  // The family of the earliest exception that has one names the cause (a FileNotFoundError in init()
  // re-raised as a RuntimeError is still a missing file); where that one was raised decides between causes.
  for (const t of chain) {
    if (!t.exception) continue;
    const userRun = t.frames.some((f) => (f.origin === 'entry' || f.origin === 'user') && f.function === 'run');
    const d = byFamily(t.exception, t.phase ?? phase, ctx, userRun);
    if (!d) continue;
    const client = phase === 'client';
    return diagnosis(
      d,
      {
        weight: d.id === 'entry-script-not-found' ? 97 : client ? 80 : tb.truncated ? 88 : 95,
        confidence: client ? 0.7 : tb.truncated ? 0.75 : 0.9,
        phase,
        exception: t.exception,
      },
      () => withPhase(d.title, phase),
    );
  }
  const d = byPhase(phase);
  if (d) {
    // The original failure: the earliest exception of the chain (what a wrapper or a handler raised later
    // only reports it).
    const exception = chain.find((t) => t.exception)?.exception;
    const complete = exception !== undefined && !tb.truncated;
    const weight = phase === 'response' ? 90 : phase === 'server_start' ? (complete ? 78 : 62) : complete ? (phase === 'run' ? 72 : 70) : 55;
    return diagnosis(d, { weight, confidence: complete ? 0.85 : 0.55, phase, exception, collect: complete ? undefined : [REST_OF_TRACEBACK] });
  }
  if (!tb.exception) return undefined;
  return diagnosis(unexplained(tb.exception.type, true), { weight: phase === 'client' ? 8 : 20, confidence: 0.3, phase, exception: tb.exception, collect: [COLLECT.containerLog] });
}

/**
 * What an exception line outside a traceback says (`Error in entry script, ModuleNotFoundError: ...`),
 * or a bare message of a known family (`[Errno 2] No such file or directory: '.../model.pkl'`).
 */
export function diagnoseException(e: ExceptionInfo, phase: Phase | undefined, ctx: ExceptionContext): Diagnosis | undefined {
  const d = byFamily(e, phase, ctx, false);
  if (d) {
    return diagnosis(
      d,
      {
        // A bare message without its exception type is a little weaker than a typed exception line.
        weight: d.id === 'entry-script-not-found' ? 96 : e.type ? 90 : 86,
        confidence: e.type ? 0.8 : 0.7,
        phase,
        exception: e,
      },
      () => withPhase(d.title, phase),
    );
  }
  if (!e.type) return undefined;
  // A warning is not a failure (FutureWarning, DeprecationWarning... fill ML logs).
  if (/Warning$/.test(e.type)) return undefined;
  const p = byPhase(phase === 'import' || phase === 'init' || phase === 'run' ? phase : undefined);
  if (p) return diagnosis(p, { weight: 40, confidence: 0.5, phase, exception: e });
  return diagnosis(unexplained(e.type, false), { weight: 20, confidence: 0.35, exception: e, collect: [COLLECT.containerLog, COLLECT.localLog] });
}

/** A bare message of a known family, without an exception type in front (exported for the classifier). */
export function familyMessage(text: string): ExceptionInfo | undefined {
  for (const f of FAMILIES) {
    if ((f.bare ?? f.messages).some((m) => m.test(text))) return { type: '', message: text.trim().slice(0, 2000) };
  }
  return undefined;
}
