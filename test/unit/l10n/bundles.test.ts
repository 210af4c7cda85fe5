// The translations against the code, as `npm run l10n` checks them: every string the code translates
// (vscode.l10n.t / l10n.t, extracted with the TypeScript parser) is in l10n/bundle.l10n.json and in every locale's
// bundle, no bundle holds a key nothing uses, placeholders ({0}, {name}) match, and zh-TW text is Chinese that keeps
// to docs/l10n-glossary.md. The same for package.json's %keys% against package.nls.json / package.nls.<locale>.json.
// Then the checks themselves are shown to catch each kind of mistake, and the bundles to load in plain Node.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as l10n from '../../../src/common/l10n';
import { classifyScoringContainer } from '../../../src/docker/discovery';
import { containerNode } from '../../../src/docker/tree';
import { explainDeploymentError, formatExplanation } from '../../../src/azure/explain';
import { localizedManifest } from '../../helpers/manifest';

type Script = typeof import('../../../scripts/l10n.mjs', { with: { 'resolution-mode': 'import' } });
const REPO = path.resolve(__dirname, '..', '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(REPO, file), 'utf8'));

describe('translations: bundles and package.nls files against the code', () => {
  let s: Script;
  let extracted: ReturnType<Script['extractMessages']>;
  let avoid: { term: string; use: string }[];
  before(async () => {
    s = await import('../../../scripts/l10n.mjs');
    extracted = s.extractMessages();
    avoid = s.glossaryAvoid(readFileSync(path.join(REPO, 'docs', 'l10n-glossary.md'), 'utf8'));
  });

  it('every translated message is a literal whose placeholders match its arguments, and translated areas show no raw English', () => {
    assert.deepEqual(extracted.errors, []);
    // Both kinds of call are found where they are.
    assert.ok(extracted.messages.get('unknown option {0}')?.places.some((p) => p.startsWith('src/cli/args.ts:')));
    assert.ok(extracted.messages.get('AML Deploy Doctor failed to activate: {0}')?.places.some((p) => p.startsWith('src/extension.ts:')));
  });

  it('l10n/bundle.l10n.json is exactly the messages the code uses (regenerate with npm run l10n)', () => {
    assert.deepEqual(readJson('l10n/bundle.l10n.json'), s.englishBundle(extracted.messages));
  });

  for (const locale of ['zh-tw']) {
    it(`l10n/bundle.l10n.${locale}.json: every key the code uses, none it does not, same placeholders, translated, glossary terms`, () => {
      const english = s.englishBundle(extracted.messages);
      assert.deepEqual(s.checkTranslation(english, readJson(`l10n/bundle.l10n.${locale}.json`), { name: locale, avoid }), []);
    });

    it(`package.nls.${locale}.json: every key of package.nls.json, same placeholders, translated, glossary terms`, () => {
      assert.deepEqual(s.checkTranslation(readJson('package.nls.json'), readJson(`package.nls.${locale}.json`), { name: locale, avoid }), []);
    });
  }

  it('package.json: every user-visible text is a %key%, and package.nls.json holds exactly the keys package.json uses', () => {
    const pkg = readJson('package.json');
    assert.equal(pkg.l10n, './l10n', 'VS Code looks for l10n/bundle.l10n.<locale>.json only when the manifest names the folder');
    assert.deepEqual(s.untranslatedManifestStrings(pkg), []);
    const used = [...s.nlsKeysOf(pkg).keys()].sort();
    assert.deepEqual(Object.keys(readJson('package.nls.json')).sort(), used);
    // As VS Code shows it in Traditional Chinese.
    const zh = localizedManifest('zh-tw');
    assert.equal(zh.contributes.views.amlDoctor[0].name, '部署');
    assert.match(zh.contributes.viewsWelcome.find((w: { when: string }) => w.when === '!isWorkspaceTrusted').contents, /受限模式[\s\S]*\(command:workbench\.trust\.manage\)/);
  });

  it('the glossary has terms to avoid, and Simplified characters among them', () => {
    assert.ok(avoid.length > 40, `${avoid.length} terms`);
    assert.ok(avoid.some((a) => a.term === '们'));
    assert.ok(avoid.some((a) => a.term === '日誌' && a.use === '記錄'));
  });
});

describe('translations: the checks catch each mistake (fixtures)', () => {
  let s: Script;
  let dir: string;
  before(async () => {
    s = await import('../../../scripts/l10n.mjs');
    dir = mkdtempSync(path.join(os.tmpdir(), 'amld-l10n-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const source = (name: string, text: string) => {
    mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('extraction: host and plain-Node calls, comments as "text/comment" keys; dynamic messages and wrong argument counts are errors', () => {
    const file = source(
      'src/docker/x.ts',
      [
        "import * as vscode from 'vscode';",
        "import * as l10n from '../common/l10n';",
        "vscode.l10n.t('Restart {0}', name);",
        "l10n.t({ message: 'Stop', comment: ['a button'] });",
        "l10n.t(variable);",
        "l10n.t('Copied {0} of {1}', done);",
        "l10n.t('No arguments here', extra);",
        "vscode.window.showErrorMessage('Docker is not running here');",
        "vscode.window.showErrorMessage(l10n.t('Docker is not running'));",
      ].join('\n'),
    );
    const { messages, errors } = s.extractMessages(dir, [file], ['src/docker/']);
    assert.deepEqual([...messages.keys()].sort(), ['Copied {0} of {1}', 'Docker is not running', 'No arguments here', 'Restart {0}', 'Stop/a button']);
    assert.deepEqual(s.englishBundle(messages)['Stop/a button'], { message: 'Stop', comment: ['a button'] });
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.match(errors.join('\n'), /x\.ts:5: the first argument of a translate call must be a literal/);
    assert.match(errors.join('\n'), /x\.ts:6: "Copied \{0\} of \{1\}" has placeholders up to \{1\} but the call passes 1/);
    assert.match(errors.join('\n'), /x\.ts:7: "No arguments here" has no placeholders but the call passes 1/);
    assert.match(errors.join('\n'), /x\.ts:8: untranslated message: 'Docker is not running here'/);
  });

  it('extraction: in a translated area, a finding message passed to makeFinding as raw text is an error', () => {
    const file = source(
      'src/analysis/x.ts',
      [
        "import * as l10n from '../common/l10n';",
        "makeFinding('missing-run', `${label} has no run() function`, range);",
        "makeFinding('missing-init', 'The script has no init() function', range);",
        "makeFinding('missing-init', l10n.t('{0} has no init() function', label), range);",
        "makeFinding('syntax-error', message, range);",
      ].join('\n'),
    );
    const { messages, errors } = s.extractMessages(dir, [file], ['src/analysis/']);
    assert.deepEqual([...messages.keys()], ['{0} has no init() function']);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /x\.ts:2: untranslated message: `\$\{label\} has no run\(\) function`/);
    assert.match(errors[1]!, /x\.ts:3: untranslated message: 'The script has no init\(\) function'/);
  });

  it('bundles: a missing key, a key nothing uses, different placeholders, English left as is, a term the glossary avoids', () => {
    const english = { 'Restart {0}': 'Restart {0}', 'Stop the container': 'Stop the container', 'Show the logs': 'Show the logs', 'Read the log': 'Read the log', Docker: 'Docker' };
    const problems = s.checkTranslation(
      english,
      { 'Restart {0}': '重新啟動 {1}', 'Stop the container': 'Stop the container', 'Read the log': '閱讀日誌', Docker: 'Docker', 'Old text': '舊文字' },
      { name: 'zh-tw', avoid: [{ term: '日誌', use: '記錄' }] },
    );
    assert.deepEqual(problems.sort(), [
      'zh-tw: "Old text" is used nowhere',
      'zh-tw: "Read the log" uses "日誌"; the glossary says "記錄"',
      'zh-tw: "Restart {0}" has placeholders {1}, the English {0}',
      'zh-tw: "Stop the container" is not translated',
      'zh-tw: missing "Show the logs"',
    ]);
  });

  it('package.json: a title or welcome text that is not a %key% is reported', () => {
    const pkg = { description: '%d%', contributes: { commands: [{ command: 'a.b', title: 'Do it now', category: '%c%' }], viewsWelcome: [{ view: 'v', contents: 'Sign in first' }] } };
    assert.deepEqual(s.untranslatedManifestStrings(pkg), ['contributes.commands[0].title: "Do it now"', 'contributes.viewsWelcome[0].contents: "Sign in first"']);
    assert.deepEqual([...s.nlsKeysOf(pkg).keys()], ['d', 'c']);
  });
});

describe('translations: bundles load in plain Node (@vscode/l10n), as the language server and the CLI load them', () => {
  after(() => l10n.useLocale('en'));

  it('locales from tags, POSIX variables and script subtags', () => {
    assert.equal(l10n.normalizeLocale('zh_TW.UTF-8'), 'zh-tw');
    assert.equal(l10n.normalizeLocale('zh-Hant-TW'), 'zh-tw');
    assert.equal(l10n.normalizeLocale('zh-TW'), 'zh-tw');
    assert.equal(l10n.normalizeLocale('C.UTF-8'), undefined);
    assert.equal(l10n.normalizeLocale('../../etc/passwd'), undefined, 'a locale never becomes a path');
    assert.equal(l10n.localeFromEnv({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'zh_TW.UTF-8' }), 'zh-tw');
    assert.equal(l10n.localeFromEnv({ LC_ALL: 'C', LANG: 'zh_TW.UTF-8' }), undefined, 'LC_ALL=C means the default messages');
    assert.equal(l10n.localeFromEnv({}), undefined);
    assert.deepEqual(l10n.availableLocales(), ['zh-tw']);
  });

  it('zh-tw: a message of the CLI comes out in Traditional Chinese with its argument; English again without a bundle', () => {
    const loaded = l10n.useLocale('zh_TW.UTF-8');
    assert.equal(loaded.locale, 'zh-tw');
    assert.equal(loaded.file, path.join(REPO, 'l10n', 'bundle.l10n.zh-tw.json'));
    const zh = l10n.t('unknown option {0}', '--bogus');
    assert.match(zh, /\p{Script=Han}/u);
    assert.ok(zh.includes('--bogus'));
    assert.equal(l10n.currentLocale(), 'zh-tw');
    assert.deepEqual(l10n.useLocale('fr'), { locale: 'en', missing: 'fr' });
    assert.equal(l10n.t('unknown option {0}', '--bogus'), 'unknown option --bogus');
  });

  it('zh-tw: a Local Docker tree row and an Azure failure explanation, built in plain Node, are Traditional Chinese', () => {
    const c = classifyScoringContainer({ id: 'x', image: 'img', state: 'exited', status: 'Exited (137)', ports: [], created: 0, name: 'ep.blue', labels: { 'aml-doctor.deployment': 'blue', 'aml-doctor.endpoint': 'ep' } })!;
    const details = {
      id: 'x', name: 'ep.blue', image: 'img', created: '', labels: {}, env: [], restartCount: 0, ports: [], memoryBytes: 2 * 1024 ** 3, raw: {},
      state: { status: 'exited', running: false, restarting: false, oomKilled: true, exitCode: 137, error: '', startedAt: '2026-01-01T00:00:00Z', finishedAt: '' },
    };
    l10n.useLocale('zh-tw');
    const zh = containerNode(c, details, 'localhost');
    const [quota] = explainDeploymentError('(OutOfQuota) Not enough quota available for Standard_DS3_v2. Current usage/limit: 4/6. Additional needed: 4');
    const markdown = formatExplanation(quota!);
    l10n.useLocale('en');
    const en = containerNode(c, details, 'localhost');
    assert.match(zh.description, /記憶體不足/);
    assert.match(zh.tooltip, /^狀態: /m);
    assert.match(zh.tooltip, /^映像: img$/m);
    assert.match(zh.tooltip, /^記憶體限制: 2\.00 GB$/m);
    assert.match(zh.tooltip, /AML Deploy Doctor 本機部署/);
    assert.match(en.tooltip, /^status: /m);
    assert.equal(quota!.title, 'Standard_DS3_v2 的配額不足');
    assert.match(markdown, /要變更的項目:/);
    assert.match(quota!.meaning, /目前使用量為 4，上限為 6 個 vCPU；部署還需要 4 個。/);
  });

  it('a bundle that is not JSON leaves English and says which file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-l10n-bad-'));
    try {
      writeFileSync(path.join(dir, 'bundle.l10n.zh-tw.json'), '{ not json');
      const r = l10n.useLocale('zh-tw', [dir]);
      assert.equal(r.locale, 'en');
      assert.match(r.error ?? '', /bundle\.l10n\.zh-tw\.json/);
      assert.equal(l10n.t('unknown option {0}', '-x'), 'unknown option -x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
