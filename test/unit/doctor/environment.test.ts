// Step 2's reading of conda files and requirements.txt: the inference server package and pins known to
// break (an old release installed by pip next to a newer release of a package it imports).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkCondaFile, checkRequirementsFile, forcedBelow, parseRange, PIN_RULES } from '../../../src/doctor/environment';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-doctor-env-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function file(name: string, text: string): string {
  const f = path.join(tmp, `${n++}-${name}`);
  writeFileSync(f, text);
  return f;
}
/** The release just before a version: 2.0 -> 1.9, 2.2.2 -> 2.2.1. */
function justBelow(v: string): string {
  const parts = v.split('.').map(Number);
  let i = parts.length - 1;
  while (i > 0 && parts[i] === 0) i--;
  parts[i]! -= 1;
  for (let j = i + 1; j < parts.length; j++) parts[j] = 9;
  return parts.join('.');
}
const conda = (pip: string[], condaDeps: string[] = ['python=3.11', 'pip']) =>
  ['name: t', 'dependencies:', ...condaDeps.map((d) => `  - ${d}`), '  - pip:', ...pip.map((p) => `      - ${p}`), ''].join('\n');

describe('version ranges (unit)', () => {
  it('knows which specs force a release below a version', () => {
    const below = (spec: string, inst: 'pip' | 'conda', v: number[]) => forcedBelow(parseRange(spec, inst), v);
    assert.equal(below('==1.1.2', 'pip', [2, 0]), true);
    assert.equal(below('<2', 'pip', [2, 0]), true);
    assert.equal(below('<=2.0', 'pip', [2, 0]), false);
    assert.equal(below('>=1.0,<1.5', 'pip', [2, 0]), true);
    assert.equal(below('~=1.4', 'pip', [2, 0]), true);
    assert.equal(below('~=1.4.2', 'pip', [1, 5]), true);
    assert.equal(below('>=1.0', 'pip', [2, 0]), false);
    assert.equal(below('', 'pip', [2, 0]), false);
    assert.equal(below('=1.24', 'conda', [2, 0]), true);
    assert.equal(below('1.24.*', 'conda', [2, 0]), true);
    assert.equal(below('=2.2', 'conda', [2, 2, 2]), false, '2.2.* includes 2.2.5');
    assert.equal(below('==2.2.1', 'pip', [2, 2, 2]), true);
  });
});

describe('environment check (unit)', () => {
  it('a conda file without the inference server fails on the dependencies line, with the quick fix named', () => {
    const f = file('conda.yml', conda(['inference-schema']));
    const c = checkCondaFile(f);
    assert.equal(c.problems.length, 1);
    assert.equal(c.problems[0]!.line, 2);
    assert.match(c.problems[0]!.problem, /no azureml-defaults or azureml-inference-server-http/);
    assert.match(c.problems[0]!.fix, /Add azureml-defaults>=1\.0\.45/);
  });

  it('a healthy conda file passes and names the server package', () => {
    const c = checkCondaFile(file('conda.yml', conda(['azureml-defaults>=1.0.45', 'scikit-learn==1.5.1'], ['python=3.11', 'numpy=1.26', 'pip'])));
    assert.deepEqual(c.problems, []);
    assert.equal(c.serverPackage, 'azureml-defaults>=1.0.45');
  });

  it('flags each pin rule on its own line, and not when the newer release is held back', () => {
    for (const rule of PIN_RULES) {
      const old = `${rule.package}==${justBelow(rule.below)}`;
      const broken = checkCondaFile(file('conda.yml', conda(['azureml-defaults', old])));
      const p = broken.problems.find((x) => x.rule === rule.id);
      assert.ok(p, `${rule.id}: ${old} not flagged (${JSON.stringify(broken.problems)})`);
      assert.equal(p.line, 7, rule.id);
      assert.ok(p.fix.length > 10);
      const held = checkCondaFile(file('conda.yml', conda(['azureml-defaults', old, `${rule.other}<${rule.atLeast}`])));
      assert.equal(held.problems.find((x) => x.rule === rule.id), undefined, `${rule.id}: flagged although ${rule.other} is held below ${rule.atLeast}`);
    }
  });

  it('a conda-installed package is left to conda\'s solver; numpy 2 rules need Python >= 3.9', () => {
    const viaConda = checkCondaFile(file('conda.yml', conda(['azureml-defaults'], ['python=3.11', 'pandas=2.0', 'pip'])));
    assert.deepEqual(viaConda.problems, []);
    const oldPython = checkCondaFile(file('conda.yml', conda(['azureml-defaults', 'pandas==2.0.3'], ['python=3.8', 'pip'])));
    assert.deepEqual(oldPython.problems, []);
    const numpyPinned = checkCondaFile(file('conda.yml', conda(['azureml-defaults', 'pandas==2.0.3'], ['python=3.11', 'numpy=1.26', 'pip'])));
    assert.deepEqual(numpyPinned.problems, []);
  });

  it('requirements.txt: missing server, an old azureml-defaults, comments, markers and options', () => {
    const missing = checkRequirementsFile(file('requirements.txt', 'numpy\nscikit-learn==1.5.1\n'));
    assert.equal(missing.problems.length, 1);
    assert.match(missing.problems[0]!.problem, /installs neither azureml-defaults nor azureml-inference-server-http/);
    const old = checkRequirementsFile(file('requirements.txt', '# pinned\n--index-url https://example.invalid/simple\nazureml-defaults==1.0.39  # old\n'));
    assert.deepEqual(old.problems.map((p) => [p.package, p.line]), [['azureml-defaults==1.0.39  # old', 3]]);
    const ok = checkRequirementsFile(file('requirements.txt', 'azureml-inference-server-http ; python_version >= "3.8"\nFlask==2.2.2\nwerkzeug<3\n'));
    assert.deepEqual(ok.problems, []);
    const flask = checkRequirementsFile(file('requirements.txt', 'azureml-inference-server-http\nFlask==2.2.2\n'));
    assert.deepEqual(flask.problems.map((p) => [p.rule, p.line]), [['flask-werkzeug3', 2]]);
    assert.match(flask.problems[0]!.problem, /url_quote/);
  });

  it('a hostile requirements line (a megabyte of spaces before a comment mark) is still read (a backtracking pattern would not finish)', () => {
    const f = file('requirements.txt', `azureml-defaults${' '.repeat(1_000_000)}x\nflask==1.1.2${' '.repeat(1_000_000)}# old\n`);
    const c = checkRequirementsFile(f);
    assert.equal(c.serverPackage?.startsWith('azureml-defaults'), true);
    assert.deepEqual(c.problems.map((p) => [p.rule, p.line]), [['flask-werkzeug3', 2], ['flask1-jinja2', 2], ['flask1-itsdangerous', 2]]);
  });
});
