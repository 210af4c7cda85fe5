// What the analysis refuses to parse, and how it survives what it does parse: files too large, minified, not
// Python, a parser runtime that aborts, text that keeps the parser's error recovery busy. Each case is the attack
// input itself; times are CPU time as a ratio to ordinary Python of the same length, measured in the same run.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { inspectScoringScript } from '../../../src/analysis/analyze';
import { MAX_LINE_CHARS, MAX_SOURCE_CHARS, precheckSource } from '../../../src/analysis/bounds';
import { discardRuntime, PARSE_BUDGET_RATIO, referencePython, setParserMemoryLimit } from '../../../src/analysis/parser';
import { notebookPython } from '../../../src/analysis/references';
import { rng } from '../../helpers/rng';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU ms of one analysis (the median of `runs` when measuring a reference). */
async function cpuOf(text: string, runs = 1): Promise<{ ms: number; result: Awaited<ReturnType<typeof inspectScoringScript>> }> {
  const times: number[] = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = cpuMs();
    result = await inspectScoringScript(text, { fileName: 'score.py' });
    times.push(cpuMs() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, result: result! };
}

/** Ordinary Python of exactly `chars` characters, cut at a line end (what every time here is compared with). */
function normalPython(chars: number): string {
  let text = referencePython();
  while (text.length < chars) text += referencePython();
  return text.slice(0, text.lastIndexOf('\n', chars) + 1);
}

function lines(chars: number, lineLength: number, next: () => string): string {
  let out = '';
  let line = '';
  while (out.length + line.length < chars) {
    line += next();
    if (line.length >= lineLength) {
      out += line + '\n';
      line = '';
    }
  }
  return out;
}

/** An entry script without findings: the tests below take a function away and expect exactly that finding. */
const SCORE = [
  'import json',
  'import logging',
  '',
  'def init():',
  '    pass',
  '',
  'def run(raw_data):',
  '    try:',
  '        return json.loads(raw_data)',
  '    except ValueError:',
  '        logging.exception("bad input")',
  '        return {"error": "bad input"}',
  '',
].join('\n');

