// Fuzz: 10,000+ seeded inputs through the analysis (strict mode: a rule's internal error fails the test instead
// of being skipped): mutated scoring scripts, scripts cut off anywhere, random token soups, deep nesting (brackets,
// indentation, nested blocks), long lines (up to and past the analysis' line limit), invalid UTF-8 and NULs,
// random characters. No input may throw; each input's CPU time is bounded as a ratio to ordinary Python of the same
// length, measured at the start of the run; every finding has a range inside the text, and every quick fix
// applies cleanly (no overlapping edits).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inspectScoringScript } from '../../../src/analysis/analyze';
import { MAX_LINE_CHARS } from '../../../src/analysis/bounds';
import { analyzeCondaEnv } from '../../../src/analysis/conda';
import { referencePython } from '../../../src/analysis/parser';
import { applyEdits } from './edits';
import { rng } from '../../helpers/rng';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10000);
/**
 * Per input: at most this many times the CPU time ordinary Python of the same length takes (fixed cost plus cost
 * per character, fitted at the start of the run), and never less than the floor (a scavenge or a JIT compile
 * alone can take a few ms, whatever the input). The analysis costs per syntax node: text with a node every two
 * characters and errors all over (a minified line inside run()) measured up to 30x ordinary Python per
 * character; anything superlinear (the hangs this guards against) goes far past any fixed ratio.
 */
const RATIO = 40;
const FLOOR_MS = 30;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

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

/** Deep nesting: brackets over lines, indentation levels, nested blocks; around CPython's limits (200 brackets, 100 indents). */
function deepNesting(r: () => number): string {
  const depth = 1 + Math.floor(r() * 260);
  switch (Math.floor(r() * 4)) {
    case 0: {
      const open = Array.from({ length: depth }, () => '([{'[Math.floor(r() * 3)]!);
      const close = open.map((c) => ({ '(': ')', '[': ']', '{': '}' })[c]!).reverse();
      const sep = r() < 0.5 ? '\n' : '';
      return `def init():\n    pass\n\ndef run(data):\n    x = ${open.join(sep)}data${r() < 0.8 ? close.join(sep) : ''}\n    return x\n`;
    }
    case 1: {
      const levels = Math.min(depth, 130);
      const body = Array.from({ length: levels }, (_, i) => ' '.repeat(4 * (i + 1)) + ['if data:', 'for x in data:', 'try:', 'with open(p) as f:', 'while True:'][i % 5]).join('\n');
      return `def run(data):\n${body}\n${' '.repeat(4 * (levels + 1))}return data\n`;
    }
    case 2: {
      let s = '';
      for (let i = 0; i < Math.min(depth, 120); i++) s += ' '.repeat(4 * i) + (i % 2 ? `class C${i}:\n` : `def f${i}(a=[{"k": (1, 2)}], *args, **kw):\n`);
      return 'def init():\n    global model\n    model = 1\n' + s + ' '.repeat(4 * Math.min(depth, 120)) + 'return model\n';
    }
    default:
      return `def run(d):\n    return ${'f('.repeat(depth)}d${')'.repeat(r() < 0.7 ? depth : Math.floor(depth / 2))}\n`;
  }
}

/** A script with one long line: minified data or code, around the analysis' line limit. */
function longLine(r: () => number): string {
  const length = Math.floor(MAX_LINE_CHARS * (0.25 + r() * 1.05));
  const unit = ['0.125, ', '"abc", ', 'a=b(c[1],{d:e}),', 'x', ' ', 'QUJD'][Math.floor(r() * 6)]!;
  const line = `    data = [${unit.repeat(Math.ceil(length / unit.length)).slice(0, length)}]`;
  return `import json\n\ndef init():\n    pass\n\ndef run(raw):\n${line}\n    return json.dumps(data)\n`;
}

/** Random bytes read as UTF-8 (undecodable sequences become U+FFFD), sometimes inside a script, sometimes with NULs. */
function invalidUtf8(r: () => number, seed: string): string {
  const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256)).filter((b) => r() < 0.3 || b !== 0));
  const junk = bytes.toString('utf8');
  if (r() < 0.5) return junk;
  const at = Math.floor(r() * (seed.length + 1));
  return seed.slice(0, at) + junk + seed.slice(at);
}

