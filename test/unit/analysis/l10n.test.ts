// The analysis in Traditional Chinese: with the zh-tw bundle in use, every finding message and quick-fix title that
// scripts written to reach each rule's every case produce is one of the bundle's zh-TW templates (nothing left in
// English, nothing glued together from fragments), and together they reach every message src/analysis/ translates.
// English stays the default (the other analysis tests read the English text).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeScoringScript, tooLargeToRead } from '../../../src/analysis/analyze';
import { MAX_LINE_CHARS, MAX_SOURCE_CHARS, skipMessage, type SkipReason } from '../../../src/analysis/bounds';
import { analyzeCondaEnv } from '../../../src/analysis/conda';
import { RULE_IDS, RULES } from '../../../src/analysis/rules';
import type { Finding } from '../../../src/analysis/types';
import * as l10n from '../../../src/common/l10n';

type Script = typeof import('../../../scripts/l10n.mjs', { with: { 'resolution-mode': 'import' } });
const REPO = path.resolve(__dirname, '..', '..', '..');
const HAN = /\p{Script=Han}/u;
const py = (lines: string[]) => lines.join('\n') + '\n';
const INIT = ['import json', 'import logging', 'import os', 'import joblib', '', 'model = None', '', 'def init():', '    global model', '    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))', ''];
const BATCH = ['from azureml_user.parallel_run import EntryScript', 'import joblib', '', 'def init():', '    pass', ''];

