// Fuzz: 10,000+ seeded random and mutated inputs through the analysis (strict mode: a rule's internal error
// fails the test instead of being skipped). Each input must finish in bounded time, every finding must have
// a range inside the text, and every quick fix must apply cleanly (no overlapping edits).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inspectScoringScript } from '../../../src/analysis/analyze';
import { analyzeCondaEnv } from '../../../src/analysis/conda';
import { applyEdits } from './edits';
import { rng } from '../../helpers/rng';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10000);
/** Bounded time per input: far above the ~1 ms typical, far below a hang. */
const PER_INPUT_MS = 2000;

const SEEDS = [
  readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'score.py'), 'utf8'),
  readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'drafts', 'score_draft.py'), 'utf8'),
  [
    'import debugpy, joblib, json, logging',
    'from sklearn.externals import joblib as jl',
    'from azureml.core.model import Model',
    'model = None',
    '@input_schema("data", NumpyParameterType(x))',
    '@rawhttp',
    'def init():',
    '    model = jl.load(Model.get_model_path("m"))',
    '    debugpy.listen(5678); debugpy.wait_for_client()',
    'def run(raw_data, *args, **kw):',
    '    """doc"""',
    '    data = json.loads(raw_data)["data"]',
    '    try:',
    '        m = joblib.load("/var/azureml-app/azureml-models/m/1/model.pkl")',
    '        y = m.predict(data)',
    '        return {"y": y}',
    '    except (ValueError, KeyError) as e:',
    '        msg = f"failed {e!r}"',
    '        return AMLResponse(msg + traceback.format_exc(), 500)',
    '    finally:',
    '        pass',
  ].join('\n'),
  ['def init():', '\tglobal m', '\tm = 1', 'def run(mini_batch):', '\tfor f in mini_batch:', '\t\tprint(f)', ''].join('\n'),
];

const TOKENS = [
  'def', 'run', 'init', '(', ')', ':', '\n', '    ', '\t', 'try', 'except', 'Exception', 'as', 'e', 'return', 'str(e)', 'global', 'model',
  '=', 'joblib.load(', 'debugpy.listen(', '@rawhttp\n', '@input_schema("d", T)\n', '"""', "'", '"', 'f"{e}"', '[', ']', '{', '}', ',', 'lambda',
  'class', 'async', 'await', 'yield', 'with', 'for', 'in', 'if', 'else', 'elif', '#', '\\', '\r\n', '\u00e9', '\ud83d\ude00', '\0', '\ufeff',
  'np.array(', '.predict(', '.tolist()', 'import', 'from', 'pass', 'raise', 'mini_batch', '*args', '**kwargs', ';', '...', '0x', '1e9', 'match', 'case',
];

function mutate(src: string, r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  let s = src;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (s.length + 1));
    const j = Math.min(s.length, i + Math.floor(r() * 40));
    switch (Math.floor(r() * 7)) {
      case 0: s = s.slice(0, i) + s.slice(j); break; // delete a span
      case 1: s = s.slice(0, i) + pick(TOKENS) + s.slice(i); break; // insert a token
      case 2: s = s.slice(0, i) + s.slice(i, j) + s.slice(i); break; // duplicate a span
      case 3: s = s.slice(0, i); break; // truncate (typing at the end)
      case 4: { // re-indent a line
        const lines = s.split('\n');
        const l = Math.floor(r() * lines.length);
        lines[l] = ' '.repeat(Math.floor(r() * 9)) + lines[l]!.trimStart();
        s = lines.join('\n');
        break;
      }
      case 5: s = s.slice(0, i) + String.fromCharCode(Math.floor(r() * 0xffff)) + s.slice(i); break; // any UTF-16 unit
      default: { // swap two lines
        const lines = s.split('\n');
        const a = Math.floor(r() * lines.length);
        const b = Math.floor(r() * lines.length);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        s = lines.join('\n');
      }
    }
  }
  return s;
}

function randomTokens(r: () => number): string {
  const n = Math.floor(r() * 80);
  let s = '';
  for (let k = 0; k < n; k++) s += TOKENS[Math.floor(r() * TOKENS.length)] + (r() < 0.3 ? ' ' : '');
  return s;
}

describe('analysis fuzz (unit)', { timeout: 600000 }, () => {
  it(`analyses ${COUNT} seeded random and mutated inputs without an exception, each in bounded time`, async () => {
    const r = rng(SEED);
    let slowest = 0;
    let withFindings = 0;
    let fixesApplied = 0;
    for (let k = 0; k < COUNT; k++) {
      const kind = r();
      const text = kind < 0.7 ? mutate(SEEDS[Math.floor(r() * SEEDS.length)]!, r) : kind < 0.9 ? randomTokens(r) : Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
      const t0 = performance.now();
      let result;
      try {
        result = await inspectScoringScript(text, { strict: true });
      } catch (err) {
        assert.fail(`input #${k} (seed ${SEED}) threw ${(err as Error).stack}\n--- input ---\n${JSON.stringify(text)}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < PER_INPUT_MS, `input #${k} took ${ms.toFixed(0)} ms`);
      const lineCount = text.split(/\r?\n/).length;
      if (result.findings.length) withFindings++;
      for (const f of result.findings) {
        assert.ok(f.range.start.line >= 0 && f.range.end.line < lineCount + 1, `input #${k}: ${f.rule} range outside the text`);
        for (const fix of f.fixes ?? []) {
          applyEdits(text, fix.edits); // throws on overlapping edits
          fixesApplied++;
        }
      }
    }
    // The generator must exercise the rules, not only produce noise the analysis shrugs off.
    assert.ok(withFindings > COUNT / 2, `only ${withFindings} inputs produced findings`);
    assert.ok(fixesApplied > COUNT / 4, `only ${fixesApplied} fixes applied`);
    console.log(`fuzz: ${COUNT} inputs, slowest ${slowest.toFixed(1)} ms, ${withFindings} with findings, ${fixesApplied} fixes applied`);
  });

  it('survives 1,000 mutated conda environment files', () => {
    const r = rng(SEED + 1);
    const base = 'name: env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - azureml-defaults==1.0.10\n      - numpy\n';
    for (let k = 0; k < 1000; k++) {
      const text = mutate(base, r);
      let res;
      try {
        res = analyzeCondaEnv(text);
      } catch (err) {
        assert.fail(`conda input #${k} threw ${(err as Error).stack}\n${JSON.stringify(text)}`);
      }
      for (const f of res.findings) for (const fix of f.fixes ?? []) applyEdits(text, fix.edits);
    }
  });
});
