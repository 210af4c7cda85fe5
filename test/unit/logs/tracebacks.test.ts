// Diagnosis from structure (issue 11 item 1): for each exception family and each phase, a traceback written
// for this test (the frames Azure ML's inference server really has around an entry script) is explained as
// printed, and again after what logs do to tracebacks: a prefix on every line, other log lines in between,
// escaped twice inside JSON, HTML-entity-mangled, chained to another exception, and cut off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainText } from '../../../src/logs/classifier';
import { TracebackParser } from '../../../src/logs/traceback';
import type { Category, Explanation, Phase, Traceback } from '../../../src/logs/types';

type FrameSpec = [path: string, line: number, fn: string, source?: string];

const SERVER = '/azureml-envs/azureml_5f1e/lib/python3.10/site-packages/azureml_inference_server_http/server';
const LIB = '/azureml-envs/azureml_5f1e/lib/python3.10/site-packages';
const APP = '/var/azureml-app/onlinescoring';

const LOAD: FrameSpec[] = [
  [`${SERVER}/user_script.py`, 77, 'load_script', 'main_module_spec.loader.exec_module(user_module)'],
  ['<frozen importlib._bootstrap_external>', 883, 'exec_module'],
  ['<frozen importlib._bootstrap>', 241, '_call_with_frames_removed'],
];
const INIT: FrameSpec[] = [[`${SERVER}/user_script.py`, 117, 'invoke_init', 'self._user_init()']];
const RUN: FrameSpec[] = [
  [`${SERVER}/routes.py`, 129, 'score', 'run_output = g.user_script.invoke_run(request, timeout_ms=config.scoring_timeout)'],
  [`${SERVER}/user_script.py`, 132, 'invoke_run', 'run_output = self._wrapped_user_run(**run_parameters, request_headers=dict(request.headers))'],
];

interface Case {
  name: string;
  frames: FrameSpec[];
  exception: string;
  category: Category;
  phase?: Phase;
  /** The deepest frame in the entry script: [line, function]. */
  entry?: [number, string];
  /** What a cut traceback (no exception line) is explained as. */
  cut: Category;
}

