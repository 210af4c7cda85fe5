// One describe per rule: positive and negative cases written from the patterns real scoring scripts use
// (own fixtures, not copied), and for each quick fix: apply it, re-analyse, the finding is gone and the
// result still parses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeScoringScript, inspectScoringScript } from '../../../src/analysis/analyze';
import type { Finding } from '../../../src/analysis/types';
import { applyEdits } from './edits';

const analyze = (src: string) => analyzeScoringScript(src, { strict: true });
const only = async (src: string, rule: string) => (await analyze(src)).filter((f) => f.rule === rule);
const py = (lines: string[]) => lines.join('\n') + '\n';

/** Applies the finding's first (preferred) fix and returns the new text. */
function fixed(src: string, f: Finding, index = 0): string {
  const fix = f.fixes?.[index];
  assert.ok(fix, `${f.rule} has a quick fix`);
  assert.ok(fix.edits.length > 0, 'the fix edits something');
  return applyEdits(src, fix.edits);
}

async function assertFixClears(src: string, rule: string): Promise<string> {
  const [f] = await only(src, rule);
  assert.ok(f, `${rule} reported before the fix`);
  const after = fixed(src, f);
  const findings = await analyze(after);
  assert.deepEqual(findings.filter((x) => x.rule === rule), [], `${rule} gone after the fix:\n${after}`);
  assert.deepEqual(findings.filter((x) => x.rule === 'syntax-error'), [], `fix keeps the file valid:\n${after}`);
  return after;
}

const INIT = ['import json', 'import logging', 'import os', 'import joblib', '', 'model = None', '', 'def init():', '    global model', '    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))', ''];

