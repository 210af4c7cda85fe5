// Step 6's request body when the project has no sample file: built from run()'s @input_schema decorators,
// whose samples are Python literals read from the syntax tree (never executed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryFunctionLines, sampleFromSchema } from '../../../src/doctor/sample';

describe('sample request from inference_schema (unit)', () => {
  it('numpy, pandas and standard parameter types, through module-level names', async () => {
    const src = [
      'import numpy as np',
      'import pandas as pd',
      'from inference_schema.schema_decorators import input_schema, output_schema',
      'from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType',
      'from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType',
      'from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType',
      'sample = np.array([[0.1, -2, 3e-2]])',
      'frame = pd.DataFrame({"age": [40, 51], "sex": ["f", "m"]})',
      '@input_schema("data", NumpyParameterType(sample))',
      '@input_schema("Inputs", StandardPythonParameterType({"frame": PandasParameterType(frame), "flag": True, "none": None}))',
      '@output_schema(NumpyParameterType(np.array([1.0])))',
      'def run(data, Inputs):',
      '    return data',
    ].join('\n');
    const s = await sampleFromSchema(src);
    assert.ok(s);
    assert.equal(s.line, 9);
    assert.deepEqual(JSON.parse(s.body), { data: [[0.1, -2, 0.03]], Inputs: { frame: [{ age: 40, sex: 'f' }, { age: 51, sex: 'm' }], flag: true, none: null } });
  });

  it('a DataFrame from rows and columns, keyword arguments', async () => {
    const src = [
      'import pandas as pd',
      'from inference_schema.schema_decorators import input_schema',
      '@input_schema(param_name="data", param_type=PandasParameterType(pd.DataFrame([[1, 2]], columns=["a", "b"])))',
      'def run(data):',
      '    return data',
    ].join('\n');
    assert.deepEqual(JSON.parse((await sampleFromSchema(src))!.body), { data: [{ a: 1, b: 2 }] });
  });

  it('no decorator, or a sample that is not a literal: no sample (nothing is executed)', async () => {
    assert.equal(await sampleFromSchema('def run(data):\n    return data\n'), undefined);
    const computed = ['from inference_schema.schema_decorators import input_schema', '@input_schema("data", NumpyParameterType(load_sample()))', 'def run(data):', '    return 1'].join('\n');
    assert.equal(await sampleFromSchema(computed), undefined);
    const cyclic = ['a = b', 'b = a', '@input_schema("data", StandardPythonParameterType(a))', 'def run(data):', '    return 1'].join('\n');
    assert.equal(await sampleFromSchema(cyclic), undefined);
  });

  it('finds the lines of init() and run()', async () => {
    assert.deepEqual(await entryFunctionLines('import os\n\ndef init():\n    pass\n\n@rawhttp\ndef run(r):\n    pass\n'), { init: 3, run: 7 });
  });
});
