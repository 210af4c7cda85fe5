import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeScoringScript } from '../../../src/analysis/analyze';

const rules = async (src: string) => (await analyzeScoringScript(src)).map((f) => f.rule).sort();

describe('missing-init / missing-run (unit)', () => {
  it('reports nothing on a script with init() and run()', async () => {
    assert.deepEqual(await rules('def init():\n    pass\n\ndef run(data):\n    return data\n'), []);
  });
  it('reports missing-run when run() is absent', async () => {
    const findings = await analyzeScoringScript('def init():\n    pass\n');
    assert.deepEqual(findings.map((f) => f.rule), ['missing-run']);
    assert.equal(findings[0]!.severity, 'error');
    assert.match(findings[0]!.message, /run\(\)/);
    assert.match(findings[0]!.docsUrl!, /^https:\/\/learn\.microsoft\.com\//);
  });
  it('reports missing-init when init() is absent', async () => {
    assert.deepEqual(await rules('def run(data):\n    return 1\n'), ['missing-init']);
  });
  it('accepts decorated run() (inference_schema / rawhttp)', async () => {
    // The decorators' names imported and defined: an unimported decorator is the NameError undefined-name reports.
    const imports = 'from inference_schema.schema_decorators import input_schema, output_schema\nfrom inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType\nx = y = None\n';
    const src = imports + '@input_schema("data", NumpyParameterType(x))\n@output_schema(y)\ndef run(data):\n    return 1\ndef init():\n    pass\n';
    assert.deepEqual(await rules(src), []);
  });
  it('does not count nested or method definitions as top-level', async () => {
    const src = 'class Scorer:\n    def init(self):\n        pass\n    def run(self, d):\n        pass\n\ndef outer():\n    def run(d):\n        pass\n';
    assert.deepEqual(await rules(src), ['missing-init', 'missing-run']);
  });
  it('does not count a name in a comment or string (a real parser, not a regex)', async () => {
    const src = '# def init():\nDOC = """\ndef run(data):\n"""\n';
    assert.deepEqual(await rules(src), ['missing-init', 'missing-run']);
  });
});

describe('syntax-error (unit)', () => {
  it('reports the syntax error and still finds the functions it can', async () => {
    const src = 'def init():\n    global model\n    model = load(\n\ndef run(data):\n    return model.predict(data)\n';
    const findings = await analyzeScoringScript(src);
    const syntax = findings.filter((f) => f.rule === 'syntax-error');
    assert.equal(syntax.length, 1);
    assert.equal(findings.some((f) => f.rule === 'missing-init'), false);
  });
  it('never throws on empty or binary-looking input', async () => {
    for (const src of ['', '\0\0\0', ')))(((', 'def', '\ufeffdef run(:']) {
      await analyzeScoringScript(src);
    }
  });
});
