// `aml-doctor doctor` as a user runs it (a child process over the CLI entry), on the static steps
// (--static needs no Docker): the JSON against the documented schema, the other formats, exit codes.
// The full run against the real engine is in test/integration/doctor/doctor.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildStageFilter, environmentOptions } from '../../../src/cli/doctor';
import type { DoctorProgress } from '../../../src/doctor/engine';
import { schemaErrors } from '../../helpers/doctorSchema';
import { HEALTHY_CONDA, writeProject } from '../../helpers/doctorProjects';

const REPO = path.resolve(__dirname, '..', '..', '..');
// The bundled CLI, as installed (scripts/test.mjs builds before the tests).
const CLI = path.join(REPO, 'dist', 'cli.js');

/** The user's locale variables are left out when `locale` is given: then only it (or --lang) chooses the language. */
function cli(args: string[], locale?: NodeJS.ProcessEnv) {
  const env = locale ? { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: '', ...locale } : process.env;
  const r = spawnSync(process.execPath, [CLI, 'doctor', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aml-doctor doctor (unit, CLI process, static steps)', () => {
  const dirs: string[] = [];
  const project = (files: Parameters<typeof writeProject>[0] = {}) => {
    const f = writeProject(files);
    dirs.push(path.dirname(f));
    return f;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('JSON matches docs/doctor-report.schema.json; exit 0 when no step failed', () => {
    const r = cli([project(), '--static', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(schemaErrors(report), []);
    assert.equal(report.mode, 'static');
    assert.deepEqual(report.steps.map((s: { status: string }) => s.status), ['passed', 'passed', 'passed', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('a failing step: exit 1, JSON still valid, SARIF points at the conda line, Markdown names the fix', () => {
    const yml = project({ conda: HEALTHY_CONDA.replace('      - azureml-defaults>=1.0.45\n', '      - inference-schema\n') });
    const json = cli([yml, '--static', '--format=json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(schemaErrors(report), []);
    assert.equal(report.firstFailure, 'environment');
    const sarif = JSON.parse(cli([yml, '--static', '-f', 'sarif']).stdout);
    const result = sarif.runs[0].results[0];
    assert.equal(result.ruleId, 'doctor/environment');
    assert.equal(result.locations[0].physicalLocation.region.startLine, 4);
    assert.match(result.locations[0].physicalLocation.artifactLocation.uri, /environment\/conda\.yml$/);
    const md = cli([yml, '--static', '--format', 'markdown']);
    assert.equal(md.code, 1);
    assert.match(md.stdout, /### ❌ 2\. Environment: failed/);
    assert.match(md.stdout, /Add azureml-defaults>=1\.0\.45/);
    const text = cli([yml, '--static']);
    assert.match(text.stdout, /\[FAIL\] 2\. Environment/);
    assert.match(text.stdout, /at environment\/conda\.yml:4/);
  });

  it('an entry script alone: step by step with the conda file and model found next to it', () => {
    const yml = project();
    const r = cli([path.join(path.dirname(yml), 'score.py'), '--static', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.target.kind, 'entry-script');
    assert.match(report.project.condaFile, /environment\/conda\.yml$/);
    assert.match(report.project.model, /model\/weights\.json$/, 'the one file of model/ is the model');
    assert.deepEqual(schemaErrors(report), []);
  });

  it('an SDK v1 deployment script: the entry script and conda file it names', () => {
    const yml = project();
    const dir = path.dirname(yml);
    writeFileSync(
      path.join(dir, 'deploy.py'),
      [
        'from azureml.core.model import InferenceConfig',
        'from azureml.core.environment import Environment',
        'env = Environment.from_conda_specification(name="env", file_path="environment/conda.yml")',
        'inference_config = InferenceConfig(entry_script="score.py", source_directory=".", environment=env)',
        '',
      ].join('\n'),
    );
    const r = cli([path.join(dir, 'deploy.py'), '--static', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.target.kind, 'sdk-v1-script');
    assert.equal(report.project.entryScript, path.join(dir, 'score.py'));
  });

  it('bad usage and unreadable targets: exit 2 with a clear message, no report', () => {
    const none = cli(['--static']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give one deployment YAML or entry script/);
    const fmt = cli([project(), '--format', 'html']);
    assert.equal(fmt.code, 2);
    assert.match(fmt.stderr, /--format must be text, json, markdown or sarif/);
    const missing = cli(['/nonexistent/deployment.yml', '--static']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read \/nonexistent\/deployment\.yml: ENOENT/);
    const notDeployment = path.join(dirs[0]!, 'environment', 'conda.yml');
    const r = cli([notDeployment, '--static']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an online-deployment YAML/);
    const bad = cli([project(), '--request-timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--request-timeout must be a number/);
    assert.equal(bad.stdout, '');
    const map = cli([project(), '--image-map', 'mcr.microsoft.com/azureml/']);
    assert.equal(map.code, 2);
    assert.match(map.stderr, /--image-map takes FROM=TO/);
    assert.equal(map.stdout, '');
  });

  it('--lang zh-tw on examples/: the text report in Traditional Chinese, the same findings and exit code as in English; JSON keeps its ids and statuses', () => {
    const target = path.join(REPO, 'examples', 'deployment.yml');
    const en = cli([target, '--static'], {});
    const zh = cli([target, '--static', '--lang', 'zh-tw'], {});
    assert.equal(zh.code, en.code, zh.stderr);
    const marks = (out: string) => out.split('\n').filter((l) => /^\[(PASS|FAIL|SKIP)\]/.test(l)).map((l) => l.slice(0, 10));
    assert.equal(marks(zh.stdout).length, 8);
    assert.deepEqual(marks(zh.stdout), marks(en.stdout), 'the same steps with the same marks');
    for (const [i, title] of ['輸入指令碼', '環境', '模型', '映像', '容器', '評分', '容量', 'Azure'].entries()) assert.match(zh.stdout, new RegExp(`^\\[(PASS|FAIL|SKIP)\\] ${i + 1}\\. ${title}: `, 'm'));
    assert.match(zh.stdout, /^AML Deploy Doctor: diabetes-endpoint\/blue \(部署 YAML, deployment\.yml\)$/m);
    assert.match(zh.stdout, /^\[SKIP\] 4\. 映像: 已略過：靜態執行 \(--static\)：只執行步驟 1-3，不使用容器。$/m);
    // The closing verdict: the English one, in Chinese.
    const verdict = (out: string) => out.trimEnd().split('\n').at(-1)!;
    const failed = /^Step (\d) \((.+)\) failed\./.exec(verdict(en.stdout));
    if (failed) assert.match(verdict(zh.stdout), new RegExp(`^步驟 ${failed[1]} \\(.+\\) 失敗。 \\([\\d.]+ 秒\\)$`));
    else assert.match(verdict(zh.stdout), /^步驟 1-3 通過 \(靜態執行\)。/);
    assert.match(zh.stderr, /^\[1\/8\] 輸入指令碼\.\.\.$/m, 'progress too');
    // JSON: what a script reads does not change with the language; the text in it does.
    const jsonEn = JSON.parse(cli([target, '--static', '--format', 'json'], {}).stdout);
    const jsonZh = JSON.parse(cli([target, '--static', '--format', 'json'], { LANG: 'zh_TW.UTF-8' }).stdout);
    assert.deepEqual(schemaErrors(jsonZh), []);
    const shape = (r: { outcome: string; firstFailure?: string; steps: { id: string; status: string; skip?: { kind: string } }[] }) => [r.outcome, r.firstFailure, r.steps.map((s) => [s.id, s.status, s.skip?.kind])];
    assert.deepEqual(shape(jsonZh), shape(jsonEn));
    assert.equal(jsonZh.steps[2].title, '模型', 'LANG=zh_TW.UTF-8 chooses the language without --lang');
    // LC_ALL=C wins over LANG: English.
    assert.match(cli([target, '--static'], { LC_ALL: 'C', LANG: 'zh_TW.UTF-8' }).stdout, /^\[(PASS|FAIL)\] 1\. Entry script: /m);
  });

  it('--lang zh-tw: bad usage explained in Traditional Chinese, exit 2', () => {
    const bad = cli([project(), '--request-timeout', 'soon', '--lang', 'zh-tw'], {});
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'aml-doctor doctor: --request-timeout 必須是 >= 1 的數字，而不是「soon」\n');
    const none = cli(['--static', '--lang', 'zh-tw'], {});
    assert.equal(none.code, 2);
    assert.match(none.stderr, /請指定一個部署 YAML 或輸入指令碼/);
    const missing = cli(['/nonexistent/deployment.yml', '--static', '--lang', 'zh-tw'], {});
    assert.match(missing.stderr, /無法讀取 \/nonexistent\/deployment\.yml：ENOENT/);
  });

  it('the usage text lists the firewall options of step 4 and their environment variables', () => {
    const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    for (const o of ['--image-map FROM=TO', 'AML_DOCTOR_IMAGE_MAP', '--pip-index-url URL', 'AML_DOCTOR_PIP_INDEX_URL', '--pip-extra-index-url', '--pip-trusted-host', '--conda-channel-alias', '--https-proxy']) {
      assert.ok(r.stdout.includes(o), `${o} in the usage`);
    }
  });
  it('the usage text of doctor follows --lang: descriptions in Traditional Chinese, option syntax as it is', () => {
    const r = spawnSync(process.execPath, [CLI, '--help', '--lang', 'zh-tw'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const part = r.stdout.slice(r.stdout.indexOf('  doctor <deployment.yml'), r.stdout.indexOf('--arm-endpoint URL') + 80);
    assert.match(part, /逐步拆解部署/);
    for (const o of ['--static', '--image-map FROM=TO', '--pip-index-url URL', 'AML_DOCTOR_PIP_INDEX_URL', '--azure-credential azureCli|default']) assert.ok(part.includes(o), `${o} in the usage`);
    // No English sentence is left in the doctor's part: English words appear only in option syntax and names.
    const prose = part.split('\n').map((l) => l.replace(/^\s+--?\S+(?: [A-Z_|a-z.<>=,\[\]-]+)*\s{2,}/, '')).join('\n');
    assert.ok(!/\b(the|and|of|when|from|with|Step)\b/.test(prose), prose);
  });
});

describe('aml-doctor doctor firewall settings (unit, option parsing)', () => {
  it('options win over the environment variables; lists split as pip splits them; an empty map entry is refused', () => {
    const env = {
      AML_DOCTOR_IMAGE_MAP: 'mcr.microsoft.com/azureml/=mirror.corp/azureml/, docker.io/library/python=mirror.corp/python',
      AML_DOCTOR_PIP_INDEX_URL: 'https://env.example/simple',
      AML_DOCTOR_PIP_EXTRA_INDEX_URLS: 'https://a.example/simple  https://b.example/simple',
      AML_DOCTOR_PIP_TRUSTED_HOSTS: 'a.example b.example',
      AML_DOCTOR_HTTPS_PROXY: 'http://proxy:3128',
    };
    assert.deepEqual(environmentOptions({}, env), {
      imageMap: { 'mcr.microsoft.com/azureml/': 'mirror.corp/azureml/', 'docker.io/library/python': 'mirror.corp/python' },
      network: {
        pipIndexUrl: 'https://env.example/simple',
        pipExtraIndexUrls: ['https://a.example/simple', 'https://b.example/simple'],
        pipTrustedHosts: ['a.example', 'b.example'],
        condaChannelAlias: undefined,
        httpProxy: undefined,
        httpsProxy: 'http://proxy:3128',
        noProxy: undefined,
      },
    });
    const o = environmentOptions({ 'image-map': ['a/=b/'], 'pip-index-url': 'http://127.0.0.1:1/simple', 'pip-extra-index-url': ['https://c.example/simple'] }, env);
    assert.ok(!('error' in o));
    assert.deepEqual(o.imageMap, { 'a/': 'b/' });
    assert.equal(o.network?.pipIndexUrl, 'http://127.0.0.1:1/simple');
    assert.deepEqual(o.network?.pipExtraIndexUrls, ['https://c.example/simple']);
    assert.deepEqual(environmentOptions({ 'image-map': ['=b/'] }, {}), { error: 'aml-doctor doctor: --image-map takes FROM=TO (e.g. mcr.microsoft.com/azureml/=mirror.corp/azureml/), not "=b/"' });
  });
});

describe('aml-doctor doctor build progress (unit)', () => {
  it('each stage of step 4 once, whatever its language; never an output line or an update that extends the stage', () => {
    const image = (message: string, output?: boolean): DoctorProgress => ({ type: 'message', step: 'image', message, ...(output ? { output } : {}) });
    const events: DoctorProgress[] = [
      { type: 'start', step: 'image', number: 4, title: '映像', total: 8 },
      image('正在提取 mcr.microsoft.com/azureml/base:1'),
      image('正在提取 mcr.microsoft.com/azureml/base:1：2/5 層'),
      image('Downloading 12.0MB/50.0MB', true),
      image('Step 3/7: RUN pip install -r requirements.txt'),
      image('Step 3/7: RUN pip install -r requirements.txt: Collecting numpy', true),
      image('Collecting scikit-learn', true),
      image('Step 4/7: COPY . /app'),
      { type: 'message', step: 'container', message: 'Creating blue-doctor-1' },
    ];
    assert.deepEqual(events.map(buildStageFilter()).filter((m) => m !== undefined), ['正在提取 mcr.microsoft.com/azureml/base:1', 'Step 3/7: RUN pip install -r requirements.txt', 'Step 4/7: COPY . /app']);
  });
});
