// The aml-doctor npm package as a CI machine gets it: the `npm pack` tarball installed into an empty folder,
// outside this repository (so nothing resolves from our node_modules), production dependencies only, offline
// with an empty npm cache (a package that needed any dependency could not install). Then lint and explain run
// on a copy of examples/, and every documented exit code is what the installed command returns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');

describe('aml-doctor npm package (npm pack -> npm install --omit=dev --offline)', () => {
  let dir: string;
  let bin: string;
  const run = (args: string[], input?: string) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', input, timeout: 60000 });

  before(() => {
    assert.ok(existsSync(path.join(REPO, 'dist', 'cli.js')), 'dist/cli.js is missing: run node esbuild.mjs first');
    const packed = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'pack-cli.mjs'), '--no-build'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = packed.stdout.trim().split('\n').pop()!;
    assert.match(tarball, /aml-doctor-\d+\.\d+\.\d+\.tgz$/);
    dir = mkdtempSync(path.join(os.tmpdir(), 'amld-cli-package-'));
    const install = spawnSync('npm', ['install', tarball, '--omit=dev', '--offline', '--no-audit', '--no-fund', '--cache', path.join(dir, '.npm-cache')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(install.status, 0, install.stderr);
    bin = path.join(dir, 'node_modules', '.bin', 'aml-doctor');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs one package with no dependencies, the command linked on PATH', () => {
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: object }> };
    assert.deepEqual(Object.keys(lock.packages).filter((k) => k !== ''), ['node_modules/aml-doctor']);
    assert.equal(lock.packages['node_modules/aml-doctor']!.dependencies, undefined);
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  });

  it('lint examples: the draft\'s missing run() and the conda file as SARIF results, exit 1', () => {
    const r = run(['lint', 'examples', '--format', 'sarif']);
    assert.equal(r.status, 1, r.stderr);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    const found = sarif.runs[0]!.results.map((x) => `${x.ruleId} ${x.locations[0]!.physicalLocation.artifactLocation.uri}`);
    assert.ok(found.includes('missing-run examples/drafts/score_draft.py'), found.join('\n'));
    assert.ok(found.includes('conda-missing-inference-server examples/environment/conda.yml'), found.join('\n'));
    assert.ok(found.includes('run-unguarded examples/score.py'), found.join('\n'));
  });

  it('explain examples/logs/deployment-failed.log: the missing model file, with the frame in score.py, exit 0', () => {
    const r = run(['explain', 'examples/logs/deployment-failed.log', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { primary: { category: string; location?: { path: string; line: number } } };
    assert.equal(out.primary.category, 'model_not_found');
    assert.deepEqual(out.primary.location && { path: out.primary.location.path, line: out.primary.location.line }, { path: '/var/azureml-app/score.py', line: 20 });
    // the same log on standard input
    const piped = run(['explain', '-'], readFileSync(path.join(dir, 'examples', 'logs', 'deployment-failed.log'), 'utf8'));
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /^stdin: The model could not be found/);
  });

  it('speaks Traditional Chinese with --lang zh-tw or a zh_TW locale, English otherwise; lint results stay machine-readable', () => {
    const han = /\p{Script=Han}/u;
    // The flag anywhere on the line: a usage error of lint, in Chinese, still exit 2 on stderr.
    const bad = run(['lint', '--lang', 'zh-tw', 'examples', '--format', 'xml']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'aml-doctor lint: --format 必須是 text, json 或 sarif，而不是「xml」\n');
    // The CLI framework's own errors: an unknown command, in Chinese, exit 2 and the usage after it.
    const unknown = run(['--lang', 'zh-tw', 'frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^aml-doctor: 未知的命令「frobnicate」\n/);
    assert.match(unknown.stderr, /使用方式: aml-doctor <命令> \[選項\]/);
    // lint with the flag runs as without it (same findings, same exit code).
    const zh = run(['lint', 'examples', '--format', 'json', '--lang=zh-tw']);
    const en = run(['lint', 'examples', '--format', 'json']);
    assert.equal(zh.status, 1, zh.stderr);
    assert.deepEqual(JSON.parse(zh.stdout).map((f: { file: string; findings: { rule: string }[] }) => [f.file, f.findings.map((x) => x.rule)]), JSON.parse(en.stdout).map((f: { file: string; findings: { rule: string }[] }) => [f.file, f.findings.map((x) => x.rule)]));
    // The help from the environment's locale (LANG=zh_TW.UTF-8), and English when LC_ALL says C.
    const help = spawnSync(bin, ['help'], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_TW.UTF-8' } });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^使用方式: aml-doctor/);
    assert.match(help.stdout, /結束代碼:/);
    const c = spawnSync(bin, ['help'], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'zh_TW.UTF-8' } });
    assert.ok(!han.test(c.stdout), 'LC_ALL=C: English');
    // A language without a bundle says so and keeps English; a flag without a language is bad usage.
    const fr = run(['--lang', 'fr', 'help']);
    assert.equal(fr.status, 0);
    assert.match(fr.stderr, /no translation for "fr".*available: en, zh-tw/);
    assert.match(fr.stdout, /^Usage: aml-doctor/);
    assert.equal(run(['lint', '--lang']).status, 2);
  });

  it('returns the documented exit codes', () => {
    const cases: [string[], number][] = [
      [['lint', 'examples/score.py'], 0], // warnings only
      [['lint', 'examples/drafts'], 1], // an error finding
      [['lint', 'examples/no-such-folder'], 2],
      [['lint', 'examples', '--format', 'xml'], 2],
      [['explain', 'examples/no-such.log'], 2],
      [['explain', 'a.log', 'b.log'], 2],
      [['deploy'], 2],
      [[], 2],
      [['help'], 0],
      [['--version'], 0],
    ];
    const got = cases.map(([args]) => run(args).status);
    assert.deepEqual(got, cases.map(([, code]) => code), cases.map(([a, c], i) => `aml-doctor ${a.join(' ')} -> ${got[i]} (documented ${c})`).join('\n'));
    // Usage errors say what is wrong on stderr, not on stdout where a SARIF/JSON consumer reads.
    const bad = run([]);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /Exit codes:/);
  });
});