describe('analysis bounds: what is not parsed (unit)', () => {
  it('a 25 MiB file gets one informational finding, and the next file is analysed as usual', async () => {
    const big = 'a=b(c[1],{d:e}),'.repeat((25 * 1024 * 1024) / 16); // the minified 25 MiB that made the runtime abort
    // Measured as the normal file below is (median of 3): one run can take a collection of the 50 MB just built.
    const { ms, result: res } = await cpuOf(big, 3);
    assert.deepEqual(res.findings.map((f) => [f.rule, f.severity]), [['analysis-skipped', 'information']]);
    assert.match(res.findings[0]!.message, /score\.py is 26,214,400 characters long, more than the 1,048,576 characters \(1 MiB\) the analysis reads: not analysed/);
    const next = await inspectScoringScript(SCORE.replace('def run', 'def not_run'), { fileName: 'score.py' });
    assert.deepEqual(next.findings.map((f) => f.rule), ['missing-run']);
    // The size is checked before anything else: answering takes less than analysing one small normal file.
    const normal = (await cpuOf(normalPython(64 * 1024), 3)).ms;
    assert.ok(ms < Math.max(normal, 5), `25 MiB answered in ${ms.toFixed(1)} ms CPU; a 64 KB normal file takes ${normal.toFixed(1)} ms`);
  });

  it('a 10 MiB ordinary module is answered without parsing: less time than a 100 KB file, memory flat', async () => {
    const ten = normalPython(10 * 1024 * 1024 + 1);
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const { ms, result } = await cpuOf(ten);
    const grew = (process.memoryUsage().rss - rss0) / 1048576;
    assert.equal(result.skipped, true);
    assert.equal(result.findings[0]!.rule, 'analysis-skipped');
    const normal = (await cpuOf(normalPython(100 * 1024), 3)).ms;
    assert.ok(ms < normal, `10 MiB: ${ms.toFixed(1)} ms CPU; 100 KB normal: ${normal.toFixed(1)} ms`);
    // Before, parsing it took 1.15 GiB; now nothing is allocated for it.
    assert.ok(grew < 64, `RSS grew by ${grew.toFixed(0)} MB`);
  });

  it('a line over 20,000 characters (minified code) is named with its length', async () => {
    const text = SCORE + 'x = [' + '1, '.repeat(MAX_LINE_CHARS / 3 + 10) + ']\n' + SCORE;
    const [f] = (await inspectScoringScript(text, { fileName: 'score.py' })).findings;
    assert.equal(f!.rule, 'analysis-skipped');
    assert.equal(f!.range.start.line, 12);
    assert.match(f!.message, /Line 13 of score\.py is 20,034 characters long \(minified or generated code/);
    // One character under the limit is analysed.
    const ok = SCORE + 'x = "' + 'a'.repeat(MAX_LINE_CHARS - 6) + '"\n';
    assert.equal(precheckSource(ok), undefined);
    assert.equal(precheckSource(ok + 'y = "' + 'a'.repeat(MAX_LINE_CHARS - 5) + '"\n')?.kind, 'line');
  });

  it('NUL bytes are the syntax error CPython reports, at the first one, without parsing', async () => {
    const text = SCORE + 'x = 1\0\0\n' + SCORE;
    const res = await inspectScoringScript(text, { fileName: 'score.py' });
    assert.deepEqual(res.findings.map((f) => [f.rule, f.severity, f.range.start.line, f.range.start.character]), [['syntax-error', 'error', 12, 5]]);
    assert.match(res.findings[0]!.message, /source code cannot contain null bytes/);
    // UTF-16 saved files read as UTF-8 are full of NULs.
    const utf16 = Buffer.from('\ufeff' + SCORE, 'utf16le').toString('utf8');
    assert.equal(precheckSource(utf16)?.kind, 'nul');
  });

  it("nesting beyond CPython's tokenizer limits is the syntax error CPython reports, without parsing", async () => {
    // 200 levels of brackets are allowed, the 201st is "too many nested parentheses"; brackets in strings do not count.
    const nested = (levels: number) => SCORE + 'x = ' + '(\n'.repeat(levels) + '"((((("' + ')\n'.repeat(levels);
    assert.deepEqual((await inspectScoringScript(nested(200))).findings, []);
    const deep = await inspectScoringScript(nested(201), { fileName: 'score.py' });
    assert.deepEqual(deep.findings.map((f) => [f.rule, f.range.start.line]), [['syntax-error', 12 + 200]]);
    assert.match(deep.findings[0]!.message, /^too many nested parentheses \(SyntaxError/);
    // Indentation: CPython stops at the 100th level ("too many levels of indentation").
    const indented = (levels: number) => SCORE + Array.from({ length: levels }, (_, i) => ' '.repeat(i) + 'if x:').join('\n') + '\n' + ' '.repeat(levels) + 'pass\n';
    assert.equal(precheckSource(indented(99)), undefined);
    const tooDeep = await inspectScoringScript(indented(100));
    assert.deepEqual(tooDeep.findings.map((f) => [f.rule, f.range.start.line]), [['syntax-error', 12 + 100]]);
    assert.match(tooDeep.findings[0]!.message, /^too many levels of indentation \(IndentationError/);
  });

  it('text that is not Python is recognised; Python with such characters in strings and comments is not', () => {
    const r = rng(7);
    const js = lines(64 * 1024, 80, () => ['function(a){', 'return a.b?c(d):e[f]', '};', 'var $x=`t`;', '!g&&h()', ' '][Math.floor(r() * 6)]!);
    const reason = precheckSource(js);
    assert.equal(reason?.kind, 'not-python');
    // The first rejected token, as data (the message words it): one of the characters above, or an unmatched bracket.
    assert.match(JSON.stringify(reason), /"what":\{"char":(63|36|96|33)\}|"what":\{"unmatched":"[)\]}]"\}/);
    const printable = lines(64 * 1024, 60, () => String.fromCharCode(32 + Math.floor(r() * 95)));
    assert.equal(precheckSource(printable)?.kind, 'not-python');
    const binary = Buffer.from(Array.from({ length: 64 * 1024 }, () => 1 + Math.floor(r() * 255))).toString('latin1');
    assert.equal(precheckSource(binary)?.kind, 'not-python');
    // The same characters where Python allows them: strings (single, triple, continued), comments, f-string !r, !=.
    const python = [
      'price = "$5?"  # costs $5? `really`!',
      "doc = '''$ ? ` ! unmatched ) ] }",
      "still in the string $$$'''",
      's = f"{x!r} {y!s}" if a != b else \'it\\\'s\'',
      'long = "first part \\',
      'second part $"',
      'shell = r"grep -E \'^[a-z]+$\' file"',
      'x = (1 +',
      '     2)  # ) in a comment',
    ];
    const realistic = Array.from({ length: 40 }, (_, i) => python.map((l) => l.replace('price', `price${i}`)).join('\n')).join('\n') + '\n';
    assert.equal(precheckSource(realistic), undefined);
    // A half-typed file: a few lines a tokenizer rejects are still analysed (the parser reports the syntax error).
    const halfTyped = normalPython(32 * 1024).replace(/return json\.load\(f\)/g, (m, i: number) => (i % 3 ? m : 'return $json.load(f)'));
    assert.ok(halfTyped.includes('$json'));
    assert.equal(precheckSource(halfTyped), undefined);
  });
});

describe('analysis bounds: time as a ratio to ordinary Python of the same length (unit)', () => {
  const SIZE = 256 * 1024;
  let normal = 0;
  it('measures ordinary Python of 256 KB (the reference)', async () => {
    normal = (await cpuOf(normalPython(SIZE), 3)).ms;
    assert.ok(normal > 0);
  });
  const r = rng(20261201);
  const cases: [string, () => string, string][] = [
    ['minified code on one line', () => 'a=b(c[1],{d:e}),'.repeat(SIZE / 16), 'analysis-skipped'],
    ['minified JavaScript in 1,000-character lines', () => lines(SIZE, 1000, () => 'function(a){return a.b?c(d):e[f]};var g={h:1,i:[2,3]};'), 'analysis-skipped'],
    ['random printable characters', () => lines(SIZE, 60, () => String.fromCharCode(32 + Math.floor(r() * 95))), 'analysis-skipped'],
    // Nothing a tokenizer rejects: only the parse budget stops it (it took 27 s here before).
    ['random characters from Python\'s own alphabet', () => lines(SIZE, 60, () => 'abcdefghijklmnopqrstuvwxyz0123456789_ +-*/%=<>()[]{},:.;@&|^~'[Math.floor(r() * 62)]!), 'analysis-skipped'],
    // Operators with two letters: tree-sitter's error recovery took 28 s on 16 KB of it (4,800x ordinary Python).
    ['random operators and two letters', () => lines(SIZE, 60, () => '+-*/%=<>,:.;@&|^~ ab'[Math.floor(r() * 20)]!), 'analysis-skipped'],
    // With brackets (4 s on 8 KB): unmatched ')' on most lines, or the nesting passes CPython's 200 levels first.
    ['random operators and brackets', () => lines(SIZE, 60, () => '+-*/%=<>,:.;@&|^~() '[Math.floor(r() * 20)]!), 'analysis-skipped|syntax-error'],
    ['random bytes read as UTF-8', () => Buffer.from(Array.from({ length: SIZE }, () => Math.floor(r() * 256))).toString('utf8'), 'syntax-error'],
  ];
  for (const [name, make, rule] of cases) {
    it(`${name}: one finding, at most ${PARSE_BUDGET_RATIO + 4}x the reference`, async () => {
      const text = make();
      const { ms, result } = await cpuOf(text);
      assert.equal(result.findings.length, 1);
      assert.ok(rule.split('|').includes(result.findings[0]!.rule), `${result.findings[0]!.rule}: ${result.findings[0]!.message}`);
      assert.ok(ms <= (PARSE_BUDGET_RATIO + 4) * normal, `${name}: ${ms.toFixed(0)} ms CPU, ordinary Python of the same length ${normal.toFixed(0)} ms`);
    });
  }

  // Lines ending with ':' are where a block could be missing (syntax-error's empty-block check): inside one
  // string (or one pair of brackets) they are looked up in the tree once, not once per line (2.7-3x before).
  // The reference is the same text with the colons moved off the line ends.
  const HEAD = 'def init():\n    pass\n\ndef run(d):\n    return d\n\n';
  for (const [name, make] of [
    ['a string of 256 KB of lines ending with ":"', (end: boolean) => `${HEAD}S = """\n${(end ? 'a:\n' : ':a\n').repeat(SIZE / 3)}"""\n`],
  ] as const) {
    it(`${name}: no finding, at most 1.5x the same text without colons at line ends`, async () => {
      // Interleaved, median of 5 each: a collection left by an earlier test weighs on both sides alike.
      const [plain, attack] = [make(false), make(true)];
      const refs: number[] = [];
      const times: number[] = [];
      let result;
      for (let i = 0; i < 5; i++) {
        refs.push((await cpuOf(plain)).ms);
        const run = await cpuOf(attack);
        times.push(run.ms);
        result = run.result;
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
      const [reference, ms] = [median(refs), median(times)];
      assert.deepEqual(result!.findings.map((f) => f.rule), []);
      assert.ok(ms <= 1.5 * reference, `${ms.toFixed(0)} ms CPU, without colons at line ends ${reference.toFixed(0)} ms`);
    });
  }

  it('notebook cells of blank lines are scanned in linear time', () => {
    // Blank lines with no magic after them: /^\s*[%!]/m scanned on from every line start (quadratic).
    const nb = (n: number) => JSON.stringify({ cells: [{ cell_type: 'code', source: '!pip install x\n' + '\n'.repeat(n) + 'import os\n' }] });
    const t = (n: number) => {
      const text = nb(n);
      const t0 = cpuMs();
      const py = notebookPython(text);
      assert.ok(py.endsWith('\nimport os\n') && !py.includes('pip'));
      return cpuMs() - t0;
    };
    t(1000);
    const median = (n: number) => [t(n), t(n), t(n)].sort((a, b) => a - b)[1]!;
    const small = Math.max(median(20_000), 2); // a few ms at most: timer and scheduling noise below that
    const large = median(400_000); // 20x the lines: about 20x the time, not 400x
    assert.ok(large < 60 * small, `20,000 blank lines ${small.toFixed(1)} ms, 400,000: ${large.toFixed(1)} ms`);
  });
});

describe('parser runtime: recovery after an abort (unit)', () => {
  after(() => {
    setParserMemoryLimit(undefined);
    discardRuntime();
  });

  it('a file that exhausts the parser memory is reported, and every later file is analysed again', async () => {
    // A real abort of the real runtime, reached quickly: 48 MB of WebAssembly memory instead of 1 GB.
    setParserMemoryLimit(48);
    discardRuntime();
    const hungry = lines(MAX_SOURCE_CHARS - 1024, 1000, () => 'a=b(c[1],{d:e}),'); // ~160 MB to parse
    const res = await inspectScoringScript(hungry, { fileName: 'score.py' });
    assert.deepEqual(res.findings.map((f) => f.rule), ['analysis-skipped']);
    assert.match(res.findings[0]!.message, /needs more memory to parse than the analysis allows/);
    // Before, every analysis threw "Aborted()" from here on until the process restarted.
    for (let i = 0; i < 3; i++) {
      const next = await inspectScoringScript(SCORE.replace('def init', 'def not_init'), { fileName: 'score.py' });
      assert.deepEqual(next.findings.map((f) => f.rule), ['missing-init']);
    }
  });

  it('a tree kept from before an abort is never touched again (incremental parse falls back to a full one)', async () => {
    setParserMemoryLimit(48);
    discardRuntime();
    const first = await inspectScoringScript(SCORE, { keepTree: true });
    assert.ok(first.tree);
    await inspectScoringScript(lines(MAX_SOURCE_CHARS - 1024, 1000, () => 'a=b(c[1],{d:e}),'));
    // The kept tree belongs to the aborted runtime: handing it back must neither throw nor corrupt the result.
    const again = await inspectScoringScript(SCORE.replace('def run', 'def not_run'), { oldTree: first.tree });
    assert.deepEqual(again.findings.map((f) => f.rule), ['missing-run']);
  });
});