/** Scripts that reach every case of every rule (online and batch wording, guarded or not, each variant of a message). */
const SCRIPTS: { name?: string; text: string }[] = [
  { text: 'x = 1\n' }, // missing-init, missing-run (no file name: "The entry script")
  { name: 'score.py', text: py(['import os', '', 'def init():', '    pass']) },
  { name: 'score_batch.py', text: py(['from azureml_user.parallel_run import EntryScript', '', 'def init():', '    pass']) },
  // run-signature
  { text: py([...INIT, 'def run():', '    return {"ok": 1}']) },
  { text: py(['from azureml.contrib.services.aml_request import rawhttp', ...INIT, '@rawhttp', 'def run():', '    return 1']) },
  { text: py([...BATCH, 'def run():', '    return []']) },
  { text: py([...INIT, 'def run(*args, **kwargs):', '    return model.predict(args[0]).tolist()']) },
  { text: py(['from azureml.contrib.services.aml_request import rawhttp', ...INIT, '@rawhttp', '@input_schema("data", NumpyParameterType(sample))', 'def run(data):', '    return {"n": 1}']) },
  { text: py([...INIT, '@input_schema("data", NumpyParameterType(sample))', 'def run(raw_data):', '    try:', '        return model.predict(raw_data).tolist()', '    except Exception:', '        logging.exception("x")', '        return {"error": "failed"}']) },
  // run-unguarded: online and batch, no try/except and a partial one
  { text: py([...INIT, 'def run(raw_data):', '    data = json.loads(raw_data)', '    return {"y": model.predict(data).tolist()}']) },
  { text: py([...INIT, 'def run(raw_data):', '    data = json.loads(raw_data)', '    try:', '        return {"y": model.predict(data).tolist()}', '    except Exception:', '        logging.exception("x")', '        return {"error": "failed"}']) },
  { text: py([...BATCH, 'def run(mini_batch):', '    return [open(p).read() for p in mini_batch]']) },
  { text: py([...BATCH, 'def run(mini_batch):', '    out = [open(mini_batch[0]).read()]', '    try:', '        out.append(open(mini_batch[1]).read())', '    except Exception:', '        pass', '    return out']) },
  // error-leak
  { text: py([...INIT, 'def run(raw_data):', '    try:', '        return model.predict(json.loads(raw_data)).tolist()', '    except Exception as e:', '        return {"error": str(e)}']) },
  // global-missing: a module-level name still None, and a name that never exists
  { text: py(['import joblib', 'model = None', 'def init():', '    model = joblib.load("m")', 'def run(d):', '    try:', '        return model.predict(d).tolist()', '    except Exception:', '        return {"error": "failed"}']) },
  { text: py(['import joblib', 'def init():', '    clf = joblib.load("m")', 'def run(d):', '    try:', '        return clf.predict(d).tolist()', '    except Exception:', '        return {"error": "failed"}']) },
  // model-load-in-run: loads and fetches, directly and through a helper, per request and per mini-batch
  {
    text: py([
      'import joblib', 'from azureml.core.model import Model', '',
      'def load_helper():', '    return joblib.load("m")', '',
      'def fetch_helper():', '    return Model.list(ws)', '',
      'def init():', '    pass', '',
      'def run(d):', '    try:', '        m = joblib.load("m")', '        p = Model.list(ws)', '        a = load_helper()', '        b = fetch_helper()', '        return {"y": 1}', '    except Exception:', '        return {"error": "failed"}',
    ]),
  },
  {
    text: py([
      ...BATCH, 'from azureml.core.model import Model', '',
      'def load_helper():', '    return joblib.load("m")', '',
      'def fetch_helper():', '    return Model.list(ws)', '',
      'def run(mini_batch):', '    m = joblib.load("m")', '    p = Model.list(ws)', '    a = load_helper()', '    b = fetch_helper()', '    return [1 for _ in mini_batch]',
    ]),
  },
  // undefined-name: in run(), in init(), in a decorator; only under __main__; a module used as one (import fix)
  { text: py(['def init():', '    print(weights)', '', 'def run(d):', '    try:', '        return {"y": np.sum(d) + scale}', '    except Exception:', '        return {"error": "failed"}']) },
  { text: py(['@cached_model', 'def init():', '    pass', '', 'def run(d):', '    return {"y": 1}']) },
  { text: py(['import joblib', 'def init():', '    print(threshold)', 'def run(d):', '    try:', '        return model.predict(d).tolist()', '    except Exception:', '        return {"error": "failed"}', 'if __name__ == "__main__":', '    model = joblib.load("m.pkl")', '    threshold = 0.5']) },
  { text: py(['@timed', 'def init():', '    pass', 'def run(d):', '    return {"y": 1}', 'if __name__ == "__main__":', '    timed = lambda f: f']) },
  // get-model-path, hardcoded-model-path, sklearn-externals-joblib
  { text: py(['import os', 'from sklearn.externals import joblib', 'from azureml.core.model import Model', 'model = None', 'def init():', '    global model', '    model = joblib.load(Model.get_model_path("m"))', '    other = "/var/azureml-app/azureml-models/m/1/model.pkl"', 'def run(d):', '    return {"y": 1}']) },
  // non-serializable-return
  { text: py([...INIT, 'import pandas as pd', 'def run(raw_data):', '    try:', '        if raw_data:', '            return model.predict(raw_data)', '        return pd.DataFrame({"a": [1]})', '    except Exception:', '        return {"error": "failed"}']) },
  // debugpy-left-in: blocking and opening, guarded or not
  { text: py(['import os', 'import debugpy', 'def init():', '    debugpy.listen(5678)', '    debugpy.wait_for_client()', '    if os.getenv("DEBUG"):', '        debugpy.listen(5679)', '        debugpy.wait_for_client()', 'def run(d):', '    return {"y": 1}']) },
  // batch-run-return
  { text: py([...BATCH, 'def run(mini_batch):', '    for item in mini_batch:', '        print(item)']) },
  // syntax errors: missing token, invalid syntax, indentation both ways
  { text: py(['def init(:', '    pass', 'def run(d):', '    return d']) },
  { text: py(['def init():', '    x = (1', 'def run(d):', '    return d']) },
  { text: py(['def init():', '    pass', 'def run(d):', '    return d +* 2 ?']) },
  { text: py(['def init():', '    pass', '  x = 1', 'def run(d):', '    return d']) },
  { text: py(['def init():', '    if True:', '        x = 1', '      y = 2', 'def run(d):', '    return d']) },
  // an empty block after a statement, a function definition, a class definition; a try without a handler
  { text: py(['def init():', '    for i in range(3):', '    pass', 'def run(d):', '    return d']) },
  { text: py(['def helper():', '# nothing yet', '', 'def init():', '    pass', 'def run(d):', '    return d']) },
  { text: py(['class Model:', '    # nothing yet', '', 'def init():', '    pass', 'def run(d):', '    return d']) },
  { text: py(['def init():', '    try:', '        x = 1', '    x = 2', 'def run(d):', '    return d']) },
  // what the analysis does not parse
  { name: 'score_big.py', text: 'x = 1\n'.repeat(Math.ceil((MAX_SOURCE_CHARS + 10) / 6)) },
  { name: 'score_min.py', text: `x = [${'1,'.repeat(MAX_LINE_CHARS)}1]\n` },
  { name: 'score_nul.py', text: 'def init():\n    x = 1\0\n' },
  { name: 'score_nest.py', text: `x = ${'('.repeat(201)}1${')'.repeat(201)}\n` },
  { name: 'score_indent.py', text: Array.from({ length: 101 }, (_, i) => `${' '.repeat(i)}if x:`).join('\n') + `\n${' '.repeat(101)}pass\n` },
];

/** Not Python, each with a different first character Python's tokenizer rejects. */
const NOT_PYTHON = ['var $x = 1;', 'a = "open', 'x = 1 \\ 2', 'x = 1)', 'x = 1\u0001', 'x = 1\ufffd', 'x = a ? b : c'].map((first) => ({
  name: 'score_js.py',
  text: [first, ...Array.from({ length: 40 }, (_, i) => `var $v${i} = f(${i});`)].join('\n') + '\n',
}));

