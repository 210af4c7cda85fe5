// The model step's reading of an entry script: which files under AZUREML_MODEL_DIR it opens (from the
// tree-sitter syntax tree, through assignments, joins, f-strings and pathlib), and whether the model the
// deployment names has them, laid out as Azure ML lays it out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkModelPath, findModelReferences, modelLayout } from '../../../src/doctor/modelPaths';
import { localPathForFrame } from '../../../src/doctor/diagnosis';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-doctor-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function suffixes(src: string): Promise<string[]> {
  return (await findModelReferences(src)).paths.map((p) => p.suffix);
}

describe('model paths an entry script opens (unit)', () => {
  it('follows os.getenv / os.environ through variables, os.path.join and the call that opens the file', async () => {
    const src = [
      'import os, joblib',
      'import numpy as np',
      'def init():',
      '    global model',
      '    model_dir = os.getenv("AZUREML_MODEL_DIR")',
      '    path = os.path.join(model_dir, "sub", "model.pkl")',
      '    model = joblib.load(path)',
      '    print("loaded", path)',
      '    scaler = np.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "scaler.npz"))',
      'def run(data):',
      '    return 1',
    ].join('\n');
    const refs = await findModelReferences(src);
    assert.deepEqual(refs.paths.map((p) => [p.suffix, p.line, p.usedBy]), [
      ['/sub/model.pkl', 7, 'joblib.load'],
      ['/scaler.npz', 9, 'numpy.load'],
    ]);
    assert.equal(refs.readsModelDir, true);
  });

  it('reads f-strings, concatenation, "%s" %, .format, pathlib / and Path(...).open(), with from-imports and aliases', async () => {
    const src = [
      'from os import environ, getenv',
      'from pathlib import Path',
      'import pickle as pk',
      'BASE = environ.get("AZUREML_MODEL_DIR", "")',
      'def init():',
      '    a = pk.load(open(f"{BASE}/a.pkl", "rb"))',
      '    b = open(BASE + "/b.txt").read()',
      '    c = open("%s/c.bin" % BASE)',
      '    d = open("{}/d.bin".format(BASE))',
      '    e = Path(getenv("AZUREML_MODEL_DIR")) / "e" / "e.onnx"',
      '    data = e.read_bytes()',
      '    with (Path(BASE) / "f.json").open() as fh:',
      '        pass',
    ].join('\n');
    assert.deepEqual(await suffixes(src), ['/a.pkl', '/b.txt', '/c.bin', '/d.bin', '/e/e.onnx', '/f.json']);
  });

  it('keeps a missing "/" (the path then leaves the model folder) and ignores paths it cannot resolve', async () => {
    const src = [
      'import os',
      'def init():',
      '    d = os.getenv("AZUREML_MODEL_DIR")',
      '    x = open(d + "model.pkl")',
      '    y = open(os.path.join(d, some_name))',
      '    z = open(os.path.join("/opt/models", "m.pkl"))',
    ].join('\n');
    assert.deepEqual(await suffixes(src), ['model.pkl']);
  });

  it('a name assigned in one function does not leak into another', async () => {
    const src = ['import os', 'def helper():', '    p = os.getenv("AZUREML_MODEL_DIR")', 'def init():', '    open(p + "/x")'].join('\n');
    assert.deepEqual(await suffixes(src), []);
  });

  it('records Model.get_model_path names', async () => {
    const refs = await findModelReferences('from azureml.core.model import Model\ndef init():\n    p = Model.get_model_path(model_name="sklearn_mnist")\n');
    assert.deepEqual(refs.getModelPath.map((g) => [g.name, g.line]), [['sklearn_mnist', 3]]);
  });
});

describe('model layout and path checks (unit)', () => {
  it('a model file sits directly under AZUREML_MODEL_DIR; a folder keeps its name', () => {
    const file = path.join(tmp, 'weights.json');
    writeFileSync(file, '{}');
    assert.deepEqual(modelLayout(file).files, ['weights.json']);
    const folder = path.join(tmp, 'mymodel');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    writeFileSync(path.join(folder, 'sub', 'm.pkl'), 'x');
    writeFileSync(path.join(folder, 'labels.txt'), 'x');
    const layout = modelLayout(folder);
    assert.deepEqual(layout.files, ['mymodel/labels.txt', 'mymodel/sub/m.pkl']);
    assert.deepEqual(checkModelPath('/mymodel/sub/m.pkl', layout), { found: true });
    assert.deepEqual(checkModelPath('/mymodel', layout), { found: true });
    assert.deepEqual(checkModelPath('', layout), { found: true });
    assert.deepEqual(checkModelPath('/mymodel/*.txt', layout), { found: true });
    // The folder's contents without its name: what a script written for another layout opens.
    const miss = checkModelPath('/sub/m.pkl', layout);
    assert.equal(miss.found, false);
    assert.equal(!miss.found && miss.closest, 'mymodel/sub/m.pkl');
    assert.deepEqual(checkModelPath('m.pkl', layout), { found: false, reason: 'outside' });
    assert.deepEqual(checkModelPath('/../etc/passwd', layout), { found: false, reason: 'outside' });
  });

  it('suggests the closest file name', () => {
    const file = path.join(tmp, 'diabetes-linear.npz');
    writeFileSync(file, 'x');
    const c = checkModelPath('/diabetes.npz', modelLayout(file));
    assert.deepEqual(c, { found: false, reason: 'missing', closest: 'diabetes-linear.npz' });
  });
});

describe('traceback frames mapped to local files (unit, hostile log text)', () => {
  it('maps /var/azureml-app paths into the source folder and never outside it', () => {
    const src = path.join(tmp, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'score.py'), 'x');
    writeFileSync(path.join(tmp, 'secret.txt'), 'x');
    assert.equal(localPathForFrame('/var/azureml-app/score.py', src), path.join(src, 'score.py'));
    assert.equal(localPathForFrame('/var/azureml-app/../secret.txt', src), undefined);
    assert.equal(localPathForFrame('/var/azureml-app/missing.py', src), undefined);
    assert.equal(localPathForFrame('/usr/lib/python3/dist-packages/flask/app.py', src), undefined);
  });
});