describe('missing-init / missing-run quick fixes (unit)', () => {
  it('adds a run() skeleton that the analysis accepts', async () => {
    const src = py(['import os', '', 'def init():', '    pass']);
    const after = await assertFixClears(src, 'missing-run');
    assert.match(after, /def run\(raw_data\):/);
    assert.match(after, /^import json$/m);
  });
  it('adds an init() skeleton (and the os import it uses)', async () => {
    const src = py(['def run(data):', '    return {"ok": 1}']);
    const after = await assertFixClears(src, 'missing-init');
    assert.match(after, /^import os$/m);
    assert.match(after, /def init\(\):\n {4}"""/);
  });
  it('adds a batch run(mini_batch) skeleton in a batch script', async () => {
    const src = py(['from azureml_user.parallel_run import EntryScript', '', 'def init():', '    pass']);
    const after = await assertFixClears(src, 'missing-run');
    assert.match(after, /def run\(mini_batch\):/);
  });
});

describe('run-signature (unit)', () => {
  it('reports run() without an input parameter, with a fix', async () => {
    const src = py([...INIT, 'def run():', '    return {"ok": 1}']);
    const [f] = await only(src, 'run-signature');
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, /TypeError/);
    await assertFixClears(src, 'run-signature');
  });
  it('reports *args/**kwargs-only signatures as a warning', async () => {
    const [f] = await only(py([...INIT, 'def run(*args, **kwargs):', '    return model.predict(args[0]).tolist()']), 'run-signature');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /\*args, \*\*kwargs/);
  });
  it('reports @rawhttp combined with @input_schema', async () => {
    const src = py(['from azureml.contrib.services.aml_request import rawhttp', ...INIT, '@rawhttp', '@input_schema("data", NumpyParameterType(sample))', 'def run(data):', '    return {"n": 1}']);
    const fs = await only(src, 'run-signature');
    assert.ok(fs.some((f) => /@rawhttp and @input_schema/.test(f.message)));
  });
  it('reports an @input_schema name that is not a parameter of run() and renames the parameter', async () => {
    const src = py([...INIT, '@input_schema("data", NumpyParameterType(sample))', '@output_schema(NumpyParameterType(out))', 'def run(raw_data):', '    try:', '        return model.predict(raw_data).tolist()', '    except Exception:', '        logging.exception("x")', '        return {"error": "failed"}']);
    const [f] = await only(src, 'run-signature');
    assert.match(f!.message, /"data"/);
    const after = await assertFixClears(src, 'run-signature');
    assert.match(after, /def run\(data\):/);
    assert.match(after, /model\.predict\(data\)/);
  });
  it('accepts stacked @input_schema decorators that match the parameters, and request_headers', async () => {
    const src = py([...INIT, '@input_schema("a", StandardPythonParameterType(1))', '@input_schema("b", StandardPythonParameterType(2))', 'def run(a, b, request_headers=None):', '    return {"s": 1}']);
    assert.deepEqual(await only(src, 'run-signature'), []);
  });
  it('accepts a normal run(data) and a batch run(mini_batch)', async () => {
    assert.deepEqual(await only(py([...INIT, 'def run(data):', '    return 1']), 'run-signature'), []);
    assert.deepEqual(await only(py(['def init():', '    pass', 'def run(mini_batch):', '    return [1 for _ in mini_batch]']), 'run-signature'), []);
  });
});

describe('run-unguarded (unit)', () => {
  it('reports the first risky statement when run() has no try', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    """Score."""', '    data = json.loads(raw_data)["data"]', '    return model.predict(data).tolist()']);
    const [f] = await only(src, 'run-unguarded');
    assert.equal(f!.range.start.line, INIT.length + 2);
    assert.match(f!.message, /502/);
    const after = await assertFixClears(src, 'run-unguarded');
    assert.match(after, /^ {4}"""Score."""\n {4}try:\n {8}data = /m, 'docstring stays first, body moves into try');
    assert.match(after, /logging\.exception/);
  });
  it('reports partial guarding: the statement before the try', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    data = json.loads(raw_data)', '    try:', '        return model.predict(data).tolist()', '    except Exception as e:', '        logging.exception("failed")', '        return {"error": "failed"}']);
    const [f] = await only(src, 'run-unguarded');
    assert.match(f!.message, /only part of run\(\)/);
    assert.equal(f!.range.start.line, INIT.length + 1);
  });
  it('reports a risky statement after the try (and in an if condition)', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    try:', '        data = json.loads(raw_data)', '    except ValueError:', '        return {"error": "bad json"}', '    if data["kind"] == "x":', '        return 1', '    return 2']);
    const [f] = await only(src, 'run-unguarded');
    assert.equal(f!.range.start.line, INIT.length + 5);
  });
  it('is quiet when the whole body is guarded, even with a re-raise, logging and a safe return after', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    global model', '    logging.info("request")', '    start = time.time()', '    try:', '        result = model.predict(json.loads(raw_data)["data"])', '    except Exception as e:', '        print(str(e))', '        raise', '    return {"result": result.tolist(), "t": time.time() - start}']);
    assert.deepEqual(await only(src, 'run-unguarded'), []);
  });
  it('does not count try/finally without except as a guard', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    try:', '        return model.predict(raw_data).tolist()', '    finally:', '        logging.info("done")']);
    assert.equal((await only(src, 'run-unguarded')).length, 1);
  });
  it('ignores nested function bodies (they run only when called) but not the call', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    def helper(x):', '        return x["a"]', '    return {"ok": True}']);
    assert.deepEqual(await only(src, 'run-unguarded'), []);
  });
  it('is information-level in batch scripts, with no HTTP wording and no fix', async () => {
    const src = py(['def init():', '    pass', 'def run(mini_batch):', '    out = []', '    for path in mini_batch:', '        out.append(open(path).read())', '    return out']);
    const [f] = await only(src, 'run-unguarded');
    assert.equal(f!.severity, 'information');
    assert.match(f!.message, /mini-batch/);
    assert.doesNotMatch(f!.message, /502/);
    assert.equal(f!.fixes, undefined);
  });
  it('wraps an @rawhttp run() with an AMLResponse 500', async () => {
    const src = py(['from azureml.contrib.services.aml_response import AMLResponse', ...INIT, '@rawhttp', 'def run(request):', '    body = request.get_data()', '    return AMLResponse(body, 200)']);
    const after = await assertFixClears(src, 'run-unguarded');
    assert.match(after, /AMLResponse\("Internal server error; see the deployment logs\.", 500\)/);
  });
});

describe('error-leak (unit)', () => {
  const wrap = (ret: string[]) => py([...INIT, 'def run(raw_data):', '    try:', '        return model.predict(json.loads(raw_data)).tolist()', '    except Exception as e:', ...ret.map((l) => '        ' + l)]);
  for (const [label, ret] of [
    ['return str(e)', ['return str(e)']],
    ['a dict with str(e)', ['return {"error": str(e)}']],
    ['json.dumps({"error": str(e)})', ['return json.dumps({"error": str(e)})']],
    ['an f-string', ['return f"scoring failed: {e}"']],
    ['repr(e)', ['return {"error": repr(e)}']],
    ['e.args', ['return {"error": e.args}']],
    ['traceback.format_exc()', ['return traceback.format_exc()']],
    ['a variable assigned from str(e)', ['result = str(e)', 'return {"error": result}']],
    ['string concatenation', ['return "error: " + str(e)']],
    ['AMLResponse(str(e), 500)', ['return AMLResponse(str(e), 500)']],
  ] as const) {
    it(`reports ${label}`, async () => {
      const src = wrap([...ret]);
      const fs = await only(src, 'error-leak');
      assert.equal(fs.length, 1, JSON.stringify(fs.map((f) => f.message)));
      assert.equal(fs[0]!.severity, 'warning');
      const after = await assertFixClears(src, 'error-leak');
      assert.match(after, /logging\.exception\("run\(\) failed"\)/);
      const returned = after.split('\n').filter((l) => /return|AMLResponse/.test(l)).join('\n');
      assert.doesNotMatch(returned, /str\(e\)|repr\(e\)|\{e\}|format_exc|e\.args|result/, 'no exception text is returned any more');
    });
  }
  it('is quiet for a fixed message, the class name only, and logging the exception', async () => {
    assert.deepEqual(await only(wrap(['logging.exception("failed: %s", e)', 'return {"error": "internal error", "type": type(e).__name__}']), 'error-leak'), []);
  });
  it('is quiet when the exception is re-raised after printing it', async () => {
    assert.deepEqual(await only(wrap(['print(str(e))', 'raise']), 'error-leak'), []);
  });
  it('is information when the leak is behind a debug flag', async () => {
    const [f] = await only(wrap(['if DEBUG:', '    return {"error": str(e)}', 'return {"error": "internal"}']), 'error-leak');
    assert.equal(f!.severity, 'information');
  });
  it('only looks at run(), not at init() or helpers', async () => {
    const src = py(['def init():', '    try:', '        pass', '    except Exception as e:', '        return str(e)', 'def run(d):', '    return {"ok": 1}']);
    assert.deepEqual(await only(src, 'error-leak'), []);
  });
});

describe('global-missing (unit)', () => {
  it('reports init() assigning model locally while run() reads it, and the fix adds global', async () => {
    const src = py(['import joblib', 'model = None', 'def init():', '    """Load."""', '    model = joblib.load("m.pkl")', 'def run(data):', '    return model.predict(data).tolist()']);
    const [f] = await only(src, 'global-missing');
    assert.equal(f!.range.start.line, 4);
    assert.match(f!.message, /None/);
    const after = await assertFixClears(src, 'global-missing');
    assert.match(after, /"""Load."""\n {4}global model\n {4}model = /);
  });
  it('appends to an existing global statement', async () => {
    const src = py(['def init():', '    global model', '    model = 1', '    scaler = 2', 'def run(data):', '    return model + scaler']);
    const [f] = await only(src, 'global-missing');
    assert.match(f!.message, /NameError/, 'no module-level scaler: NameError');
    const after = await assertFixClears(src, 'global-missing');
    assert.match(after, /global model, scaler/);
  });
  it('is quiet with global, with a run() local of the same name, and for names init() only uses itself', async () => {
    assert.deepEqual(await only(py(['def init():', '    global model', '    model = 1', 'def run(d):', '    return model']), 'global-missing'), []);
    assert.deepEqual(await only(py(['def init():', '    model = 1', 'def run(d):', '    model = 2', '    return model']), 'global-missing'), []);
    assert.deepEqual(await only(py(['def init():', '    path = "x"', '    global m', '    m = path', 'def run(d):', '    return m']), 'global-missing'), []);
  });
  it('is quiet when run() reads a module-level import of the same name', async () => {
    assert.deepEqual(await only(py(['from os import path', 'def init():', '    path = 1', 'def run(d):', '    return path.join("a", d)']), 'global-missing'), []);
  });
  it('sees reads in nested functions of run() but not attribute names', async () => {
    assert.equal((await only(py(['def init():', '    model = 1', 'def run(d):', '    def f():', '        return model', '    return f()']), 'global-missing')).length, 1);
    assert.deepEqual(await only(py(['def init():', '    model = 1', 'def run(d):', '    return d.model']), 'global-missing'), []);
  });
});

describe('model-load-in-run (unit)', () => {
  for (const [label, lines] of [
    ['joblib.load', ['import joblib', 'def run(d):', '    m = joblib.load("model.pkl")', '    return m.predict(d).tolist()']],
    ['an aliased pickle.load', ['import pickle as pk', 'def run(d):', '    m = pk.load(open("m.pkl", "rb"))', '    return 1']],
    ['from joblib import load', ['from joblib import load', 'def run(d):', '    return load("m").predict(d).tolist()']],
    ['torch.load', ['import torch', 'def run(d):', '    net = torch.load("m.pt")', '    return 1']],
    ['tf.keras.models.load_model', ['import tensorflow as tf', 'def run(d):', '    m = tf.keras.models.load_model("m")', '    return 1']],
    ['onnxruntime.InferenceSession', ['import onnxruntime as ort', 'def run(d):', '    s = ort.InferenceSession("m.onnx")', '    return 1']],
    ['AutoTokenizer.from_pretrained', ['from transformers import AutoTokenizer', 'def run(d):', '    tok = AutoTokenizer.from_pretrained("bert-base-uncased")', '    return 1']],
    ['mlflow.pyfunc.load_model', ['import mlflow', 'def run(d):', '    m = mlflow.pyfunc.load_model("m")', '    return 1']],
  ] as const) {
    it(`reports ${label} inside run()`, async () => {
      const fs = await only(py(['def init():', '    pass', ...lines]), 'model-load-in-run');
      assert.equal(fs.length, 1);
      assert.match(fs[0]!.message, /504|every request/);
    });
  }
  it('is quiet for loading in init(), at module level, for a lazy load-once cache, and for pickle.loads of data', async () => {
    const src = py(['import joblib, pickle', 'm0 = joblib.load("a")', 'model = None', 'def init():', '    global model', '    model = joblib.load("m")', 'def run(d):', '    global model', '    if model is None:', '        model = joblib.load("m")', '    x = pickle.loads(d)', '    return 1']);
    assert.deepEqual(await only(src, 'model-load-in-run'), []);
  });
  it('says mini-batch in batch scripts', async () => {
    const [f] = await only(py(['import joblib', 'def init():', '    pass', 'def run(mini_batch):', '    m = joblib.load("m")', '    return [1]']), 'model-load-in-run');
    assert.match(f!.message, /mini-batch/);
  });
  for (const [label, lines] of [
    ['Model.list', ['from azureml.core import Model, Workspace', 'def run(d):', '    ws = Workspace.from_config()', '    latest = Model.list(ws, name="m")[0]', '    return 1']],
    ['Model(...).download', ['from azureml.core.model import Model', 'def run(d):', '    path = Model(ws, "m").download(target_dir=".", exist_ok=True)', '    return path']],
    ['download on a name bound to Model(...)', ['from azureml.core.model import Model', 'def run(d):', '    reg = Model(ws, name="m", version=3)', '    reg.download(target_dir="/tmp/m")', '    return 1']],
    ['an ml_client models.download', ['def run(d):', '    ml_client.models.download(name="m", version="1", download_path="/tmp")', '    return 1']],
    ['huggingface_hub hf_hub_download', ['from huggingface_hub import hf_hub_download', 'def run(d):', '    f = hf_hub_download(repo_id="org/m", filename="m.bin")', '    return 1']],
    ['torch.hub.load', ['import torch', 'def run(d):', '    net = torch.hub.load("org/repo", "m")', '    return 1']],
  ] as const) {
    it(`reports ${label} inside run() as a fetch per request`, async () => {
      const fs = await only(py(['def init():', '    pass', ...lines]), 'model-load-in-run');
      assert.equal(fs.length, 1);
      assert.match(fs[0]!.message, /fetches the registered model or its files .* on every request inside run\(\)/);
    });
  }
  it('reports Model.get_model_path() in run() as a fetch per request (and the v1 path problem separately)', async () => {
    const src = py(['from azureml.core.model import Model', 'import joblib', 'def init():', '    pass', 'def run(d):', '    p = Model.get_model_path("m")', '    return 1']);
    const onLine = (await analyze(src)).filter((f) => f.range.start.line === 5 && f.rule !== 'run-unguarded');
    assert.deepEqual(onLine.map((f) => f.rule).sort(), ['get-model-path', 'model-load-in-run']);
  });
  it('follows one call into a helper of the module that loads the model, and names the line', async () => {
    const src = py(['import joblib', 'def get_model():', '    return joblib.load("model.pkl")', 'def init():', '    pass', 'def run(d):', '    m = get_model()', '    return m.predict(d).tolist()']);
    const [f, ...rest] = await only(src, 'model-load-in-run');
    assert.deepEqual(rest, []);
    assert.equal(f!.range.start.line, 6);
    assert.match(f!.message, /^get_model\(\) loads the model \(joblib\.load\(\) on line 3\) and run\(\) calls it on every request/);
  });
  it('is quiet for a helper that caches (lru_cache, a None check) and for helpers only init() calls', async () => {
    const src = py([
      'import functools, joblib',
      '_m = None',
      '@functools.lru_cache(maxsize=1)',
      'def cached():',
      '    return joblib.load("a.pkl")',
      'def lazy():',
      '    global _m',
      '    if _m is None:',
      '        _m = joblib.load("b.pkl")',
      '    return _m',
      'def fresh():',
      '    return joblib.load("c.pkl")',
      'def init():',
      '    global model',
      '    model = fresh()',
      'def run(d):',
      '    return [cached().predict(d).tolist(), lazy().predict(d).tolist(), model.predict(d).tolist()]',
    ]);
    assert.deepEqual(await only(src, 'model-load-in-run'), []);
  });
});

describe('undefined-name (unit)', () => {
  it('reports a module used without its import, with the import as the fix (numpy as np)', async () => {
    const src = py(['import json', 'def init():', '    pass', 'def run(raw):', '    try:', '        x = np.array(json.loads(raw)["data"])', '        return x.tolist()', '    except ValueError:', '        return {"error": "bad input"}']);
    const [f, ...rest] = await only(src, 'undefined-name');
    assert.deepEqual(rest, []);
    assert.equal(f!.severity, 'error');
    assert.deepEqual([f!.range.start.line, f!.range.start.character, f!.range.end.character], [5, 12, 14]);
    assert.match(f!.message, /^np is not defined, imported or built in anywhere in this file: run\(\) raises NameError whenever it gets here/);
    const after = await assertFixClears(src, 'undefined-name');
    assert.match(after, /^import numpy as np$/m);
  });
  it('init(): NameError at start-up; json, os, time, logging as fixes; names the fix in the message', async () => {
    for (const mod of ['json', 'os', 'time', 'logging']) {
      const src = py(['def init():', '    global model', `    model = ${mod}.__name__`, 'def run(d):', '    return {"ok": model}']);
      const [f] = await only(src, 'undefined-name');
      assert.match(f!.message, /init\(\) raises NameError when the container starts/);
      assert.ok(f!.message.includes(`Import it (import ${mod}).`), f!.message);
      await assertFixClears(src, 'undefined-name');
    }
  });
  it('reports a misspelt global and a class never imported, without a guessed fix', async () => {
    const src = py(['import joblib', 'model = None', 'def init():', '    global model', '    p = Model.get_model_path("m")', '    model = joblib.load(p)', 'def run(d):', '    return modle.predict(d).tolist()']);
    const fs = await only(src, 'undefined-name');
    assert.deepEqual(fs.map((f) => [f.message.split(' ')[0], f.range.start.line, f.fixes?.length ?? 0]), [['Model', 4, 0], ['modle', 7, 0]]);
  });
  it('says when a name is only defined under if __name__ == "__main__"', async () => {
    const src = py(['import joblib', 'def init():', '    pass', 'def run(d):', '    return model.predict(d).tolist()', 'if __name__ == "__main__":', '    model = joblib.load("m.pkl")', '    print(run([[1, 2]]))']);
    const [f] = await only(src, 'undefined-name');
    assert.match(f!.message, /model is only defined under if __name__ == "__main__":, which does not run when the inference server imports the script/);
  });
  it('reports a decorator that was never imported as a crash at start-up', async () => {
    const src = py(['def init():', '    pass', '@rawhttp', 'def run(request):', '    return 1']);
    const [f] = await only(src, 'undefined-name');
    assert.equal(f!.range.start.line, 2);
    assert.match(f!.message, /evaluates run\(\)'s decorators and defaults at start-up, so the container crashes with NameError/);
  });
  it('reports a name read in a function nested in run()', async () => {
    const src = py(['def init():', '    pass', 'def run(d):', '    def score(x):', '        return weights * x', '    return [score(v) for v in d]']);
    assert.deepEqual((await only(src, 'undefined-name')).map((f) => f.message.split(' ')[0]), ['weights']);
  });
  it('is quiet on valid code: every way Python binds a name', async () => {
    const src = py([
      '"""Scoring script."""',
      'from __future__ import annotations',
      'import os.path',
      'import numpy as np',
      'from collections import defaultdict as dd, Counter',
      'try:',
      '    import ujson as fastjson',
      'except ImportError:',
      '    fastjson = None',
      'if os.environ.get("DEBUG"):',
      '    LEVEL = 10',
      'else:',
      '    LEVEL = 20',
      'for _i, (_a, _b) in enumerate([(1, 2)]):',
      '    pass',
      'with open(__file__) as _fh, open(os.devnull) as (_dn):',
      '    HEADER = _fh.readline()',
      'THRESHOLD: float = 0.5',
      'first, *others = [1, 2, 3]',
      'counter = 0',
      'counter += 1',
      'class Scaler:',
      '    factor = 2',
      '    def apply(self, x: Undeclared) -> Undeclared:',
      '        return x * self.factor',
      'def helper(v, scale=THRESHOLD, *args, key=None, **kw):',
      '    return v * scale',
      'def init():',
      '    global model, labels',
      '    model = Scaler()',
      '    labels = dd(list)',
      'def run(raw_data, *extra, request_headers=None, **kwargs):',
      '    data = np.asarray(raw_data)',
      '    squares = [x * x for x in data if (big := x) > THRESHOLD]',
      '    table = {k: v for k, v in zip(data, squares)}',
      '    gen = sum(y for row in [[1]] for y in row)',
      '    total = 0',
      '    def acc(n):',
      '        nonlocal total',
      '        total += n',
      '        return total + counter',
      '    fn = lambda q, r=LEVEL: q + r + total',
      '    try:',
      '        result = model.apply(helper(data))',
      '    except (ValueError, KeyError) as err:',
      '        result = str(err)',
      '    match raw_data:',
      '        case {"kind": kind, "items": [first_item, *rest]}:',
      '            result = (kind, first_item, rest)',
      '        case _:',
      '            pass',
      '    for idx, value in enumerate(data):',
      '        acc(value)',
      '    with open(os.path.join("a", "b")) as (fh):',
      '        text = fh.read()',
      '    tmp = 1',
      '    del tmp',
      '    print(f"{big} {idx} {value} {text} {fn(1)} {gen} {table} {HEADER} {first} {others} {fastjson} {Counter} {labels} {extra} {kwargs} {request_headers} {__name__} {LATE}")',
      '    return result',
      'LATE = 1',
    ]);
    assert.deepEqual(await only(src, 'undefined-name'), []);
  });
  it('is quiet when the module can define names it cannot see: import *, exec, globals(), a syntax error', async () => {
    const body = ['def init():', '    pass', 'def run(d):', '    return predict(d)'];
    assert.equal((await only(py(['import sys', ...body]), 'undefined-name')).length, 1, 'the control case reports predict');
    for (const head of ['from mylib import *', 'exec(open("setup.py").read())', 'globals().update(config)', 'setattr(sys.modules[__name__], "predict", len)', 'x = (']) {
      assert.deepEqual(await only(py(['import sys', head, ...body]), 'undefined-name'), [], head);
    }
  });
});

describe('get-model-path (unit)', () => {
  it('reports Model.get_model_path() calls anywhere and suggests AZUREML_MODEL_DIR', async () => {
    const src = py(['from azureml.core.model import Model', 'def init():', '    global model', "    p = Model.get_model_path('sklearn_model')", '    model = p', 'def run(d):', '    return 1']);
    const [f] = await only(src, 'get-model-path');
    assert.equal(f!.range.start.line, 3);
    assert.match(f!.message, /AZUREML_MODEL_DIR/);
  });
  it('is quiet when get_model_path only appears in a comment or string', async () => {
    const src = py(['# model_path = Model.get_model_path("x")', 'DOC = "use Model.get_model_path() in v1"', 'def init():', '    pass', 'def run(d):', '    return 1']);
    assert.deepEqual(await only(src, 'get-model-path'), []);
  });
});

describe('non-serializable-return (unit)', () => {
  it('reports returning model.predict() output and adds .tolist()', async () => {
    const src = py([...INIT, 'def run(raw_data):', '    try:', '        data = np.array(json.loads(raw_data)["data"])', '        result = model.predict(data)', '        return {"result": result}', '    except Exception:', '        logging.exception("x")', '        return {"error": "failed"}']);
    const [f] = await only(src, 'non-serializable-return');
    assert.match(f!.message, /not JSON serializable/);
    const after = await assertFixClears(src, 'non-serializable-return');
    assert.match(after, /"result": result\.tolist\(\)/);
  });
  it('reports a direct return of predict() and of np.array, and a DataFrame with to_dict', async () => {
    assert.equal((await only(py([...INIT, 'def run(d):', '    return model.predict(d)']), 'non-serializable-return')).length, 1);
    assert.equal((await only(py([...INIT, 'import numpy as np', 'def run(d):', '    y = np.array([1, 2])', '    return y * 2']), 'non-serializable-return')).length, 1);
    const src = py([...INIT, 'import pandas as pd', 'def run(d):', '    df = pd.DataFrame(model.predict(d))', '    return df']);
    const [f] = await only(src, 'non-serializable-return');
    assert.match(f!.fixes![0]!.title, /to_dict/);
    await assertFixClears(src, 'non-serializable-return');
  });
  it('is quiet for .tolist(), scalars, @output_schema (it serialises) and batch scripts', async () => {
    assert.deepEqual(await only(py([...INIT, 'def run(d):', '    y = model.predict(d)', '    return {"r": y.tolist(), "first": float(y[0])}']), 'non-serializable-return'), []);
    assert.deepEqual(await only(py([...INIT, '@output_schema(NumpyParameterType(np.array([1])))', 'def run(d):', '    return model.predict(d)']), 'non-serializable-return'), []);
    assert.deepEqual(await only(py([...INIT.slice(0, 5), 'import pandas as pd', 'def init():', '    pass', 'def run(mini_batch):', '    return pd.DataFrame({"a": [1]})']), 'non-serializable-return'), []);
  });
});

describe('debugpy-left-in (unit)', () => {
  it('reports listen() and wait_for_client(); the fix removes the debugpy lines', async () => {
    const src = py(['import debugpy', 'import json', 'debugpy.listen(("0.0.0.0", 5678))', 'debugpy.wait_for_client()', 'def init():', '    pass', 'def run(d):', '    return 1']);
    const fs = await only(src, 'debugpy-left-in');
    assert.deepEqual(fs.map((f) => f.severity), ['warning', 'error']);
    assert.match(fs[1]!.message, /hangs/);
    const after = await assertFixClears(src, 'debugpy-left-in');
    assert.doesNotMatch(after, /debugpy/);
    assert.match(after, /^import json$/m);
  });
  it('leaves pass in a block it empties, and downgrades when behind an env-var condition', async () => {
    const src = py(['import os, debugpy', 'def init():', '    if os.getenv("DEBUG"):', '        debugpy.listen(5678)', '    return None', 'def run(d):', '    return 1']);
    const [f] = await only(src, 'debugpy-left-in');
    assert.equal(f!.severity, 'information');
    const after = await assertFixClears(src, 'debugpy-left-in');
    assert.match(after, /if os\.getenv\("DEBUG"\):\n {8}pass/);
  });
  it('is quiet without debugpy calls (an import alone, or a comment)', async () => {
    assert.deepEqual(await only(py(['# debugpy.wait_for_client()', 'def init():', '    pass', 'def run(d):', '    return 1']), 'debugpy-left-in'), []);
  });
});

describe('sklearn-externals-joblib and hardcoded-model-path (unit)', () => {
  it('reports the removed sklearn.externals.joblib import and replaces it', async () => {
    const src = py(['from sklearn.externals import joblib', 'def init():', '    global m', '    m = joblib.load("x")', 'def run(d):', '    return 1']);
    const [f] = await only(src, 'sklearn-externals-joblib');
    assert.equal(f!.severity, 'error');
    const after = await assertFixClears(src, 'sklearn-externals-joblib');
    assert.match(after, /^import joblib$/m);
  });
  it('reports a hard-coded azureml-models path, not AZUREML_MODEL_DIR', async () => {
    const src = py(['import os', 'def init():', '    global m', "    m = open('/var/azureml-app/azureml-models/mymodel/3/model.h5')", "    n = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.h5')", 'def run(d):', '    return 1']);
    const fs = await only(src, 'hardcoded-model-path');
    assert.equal(fs.length, 1);
    assert.equal(fs[0]!.range.start.line, 3);
  });
});

describe('batch scripts (unit)', () => {
  it('recognises run(mini_batch) and the parallel_run runtime as batch', async () => {
    assert.equal((await inspectScoringScript(py(['def init():', '    pass', 'def run(mini_batch):', '    return []']))).kind, 'batch');
    assert.equal((await inspectScoringScript(py(['from azureml_user.parallel_run import EntryScript', 'def init():', '    pass', 'def run(input_data):', '    return input_data']))).kind, 'batch');
    assert.equal((await inspectScoringScript(py(['def init():', '    pass', 'def run(raw_data):', '    return 1']))).kind, 'online');
  });
  it('reports a batch run() that returns nothing, and no online-only rules', async () => {
    const src = py(['def init():', '    pass', 'def run(mini_batch):', '    for f in mini_batch:', '        print(f)']);
    const rules = (await analyze(src)).map((f) => f.rule);
    assert.ok(rules.includes('batch-run-return'));
    assert.ok(!rules.includes('error-leak') && !rules.includes('non-serializable-return'));
    assert.deepEqual(await only(py(['def init():', '    pass', 'def run(mini_batch):', '    return [str(x) for x in mini_batch]']), 'batch-run-return'), []);
  });
});

describe('syntax errors with the other rules (unit)', () => {
  it('reports the syntax error and still the rules it can (a leak in an intact run())', async () => {
    const src = py(['def init():', '    global model', '    model = load(', '', 'def run(raw_data):', '    try:', '        return 1', '    except Exception as e:', '        return str(e)']);
    const rules = (await analyze(src)).map((f) => f.rule);
    assert.ok(rules.includes('syntax-error'));
    assert.ok(rules.includes('error-leak'), rules.join(','));
  });
  it('reports an IndentationError-style file', async () => {
    const src = py(['def init():', '    pass', 'def run(d):', '    x = 1', '      y = 2', '    return x']);
    assert.equal((await only(src, 'syntax-error')).length, 1);
  });
  it('names the indentation error as CPython does: unexpected indent vs unindent that matches no outer level', async () => {
    // python3 -c 'compile(src, "score.py", "exec")' says "unexpected indent" (line 5) for the first and
    // "unindent does not match any outer indentation level" (line 6) for the second.
    const deeper = await only(py(['def init():', '    pass', 'def run(d):', '    x = 1', '      y = 2', '    return x']), 'syntax-error');
    assert.match(deeper[0]!.message, /^unexpected indent/);
    assert.equal(deeper[0]!.range.start.line, 4);
    const shallower = await only(py(['def init():', '    pass', '', 'def run(d):', '     print("five")', '    print("four")', '    return d']), 'syntax-error');
    assert.match(shallower[0]!.message, /^unindent does not match any outer indentation level/);
    assert.equal(shallower[0]!.range.start.line, 5);
  });
  it('a header whose block holds no statement is "expected an indented block", as CPython says it (tree-sitter parses it as an empty block)', async () => {
    // Each message below is what python3.11 -c 'compile(src, "score.py", "exec")' prints for the same source.
    const forLoop = await only(py(['def init():', '    pass', '', 'def run(x):', '    for i in x:', '    print(i)', '    return x']), 'syntax-error');
    assert.match(forLoop[0]!.message, /^expected an indented block after 'for' statement on line 5 \(IndentationError\)/);
    assert.equal(forLoop[0]!.range.start.line, 4);
    const elseAtEnd = await only(py(['def init():', '    pass', '', 'def run(x):', '    if x:', '        return 1', '    else:', '        # TODO']), 'syntax-error');
    assert.match(elseAtEnd[0]!.message, /^expected an indented block after 'else' statement on line 7 /);
    const emptyClass = await only(py(['class Model:', '    # nothing yet', '', 'def init():', '    pass', '', 'def run(x):', '    return x']), 'syntax-error');
    assert.match(emptyClass[0]!.message, /^expected an indented block after class definition on line 1 /);
    assert.deepEqual(emptyClass[0]!.range.start, { line: 0, character: 0 });
  });
  it('a try: without except or finally is a SyntaxError, as CPython says it', async () => {
    const lone = await only(py(['def init():', '    pass', '', 'def run(x):', '    try:', '        return 1', '    return 2']), 'syntax-error');
    assert.match(lone[0]!.message, /^expected 'except' or 'finally' block \(SyntaxError\)/);
    assert.equal(lone[0]!.range.start.line, 4);
    for (const handler of [['    except ValueError:', '        return 0'], ['    finally:', '        pass'], ['    except* ValueError:', '        return 0']]) {
      assert.deepEqual(await only(py(['def init():', '    pass', '', 'def run(x):', '    try :  # comment', '        return 1', ...handler]), 'syntax-error'), [], handler.join());
    }
  });
  it('lines ending with ":" that open no block are not taken for headers (a docstring, a dict, a slice)', async () => {
    const src = py([
      'def init():',
      '    """Loads the model.',
      '',
      '    Args:',
      '    none: nothing',
      '    """',
      '    d = {"a":',
      '    1}',
      '    return d[1:',
      '    ]',
      '',
      'def run(x):',
      '    return x',
    ]);
    assert.deepEqual(await only(src, 'syntax-error'), []);
  });
  it('every finding has a guide link and a range inside the file', async () => {
    const src = py(['import debugpy', 'from sklearn.externals import joblib', 'def init():', '    model = joblib.load("m")', 'def run():', '    debugpy.wait_for_client()', '    return model.predict(1)']);
    const findings = await analyze(src);
    const lines = src.split('\n');
    assert.ok(findings.length >= 4);
    for (const f of findings) {
      assert.match(f.docsUrl!, /^https:\/\/learn\.microsoft\.com\//);
      assert.ok(f.range.start.line < lines.length && f.range.end.line < lines.length);
    }
  });
});