const CONDA = [
  'name: env\ndependencies:\n  - python=3.10\n  - pip:\n    - numpy\n',
  'name: env\ndependencies:\n  - python=3.10\n  - pip:\n    - azureml-defaults==1.0.10\n',
  'dependencies: {python=3.10\n',
];

describe('analysis in Traditional Chinese (zh-tw bundle, unit)', () => {
  let texts: { text: string; kind: 'message' | 'title' | 'rule title'; rule: string }[];
  let templates: { key: string; zh: string; re: RegExp; whole: RegExp }[];
  before(async () => {
    const s: Script = await import('../../../scripts/l10n.mjs');
    const { messages } = s.extractMessages();
    const zh = JSON.parse(readFileSync(path.join(REPO, 'l10n', 'bundle.l10n.zh-tw.json'), 'utf8')) as Record<string, string>;
    // A translation's placeholders match anything: the template, anywhere (coverage) or as the whole text.
    const pattern = (t: string) => t.split(/\{\d+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?');
    templates = [...messages.entries()]
      .filter(([, m]) => m.places.every((p: string) => p.startsWith('src/analysis/')))
      .map(([key]) => ({ key, zh: zh[key]!, re: new RegExp(pattern(zh[key]!)), whole: new RegExp(`^${pattern(zh[key]!)}$`) }));
    assert.ok(templates.length > 80, `${templates.length} analysis messages`);

    assert.equal(l10n.useLocale('zh-tw').locale, 'zh-tw');
    const findings: Finding[] = [];
    for (const { name, text } of [...SCRIPTS, ...NOT_PYTHON]) findings.push(...(await analyzeScoringScript(text, { fileName: name, strict: true })));
    findings.push(...tooLargeToRead(5 * 1024 * 1024, 'score_huge.py'));
    for (const text of CONDA) findings.push(...analyzeCondaEnv(text, { fileName: 'conda.yml' }).findings, ...analyzeCondaEnv(text).findings);
    texts = findings.flatMap((f) => [{ text: f.message, kind: 'message' as const, rule: f.rule }, ...(f.fixes ?? []).map((x) => ({ text: x.title, kind: 'title' as const, rule: f.rule }))]);
    // Found while parsing, not from a text a test can write quickly: worded by the same function.
    const parsing: SkipReason[] = [{ kind: 'parse-time', ratio: 20 }, { kind: 'parser-memory' }];
    for (const r of parsing) texts.push({ text: skipMessage(r, l10n.t('The entry script')), kind: 'message', rule: 'analysis-skipped' });
    // The rules' titles (SARIF's shortDescription).
    for (const id of RULE_IDS) texts.push({ text: RULES[id].title, kind: 'rule title', rule: id });
  });
  after(() => l10n.useLocale('en'));

  it('every rule is reached, and every message and quick-fix title is a whole zh-TW template with its arguments', () => {
    assert.deepEqual([...new Set(texts.filter((t) => t.kind !== 'rule title').map((t) => t.rule))].sort(), [...RULE_IDS].sort());
    for (const t of texts) {
      assert.match(t.text, HAN, `${t.rule} ${t.kind} in Chinese: ${t.text}`);
      assert.ok(templates.some((x) => x.whole.test(t.text)), `${t.rule} ${t.kind} is one zh-TW template, not English or fragments: ${t.text}`);
    }
  });

  it('the scripts reach every message the analysis translates (each case is worded in Chinese somewhere above)', () => {
    const unreached = templates.filter((x) => !texts.some((t) => x.re.test(t.text))).map((x) => x.key);
    assert.deepEqual(unreached, []);
  });

  it('messages keep what they name: file names, code and Python\'s own words', () => {
    const missingRun = texts.find((t) => t.rule === 'missing-run' && t.kind === 'message' && t.text.startsWith('score.py'));
    assert.match(missingRun?.text ?? '', /^score\.py 沒有最上層的 run\(\) 函式。/);
    const noName = texts.find((t) => t.rule === 'missing-init' && t.kind === 'message' && !t.text.startsWith('score'));
    assert.match(noName?.text ?? '', /^輸入指令碼 沒有最上層的 init\(\) 函式/);
    assert.ok(texts.some((t) => t.text === '在 init() 中新增「global model」'));
    assert.ok(texts.some((t) => /^score_js\.py 看起來不像 Python 原始程式碼：.*第 1 行的 '\$'/.test(t.text)));
    assert.ok(texts.some((t) => /未結束的字串/.test(t.text)) && texts.some((t) => /控制字元 U\+0001/.test(t.text)));
  });

  it('rule titles (SARIF, docs links) are read in the language in use', () => {
    for (const id of RULE_IDS) assert.match(RULES[id].title, HAN, id);
    l10n.useLocale('en');
    try {
      assert.equal(RULES['missing-init'].title, 'No init() function');
    } finally {
      l10n.useLocale('zh-tw');
    }
  });
});