function randomTokens(r: () => number): string {
  const n = Math.floor(r() * 80);
  let s = '';
  for (let k = 0; k < n; k++) s += TOKENS[Math.floor(r() * TOKENS.length)] + (r() < 0.3 ? ' ' : '');
  return s;
}

/** One input: its kind and its text. */
function generate(r: () => number): [string, string] {
  const x = r();
  const seed = SEEDS[Math.floor(r() * SEEDS.length)]!;
  return x < 0.55 ? ['mutated', mutate(seed, r)]
    : x < 0.65 ? ['truncated', seed.slice(0, Math.floor(r() * (seed.length + 1)))]
    : x < 0.8 ? ['tokens', randomTokens(r)]
    : x < 0.88 ? ['nesting', deepNesting(r)]
    : x < 0.9 ? ['long line', longLine(r)]
    : x < 0.95 ? ['invalid UTF-8', invalidUtf8(r, seed)]
    : ['characters', Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 256))).join('')];
}

describe('analysis fuzz (unit)', { timeout: 600000 }, () => {
  it(`analyses ${COUNT} seeded inputs without an exception, each within ${RATIO}x the time of ordinary Python of its length`, async () => {
    // The reference: ordinary Python (cost = fixed + per character), after warming the pipeline up.
    const ref = referencePython();
    const small = ref.slice(0, ref.indexOf('\n', 1000) + 1);
    const large = ref.slice(0, ref.indexOf('\n', 32 * 1024) + 1);
    const cost = async (text: string) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = cpuMs();
        await inspectScoringScript(text, { strict: true });
        times.push(cpuMs() - t0);
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    await cost(large);
    const [cs, cl] = [await cost(small), await cost(large)];
    const perChar = Math.max(0, (cl - cs) / (large.length - small.length));
    const fixed = Math.max(0, cs - perChar * small.length);
    const limit = (chars: number) => Math.max(FLOOR_MS, RATIO * (fixed + perChar * chars));

    // Inputs of every kind first, untimed (a different seed): the first runs of each rule's code paths pay for
    // their compilation, which says nothing about the input.
    const warm = rng(SEED + 7);
    for (let k = 0; k < 500; k++) await inspectScoringScript(generate(warm)[1], { strict: true });

    const r = rng(SEED);
    const kinds: Record<string, number> = {};
    let slowest = { ratio: 0, ms: 0, chars: 0, kind: '' };
    let withFindings = 0;
    let fixesApplied = 0;
    for (let k = 0; k < COUNT; k++) {
      const [kind, text] = generate(r);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const run = async () => {
        const t0 = cpuMs();
        try {
          return { result: await inspectScoringScript(text, { strict: true }), ms: cpuMs() - t0 };
        } catch (err) {
          assert.fail(`input #${k} (${kind}, seed ${SEED}) threw ${(err as Error).stack}\n--- input ---\n${JSON.stringify(text.slice(0, 2000))}`);
        }
      };
      const first = await run();
      const result = first.result;
      let ms = first.ms;
      // A slow input is slow every time; a garbage collection or a first compile of some code path is not: an
      // input over its limit is measured twice more and keeps its fastest time.
      for (let again = 0; again < 2 && ms > limit(text.length); again++) ms = Math.min(ms, (await run()).ms);
      if (ms / limit(text.length) > slowest.ratio) slowest = { ratio: ms / limit(text.length), ms, chars: text.length, kind };
      assert.ok(ms <= limit(text.length), `input #${k} (${kind}, ${text.length} chars) took ${ms.toFixed(1)} ms CPU; limit ${limit(text.length).toFixed(1)} ms`);
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
    console.log(`fuzz: ${COUNT} inputs ${JSON.stringify(kinds)}; reference ${fixed.toFixed(2)} ms + ${(perChar * 1024).toFixed(3)} ms/KB; closest to the limit: ${slowest.kind}, ${slowest.chars} chars, ${slowest.ms.toFixed(1)} ms (${(100 * slowest.ratio).toFixed(0)}% of its limit); ${withFindings} with findings, ${fixesApplied} fixes applied`);
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
