// `aml-doctor lint` through its real entry function: output formats, exit codes, which files it checks.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { runLint } from '../../../src/cli/lint';
import * as l10n from '../../../src/common/l10n';

async function lint(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await runLint(args, out, err);
    return { code, out: o, err: e };
  } finally {
    process.chdir(prev);
  }
}

describe('aml-doctor lint (unit)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'amld-analysis-cli-'));
    mkdirSync(path.join(dir, 'app', 'env'), { recursive: true });
    writeFileSync(path.join(dir, 'app', 'deployment.yml'), 'code_configuration:\n  code: ./\n  scoring_script: main_handler.py\nenvironment:\n  conda_file: env/requirements.yaml\n');
    writeFileSync(path.join(dir, 'app', 'main_handler.py'), 'import json\n\ndef init():\n    pass\n\ndef run(raw_data):\n    try:\n        return json.loads(raw_data)\n    except Exception as e:\n        return str(e)\n');
    writeFileSync(path.join(dir, 'app', 'env', 'requirements.yaml'), 'dependencies:\n  - python=3.10\n  - pip:\n    - azureml-defaults==1.0.10\n');
    writeFileSync(path.join(dir, 'score_ok.py'), 'import logging\n\ndef init():\n    pass\n\ndef run(raw_data):\n    return {"n": len(raw_data)}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('JSON: the stable shape, 1-based positions, deployment YAML references followed, exit code 1 on errors', async () => {
    const r = await lint(['.', '--format', 'json'], dir);
    assert.equal(r.code, 1, r.err);
    const reports = JSON.parse(r.out) as { file: string; findings: Record<string, unknown>[] }[];
    const byFile = Object.fromEntries(reports.map((x) => [x.file.split(path.sep).join('/'), x.findings]));
    assert.deepEqual(Object.keys(byFile).sort(), ['app/env/requirements.yaml', 'app/main_handler.py', 'score_ok.py']);
    const leak = byFile['app/main_handler.py']!.find((f) => f.rule === 'error-leak')!;
    assert.deepEqual(Object.keys(leak).sort(), ['column', 'endColumn', 'endLine', 'line', 'message', 'rule', 'severity']);
    assert.equal(leak.line, 10);
    assert.equal(leak.column, 16);
    assert.deepEqual(byFile['app/env/requirements.yaml']!.map((f) => f.rule), ['conda-missing-inference-server']);
    assert.match(String(byFile['app/env/requirements.yaml']![0]!.message), /pins azureml-defaults==1\.0\.10/);
    assert.deepEqual(byFile['score_ok.py'], []);
  });

  it('SARIF 2.1.0 with rules, levels and relative artifact locations', async () => {
    const r = await lint(['app', '--format=sarif'], dir);
    const sarif = JSON.parse(r.out);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'aml-doctor');
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    for (const res of run.results) {
      assert.equal(ids[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.doesNotMatch(res.locations[0].physicalLocation.artifactLocation.uri, /^\//);
      assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
    }
    assert.ok(run.results.some((x: { ruleId: string; level: string }) => x.ruleId === 'conda-missing-inference-server' && x.level === 'error'));
  });

  it('text output and exit code 0 when only warnings or nothing is found', async () => {
    const r = await lint(['score_ok.py'], dir);
    assert.equal(r.code, 0);
    assert.match(r.out, /0 findings in 1 file/);
  });

  it('exit code 2 with a clear message on a bad format or a missing path', async () => {
    const bad = await lint(['--format', 'xml'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format must be text, json or sarif/);
    const missing = await lint(['nope/'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read nope\/: ENOENT/);
  });

  it('the same bounds as the editor: a 3 GiB score.py is reported without being read, a 2 MiB one without being parsed', async () => {
    const huge = path.join(dir, 'big', 'score_huge.py');
    mkdirSync(path.dirname(huge), { recursive: true });
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 3 * 1024 ** 3); // sparse: no disk space, but 3 GiB to whoever reads it
    closeSync(fd);
    writeFileSync(path.join(dir, 'big', 'score_generated.py'), 'x = 1\n'.repeat(350_000));
    const rss0 = process.memoryUsage().rss;
    const r = await lint(['big', '--format', 'json'], dir);
    const grew = (process.memoryUsage().rss - rss0) / 1048576;
    assert.equal(r.code, 0, r.err);
    const reports = JSON.parse(r.out) as { file: string; findings: { rule: string; severity: string; message: string }[] }[];
    assert.deepEqual(reports.map((x) => [path.basename(x.file), x.findings.map((f) => [f.rule, f.severity])]), [
      ['score_generated.py', [['analysis-skipped', 'information']]],
      ['score_huge.py', [['analysis-skipped', 'information']]],
    ]);
    assert.match(reports[1]!.findings[0]!.message, /score_huge\.py is 3072\.0 MiB long/);
    assert.ok(grew < 100, `RSS grew by ${grew.toFixed(0)} MB`);
  });

  describe('in Traditional Chinese (zh-tw)', () => {
    before(() => assert.equal(l10n.useLocale('zh-tw').locale, 'zh-tw'));
    after(() => l10n.useLocale('en'));

    it('text: messages, severities and the summary in Chinese; rule ids and positions as they are', async () => {
      const r = await lint(['app'], dir);
      assert.equal(r.code, 1, r.err);
      const lines = r.out.trimEnd().split('\n');
      const conda = lines.find((l) => l.includes('[conda-missing-inference-server]'));
      assert.match(conda ?? '', /^app\/env\/requirements\.yaml:\d+:\d+: 錯誤 \[conda-missing-inference-server\] requirements\.yaml 固定了 azureml-defaults==1\.0\.10 的版本：/);
      assert.match(lines.find((l) => l.includes('[error-leak]')) ?? '', /: 警告 \[error-leak\] run\(\) 將例外狀況文字 \(str\(e\)\) 傳回給用戶端。/);
      assert.equal(lines.at(-1), `2 個檔案中有 ${lines.length - 1} 個發現項目`);
      assert.equal((await lint(['score_ok.py'], dir)).out, '1 個檔案中有 0 個發現項目\n');
    });

    it('JSON keeps its keys, rule ids and severities; only the message is translated', async () => {
      const reports = JSON.parse((await lint(['app', '--format', 'json'], dir)).out) as { findings: Record<string, unknown>[] }[];
      const findings = reports.flatMap((x) => x.findings);
      assert.ok(findings.length >= 2);
      for (const f of findings) {
        assert.deepEqual(Object.keys(f).sort(), ['column', 'endColumn', 'endLine', 'line', 'message', 'rule', 'severity']);
        assert.ok(['error', 'warning', 'information', 'hint'].includes(String(f.severity)));
        assert.match(String(f.message), /\p{Script=Han}/u);
      }
    });

    it('SARIF: the run says its language; rule titles and messages in Chinese, ids and levels as they are', async () => {
      const run = JSON.parse((await lint(['app', '--format=sarif'], dir)).out).runs[0];
      assert.equal(run.language, 'zh-TW');
      const conda = run.tool.driver.rules.find((x: { id: string }) => x.id === 'conda-missing-inference-server');
      assert.equal(conda.shortDescription.text, '環境缺少推斷伺服器');
      assert.ok(run.results.every((x: { message: { text: string } }) => /\p{Script=Han}/u.test(x.message.text)));
      assert.ok(run.results.some((x: { ruleId: string; level: string }) => x.ruleId === 'conda-missing-inference-server' && x.level === 'error'));
    });

    it('errors on stderr in Chinese, the command name as it is', async () => {
      const missing = await lint(['nope/'], dir);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /^aml-doctor lint: 無法讀取 nope\/：ENOENT/);
    });

    it('the aml-doctor command picks zh-tw from LANG; English without it', () => {
      const repo = path.resolve(__dirname, '..', '..', '..');
      const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'lint', path.join(dir, 'score_ok.py')], { cwd: repo, env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', ...env }, encoding: 'utf8', timeout: 60_000 });
      const zh = run({ LANG: 'zh_TW.UTF-8' });
      assert.equal(zh.status, 0, zh.stderr);
      assert.equal(zh.stdout, '1 個檔案中有 0 個發現項目\n');
      const en = run({ LANG: 'C.UTF-8' });
      assert.equal(en.stdout, '0 findings in 1 file\n');
    });
  });

  it('SARIF in English says so (en-US)', async () => {
    assert.equal(JSON.parse((await lint(['app', '--format=sarif'], dir)).out).runs[0].language, 'en-US');
  });
});