const cases: Case[] = [
  {
    name: 'ModuleNotFoundError importing the entry script',
    frames: [...LOAD, [`${APP}/score.py`, 6, '<module>', 'import lightgbm as lgb']],
    exception: "ModuleNotFoundError: No module named 'lightgbm'",
    category: 'missing_dependency',
    phase: 'import',
    entry: [6, '<module>'],
    cut: 'init_exception',
  },
  {
    name: 'numpy ABI mismatch while init() loads the model',
    frames: [...INIT, [`${APP}/score.py`, 14, 'init', 'model = joblib.load(path)'], [`${LIB}/joblib/numpy_pickle.py`, 658, 'load'], [`${LIB}/sklearn/tree/_classes.py`, 12, '<module>']],
    exception: 'ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, got 88 from PyObject',
    category: 'missing_dependency',
    phase: 'init',
    entry: [14, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'unpickling a model saved with another scikit-learn',
    frames: [...INIT, [`${APP}/score.py`, 15, 'init', 'model = pickle.load(f)'], ['/usr/lib/python3.10/pickle.py', 1426, 'find_class', '__import__(module, level=0)']],
    exception: "ModuleNotFoundError: No module named 'sklearn.ensemble._gb_losses'",
    category: 'missing_dependency',
    phase: 'init',
    entry: [15, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'FileNotFoundError on the model path in init()',
    frames: [...INIT, [`${APP}/score.py`, 11, 'init', 'with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"), "rb") as f:']],
    exception: "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/azureml-models/churn/3/model.pkl'",
    category: 'model_not_found',
    phase: 'init',
    entry: [11, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'OSError from a library on a SavedModel folder',
    frames: [...INIT, [`${APP}/score.py`, 20, 'init', 'model = tf.keras.models.load_model(model_dir)'], [`${LIB}/keras/saving/save.py`, 226, 'load_model'], [`${LIB}/tensorflow/python/saved_model/loader_impl.py`, 113, 'parse_saved_model']],
    exception: 'OSError: SavedModel file does not exist at: /var/azureml-app/azureml-models/classifier/7/{saved_model.pbtxt|saved_model.pb}',
    category: 'model_not_found',
    phase: 'init',
    entry: [20, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'AZUREML_MODEL_DIR missing from the environment',
    frames: [...INIT, [`${APP}/score.py`, 9, 'init', 'base = os.environ["AZUREML_MODEL_DIR"]'], ['/usr/lib/python3.10/os.py', 680, '__getitem__']],
    exception: "KeyError: 'AZUREML_MODEL_DIR'",
    category: 'model_not_found',
    phase: 'init',
    entry: [9, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'numpy cannot allocate in init()',
    frames: [...INIT, [`${APP}/score.py`, 18, 'init', 'table = np.zeros((400_000_000, 3))']],
    exception: 'numpy.core._exceptions._ArrayMemoryError: Unable to allocate 8.94 GiB for an array with shape (400000000, 3) and data type float64',
    category: 'out_of_memory',
    phase: 'init',
    entry: [18, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'CUDA out of memory in run()',
    frames: [...RUN, [`${APP}/score.py`, 44, 'run', 'images = pipe(prompt, num_images_per_prompt=8).images'], [`${LIB}/torch/nn/modules/module.py`, 1501, '_call_impl']],
    exception: 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 15.77 GiB total capacity)',
    category: 'out_of_memory',
    phase: 'run',
    entry: [44, 'run'],
    cut: 'run_exception_502',
  },
  {
    name: 'the entry module has no run()',
    frames: [[`${SERVER}/user_script.py`, 89, 'load_script', 'self._user_run = getattr(user_module, "run")']],
    exception: "AttributeError: module 'score' has no attribute 'run'",
    category: 'missing_function',
    phase: 'import',
    cut: 'init_exception',
  },
  {
    name: 'KeyError raised inside run()',
    frames: [...RUN, [`${APP}/score.py`, 37, 'run', 'rows = json.loads(raw_data)["rows"]']],
    exception: "KeyError: 'rows'",
    category: 'run_exception_502',
    phase: 'run',
    entry: [37, 'run'],
    cut: 'run_exception_502',
  },
  {
    name: 'ValueError in a helper module called by init()',
    frames: [...INIT, [`${APP}/score.py`, 16, 'init', 'vocab = features.load_vocab(model_dir)'], [`${APP}/features.py`, 41, 'load_vocab', 'raise ValueError("vocabulary is empty")']],
    exception: 'ValueError: vocabulary is empty',
    category: 'init_exception',
    phase: 'init',
    entry: [16, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'module-level code of the entry script raises on import',
    frames: [...LOAD, [`${APP}/score.py`, 8, '<module>', 'THRESHOLD = float(os.environ["THRESHOLD"])'], ['/usr/lib/python3.10/os.py', 680, '__getitem__']],
    exception: "KeyError: 'THRESHOLD'",
    category: 'init_exception',
    phase: 'import',
    entry: [8, '<module>'],
    cut: 'init_exception',
  },
  {
    name: 'the server cannot serialise what run() returned',
    frames: [...RUN.slice(0, 1), [`${LIB}/flask/json/__init__.py`, 170, 'jsonify'], ['/usr/lib/python3.10/json/encoder.py', 179, 'default', 'raise TypeError(f"Object of type {o.__class__.__name__} "']],
    exception: 'TypeError: Object of type ndarray is not JSON serializable',
    category: 'return_not_serializable',
    phase: 'response',
    cut: 'return_not_serializable',
  },
  {
    name: 'the entry script itself is not importable',
    frames: [[`${SERVER}/user_script.py`, 74, 'load_script', 'main_module_spec = importlib.util.spec_from_file_location(...)'], ['/usr/lib/python3.10/importlib/__init__.py', 126, 'import_module']],
    exception: "ModuleNotFoundError: No module named 'score'",
    category: 'entry_script_not_found',
    phase: 'import',
    cut: 'init_exception',
  },
  {
    name: 'no NVIDIA driver for a GPU model',
    frames: [...INIT, [`${APP}/score.py`, 22, 'init', 'model.to("cuda")'], [`${LIB}/torch/cuda/__init__.py`, 247, '_lazy_init']],
    exception: 'RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver',
    category: 'gpu_unavailable',
    phase: 'init',
    entry: [22, 'init'],
    cut: 'init_exception',
  },
  {
    name: 'storage refuses the identity while init() downloads',
    frames: [...INIT, [`${APP}/score.py`, 25, 'init', 'blob.download_blob().readinto(f)'], [`${LIB}/azure/storage/blob/_download.py`, 391, '_initial_request']],
    exception: 'azure.core.exceptions.ClientAuthenticationError: This request is not authorized to perform this operation using this permission. ErrorCode:AuthorizationPermissionMismatch',
    category: 'identity_permission',
    phase: 'init',
    entry: [25, 'init'],
    cut: 'init_exception',
  },
  {
    name: "the inference server's own imports fail",
    frames: [['/var/azureml-server/entry.py', 1, '<module>', 'import create_app'], ['/var/azureml-server/create_app.py', 3, '<module>', 'import aml_framework'], [`${LIB}/flask/__init__.py`, 21, '<module>', 'from .app import Flask']],
    exception: "ImportError: cannot import name 'json' from 'itsdangerous'",
    category: 'missing_dependency',
    phase: 'server_start',
    cut: 'missing_dependency',
  },
  {
    name: 'conda fails while the image is built',
    frames: [['/opt/miniconda/lib/python3.8/site-packages/conda/cli/main.py', 140, 'main'], ['/opt/miniconda/lib/python3.8/site-packages/conda/core/solve.py', 117, 'solve_final_state']],
    exception: 'conda.exceptions.UnsatisfiableSpecifications: the following specifications were found to be incompatible with each other',
    category: 'image_build_failure',
    phase: 'build',
    cut: 'image_build_failure',
  },
];

function traceback(frames: FrameSpec[], exception: string | undefined): string[] {
  const lines = ['Traceback (most recent call last):'];
  for (const [p, l, fn, src] of frames) {
    lines.push(`  File "${p}", line ${l}, in ${fn}`);
    if (src) lines.push(`    ${src}`);
  }
  if (exception !== undefined) lines.push(exception);
  return lines;
}

const around = (tb: string[]) => [
  '2026-03-02 09:00:01,500 | root | INFO | Starting up app insights client',
  "2026-03-02 09:00:02,001 | root | INFO | Invoking user's init function",
  ...tb,
  '2026-03-02 09:00:02,100 | gunicorn.error | INFO | Worker exiting (pid: 41)',
];

// What logs do to a traceback.
const forms: [string, (tb: string[]) => string][] = [
  ['as printed', (tb) => around(tb).join('\n')],
  // A log collector's prefix on each line (CRI, as kubectl logs and Azure show them).
  ['with a prefix on every line', (tb) => around(tb).map((l, i) => `2026-03-02T09:00:02.${String(100 + i)}Z stderr F ${l}`).join('\n')],
  // The server's logger prefix on the first line, other workers' lines in between.
  [
    'interleaved with other log lines',
    (tb) =>
      [
        `2026-03-02 09:00:02,051 E [41] azmlinfsrv - Encountered Exception ${tb[0]}`,
        ...tb.slice(1).flatMap((l, i) => (i % 2 === 1 ? [`2026-03-02 09:00:02,05${i} I [42] gunicorn.access - 127.0.0.1 "GET / HTTP/1.1" 200 7`, l] : [l])),
      ].join('\n'),
  ],
  // az CLI: the container log inside an error message, inside the JSON of another error.
  ['escaped twice (JSON inside JSON)', (tb) => `ERROR: {"error": {"code": "UserError", "message": ${JSON.stringify(JSON.stringify({ logs: around(tb).join('\n') }))}}}`],
  ['HTML-entity-mangled', (tb) => around(tb).join('\n').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')],
];

function check(r: Explanation, c: Case, how: string): void {
  const p = r.primary;
  assert.equal(p.category, c.category, `${how}: got ${p.id} (${p.title})`);
  if (c.phase) assert.equal(p.phase, c.phase, `${how}: phase`);
  if (c.entry) {
    assert.ok(p.entryFrame, `${how}: the entry script's frame`);
    assert.equal(p.entryFrame!.path, `${APP}/score.py`, how);
    assert.deepEqual([p.entryFrame!.line, p.entryFrame!.function], c.entry, how);
  }
  assert.ok(p.evidence.length > 0 && p.confidence > 0, how);
}

describe('diagnosis from tracebacks: every family and phase, as logs deliver them (unit)', () => {
  for (const c of cases) {
    describe(c.name, () => {
      for (const [form, render] of forms) {
        it(`${form} -> ${c.category}${c.phase ? ` in ${c.phase}` : ''}`, () => {
          const r = explainText(render(traceback(c.frames, c.exception)));
          check(r, c, form);
          const type = c.exception.slice(0, c.exception.indexOf(':'));
          assert.equal(r.primary.exception?.type, type);
          assert.equal(r.primary.traceback?.truncated, false);
          assert.ok(r.primary.confidence >= 0.8, `${form}: confidence ${r.primary.confidence}`);
        });
      }

      it('chained: raised again while handling it ("During handling...") -> the cause is still named', () => {
        const outer = traceback(c.frames.slice(0, Math.max(1, c.frames.length - 1)), "NameError: name 'logger' is not defined");
        const r = explainText(around([...traceback(c.frames, c.exception), '', 'During handling of the above exception, another exception occurred:', '', ...outer]).join('\n'));
        assert.equal(r.primary.category, c.category, r.primary.id);
        assert.equal(r.primary.traceback?.chained?.relation, 'context');
        assert.equal(r.primary.traceback?.exception?.type, 'NameError');
      });

      it('chained: wrapped ("The above exception was the direct cause...") -> the cause is still named', () => {
        const wrapper = traceback(c.frames.slice(0, 1), 'RuntimeError: the scoring service could not start');
        const r = explainText(around([...traceback(c.frames, c.exception), '', 'The above exception was the direct cause of the following exception:', '', ...wrapper]).join('\n'));
        assert.equal(r.primary.category, c.category, r.primary.id);
        assert.equal(r.primary.traceback?.chained?.relation, 'cause');
        assert.equal(r.primary.exception?.type, c.exception.slice(0, c.exception.indexOf(':')), 'the exception named is the cause');
      });

      it(`truncated before the exception line -> ${c.cut} from where the frames are, with lower confidence`, () => {
        const r = explainText(around(traceback(c.frames, undefined)).slice(0, -1).join('\n'));
        assert.equal(r.primary.category, c.cut, r.primary.id);
        assert.equal(r.primary.traceback?.truncated, true);
        assert.ok(r.primary.confidence < 0.8, `confidence ${r.primary.confidence}`);
        if (c.entry) assert.deepEqual([r.primary.entryFrame?.line, r.primary.entryFrame?.function], c.entry);
      });
    });
  }
});

describe('the traceback parser (unit)', () => {
  const parse = (text: string) => {
    const out: Traceback[] = [];
    const p = new TracebackParser((tb) => out.push(tb));
    text.split('\n').forEach((l, i) => p.line(l, i + 1));
    p.end(text.split('\n').length);
    return out;
  };

  it('reads frames, source lines, the exception, and where each frame comes from', () => {
    const [tb, ...rest] = parse(traceback([...RUN, [`${APP}/score.py`, 37, 'run', 'rows = data["rows"]'], [`${APP}/util.py`, 3, 'check']], "KeyError: 'rows'").join('\n'));
    assert.deepEqual(rest, []);
    assert.deepEqual(tb!.frames.map((f) => [f.function, f.origin]), [['score', 'server'], ['invoke_run', 'server'], ['run', 'entry'], ['check', 'user']]);
    assert.equal(tb!.frames[2]!.source, 'rows = data["rows"]');
    assert.deepEqual(tb!.exception, { type: 'KeyError', message: "'rows'" });
    assert.deepEqual([tb!.entryFrame?.line, tb!.userFrame?.path], [37, `${APP}/util.py`]);
    assert.equal(tb!.phase, 'run');
  });

  it('keeps source lines redacted: the card, the JSON and the editor show them', () => {
    const secret = 'conn = BlobServiceClient.from_connection_string("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5MTIzNDU2Nzg5MA==")';
    const [tb] = parse(traceback([...RUN, [`${APP}/score.py`, 12, 'init', secret]], 'ValueError: bad connection string').join('\n'));
    assert.ok(!tb!.frames[2]!.source!.includes('c2VjcmV0a2V5'), tb!.frames[2]!.source);
    assert.match(tb!.frames[2]!.source!, /AccountKey=<redacted>/);
    const [flat] = parse(`File "${APP}/score.py", line 3, in init token = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl" ValueError: x`);
    assert.ok(!flat!.frames[0]!.source!.includes('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0'), flat!.frames[0]!.source);
  });

  it('reads a traceback flattened onto one line', () => {
    const [tb] = parse(`File "${LIB}/sklearn/base.py", line 9, in load File "/usr/lib/python3.10/pickle.py", line 1426, in find_class __import__(module, level=0) ModuleNotFoundError: No module named 'sklearn.linear_model._ridge'`);
    assert.equal(tb!.frames.length, 2);
    assert.equal(tb!.frames[1]!.source, '__import__(module, level=0)');
    assert.deepEqual(tb!.exception, { type: 'ModuleNotFoundError', message: "No module named 'sklearn.linear_model._ridge'" });
  });

  it('a traceback cut in the middle of a frame path still counts the frame', () => {
    const [tb] = parse([...traceback(LOAD, undefined), `  File "${APP}/sco`].join('\n'));
    assert.equal(tb!.truncated, true);
    assert.equal(tb!.frames.at(-1)!.path, `${APP}/sco`);
    assert.equal(tb!.phase, 'import');
  });

  it('keeps the outermost and innermost frames of a very deep traceback (recursion)', () => {
    const deep: FrameSpec[] = [...RUN, ...Array.from({ length: 500 }, (_, i): FrameSpec => [`${APP}/tree.py`, 10 + (i % 3), 'walk'])];
    const [tb] = parse(traceback(deep, 'RecursionError: maximum recursion depth exceeded').join('\n'));
    assert.equal(tb!.frames.length, 64);
    assert.equal(tb!.elided, 502 - 64);
    assert.equal(tb!.frames[0]!.function, 'score', 'the server frame that called in is kept');
    assert.equal(tb!.phase, 'run');
  });

  it('uses the entry script the server names ("Entry Script Name:"), whatever its file name', () => {
    const text = ['Entry Script Name: /var/azureml-app/src/predictor.py', ...traceback([...INIT, ['/var/azureml-app/src/predictor.py', 12, 'init', 'x = 1 / 0']], 'ZeroDivisionError: division by zero')].join('\n');
    const r = explainText(text);
    assert.equal(r.entryScript, '/var/azureml-app/src/predictor.py');
    assert.deepEqual([r.primary.entryFrame?.path, r.primary.entryFrame?.line, r.primary.entryFrame?.origin], ['/var/azureml-app/src/predictor.py', 12, 'entry']);
    // Without it, the first user frame the server called is the entry script.
    const plain = explainText(traceback([...INIT, ['/var/azureml-app/src/predictor.py', 12, 'init', 'x = 1 / 0']], 'ZeroDivisionError: division by zero').join('\n'));
    assert.equal(plain.primary.entryFrame?.path, '/var/azureml-app/src/predictor.py');
  });

  it('a client-side (IPython) traceback is the SDK reporting, not the container failing', () => {
    const text = [
      '---------------------------------------------------------------------------',
      'WebserviceException                       Traceback (most recent call last)',
      '<ipython-input-9-0a1b2c3d4e5f> in <module>',
      '----> 1 service.wait_for_deployment(show_output=True)',
      'WebserviceException: WebserviceException:',
      '\tMessage: Service deployment polling reached non-successful terminal state, current service state: Failed',
    ].join('\n');
    const [tb] = parse(text);
    assert.equal(tb!.phase, 'client');
    assert.equal(tb!.exception?.type, 'WebserviceException');
  });
});
