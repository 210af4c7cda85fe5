#!/usr/bin/env node
// One source of localization keys: reads every `vscode.l10n.t(...)` and `l10n.t(...)` call in src/ with the
// TypeScript parser and writes the English bundle, l10n/bundle.l10n.json, in the format of @vscode/l10n-dev's
// `export` (the English text is the key; with a comment for translators the key is "text/comment" and the value
// { message, comment }). Then it checks the translations against it: l10n/bundle.l10n.<locale>.json for the runtime
// strings and package.nls.<locale>.json for package.json's %keys%. test/unit/l10n/bundles.test.ts runs the same
// checks, so `npm test` fails on a missing, unused or malformed translation.
//
//   npm run l10n            write l10n/bundle.l10n.json, report problems (exit 1 when there are any)
//   npm run l10n -- --check only report (nothing written): exit 1 when bundle.l10n.json is out of date too
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The locales we ship, as VS Code names them (vscode.env.language). */
export const LOCALES = ['zh-tw'];

/**
 * Folders and files whose user-visible strings are translated completely. In these, a string literal that reaches
 * the user directly (a message box, a tree item, a quick pick, a progress title...) is an error: it must go
 * through vscode.l10n.t / l10n.t. Add your area here when you translate it.
 */
export const TRANSLATED = [
  'src/extension.ts',
  'src/cli/main.ts',
  'src/cli/args.ts',
  'src/cli/doctor.ts',
  'src/doctor/',
  'src/views/registerDoctor.ts',
  'src/views/doctorPanel.ts',
  'src/views/doctorPageStrings.ts',
  'src/cli/explain.ts',
  'src/logs/',
  'src/cli/lint.ts',
  'src/analysis/',
  'src/server/',
  'src/host/',
  'src/docker/',
  'src/debug/',
  'src/azure/',
  'src/environment/',
  'src/views/azureSection.ts',
  'src/views/deploymentsTree.ts',
  'src/views/dockerSection.ts',
  'src/views/environmentAccess.ts',
  'src/views/logPanel.ts',
  'src/views/registerAzure.ts',
  'src/views/registerDocker.ts',
  'src/views/registerLogs.ts',
  'src/views/runtimeDiagnostics.ts',
  'src/views/testRequestHtml.ts',
  'src/views/testRequestPanel.ts',
  'src/views/treeSection.ts',
  'src/views/workspaceDeployments.ts',
];

function listTs(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** `{0}`, `{name}`: the placeholders of a message, sorted, as VS Code's and @vscode/l10n's format() fill them. */
export function placeholders(text) {
  // {0}, {name}, and snippet variables ${1:container}; JSON braces in a setting's example are not placeholders.
  return [...text.matchAll(/\{(\d+|[A-Za-z_][\w.]*|\d+:[^{}"]*)\}/g)].map((m) => m[1]).sort();
}

const literalText = (node) => (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined);

/** Names under which a file reaches a translate function: `vscode` (import * as vscode from 'vscode') and `l10n`. */
function l10nNames(sf) {
  const names = { vscode: new Set(), l10n: new Set() };
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause?.namedBindings || !ts.isNamespaceImport(st.importClause.namedBindings)) continue;
    const from = st.moduleSpecifier.text;
    const name = st.importClause.namedBindings.name.text;
    if (from === 'vscode') names.vscode.add(name);
    else if (from === '@vscode/l10n' || /(^|\/)common\/l10n$/.test(from)) names.l10n.add(name);
  }
  return names;
}

function isTranslateCall(call, names) {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const obj = callee.expression;
  if (ts.isIdentifier(obj)) return names.l10n.has(obj.text);
  return ts.isPropertyAccessExpression(obj) && obj.name.text === 'l10n' && ts.isIdentifier(obj.expression) && names.vscode.has(obj.expression.text);
}

/** A literal a user would read: letters and at least two words (an id, a path or a lone word is not checked). */
const looksLikeProse = (text) => /[A-Za-z]{2,}[^\n]*\s[A-Za-z]{2,}/.test(text) && !/^[\w./:-]+$/.test(text);

const USER_FACING_CALLS = /^(show(Error|Warning|Information)Message|setStatusBarMessage)$/;
const USER_FACING_PROPS = new Set(['title', 'placeHolder', 'prompt', 'tooltip', 'description', 'detail', 'validationMessage']);
/** Plain functions whose argument at this index is shown to the user: the analysis' findings (their message). */
const USER_FACING_ARGS = new Map([['makeFinding', 1]]);

/**
 * Every message in the code: key -> { message, comment?, places }. `errors` lists calls that cannot be extracted
 * (a message that is not a literal, placeholders that do not match the arguments) and, in TRANSLATED areas,
 * literals that reach the user without being translated.
 */
export function extractMessages(root = REPO, files = listTs(path.join(root, 'src')), translatedAreas = TRANSLATED) {
  const messages = new Map();
  const errors = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const names = l10nNames(sf);
    const rel = path.relative(root, file).split(path.sep).join('/');
    const where = (node) => `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
    const translated = translatedAreas.some((t) => rel.startsWith(t));
    const add = (node, message, comment, argCount, named) => {
      const key = comment.length ? `${message}/${comment.join('')}` : message;
      const entry = messages.get(key) ?? { message, comment: comment.length ? comment : undefined, places: [] };
      entry.places.push(where(node));
      messages.set(key, entry);
      const ph = placeholders(message);
      if (named) {
        const missing = ph.filter((p) => !named.includes(p));
        if (missing.length) errors.push(`${where(node)}: "${message}" uses {${missing.join('}, {')}} but the call names only ${named.join(', ') || 'nothing'}`);
      } else if (argCount !== undefined) {
        const indexes = ph.filter((p) => /^\d+$/.test(p)).map(Number);
        const max = indexes.length ? Math.max(...indexes) : -1;
        if (max >= argCount || argCount > max + 1)
          errors.push(`${where(node)}: "${message}" has ${max < 0 ? 'no placeholders' : `placeholders up to {${max}}`} but the call passes ${argCount} argument(s)`);
        if (ph.some((p) => !/^\d+$/.test(p))) errors.push(`${where(node)}: "${message}" mixes named placeholders into a positional call`);
      }
    };
    const visit = (node) => {
      if (ts.isCallExpression(node) && isTranslateCall(node, names)) {
        const [first, ...rest] = node.arguments;
        const message = first && literalText(first);
        if (message !== undefined) {
          const namedArg = rest.length === 1 && ts.isObjectLiteralExpression(rest[0]) ? rest[0] : undefined;
          const named = namedArg?.properties.map((p) => p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : '');
          add(node, message, [], named ? undefined : rest.length, named);
        } else if (first && ts.isObjectLiteralExpression(first)) {
          const prop = (n) => first.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(sf) === n);
          const msg = prop('message') && literalText(prop('message').initializer);
          const c = prop('comment')?.initializer;
          const comment = !c ? [] : literalText(c) !== undefined ? [literalText(c)] : ts.isArrayLiteralExpression(c) ? c.elements.map(literalText) : [undefined];
          const args = prop('args')?.initializer;
          if (msg === undefined || comment.includes(undefined)) errors.push(`${where(node)}: the message and comment of a translate call must be literals`);
          else if (args && !ts.isArrayLiteralExpression(args) && !ts.isObjectLiteralExpression(args)) errors.push(`${where(node)}: args must be an array or object literal`);
          else {
            const named = args && ts.isObjectLiteralExpression(args) ? args.properties.map((p) => p.name?.getText(sf) ?? '') : undefined;
            add(node, msg, comment, named ? undefined : args ? args.elements.length : 0, named);
          }
        } else {
          errors.push(`${where(node)}: the first argument of a translate call must be a literal (the English text is the key): ${first?.getText(sf).slice(0, 60)}`);
        }
        return; // a translated string's own arguments are not themselves user-facing literals
      }
      if (translated) {
        const prose = (n) => n && (literalText(n) !== undefined ? looksLikeProse(literalText(n)) : ts.isTemplateExpression(n) && looksLikeProse(n.head.text + n.templateSpans.map((s) => s.literal.text).join(' ')));
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && USER_FACING_CALLS.test(node.expression.name.text) && prose(node.arguments[0]))
          errors.push(`${where(node)}: untranslated message: ${node.arguments[0].getText(sf).slice(0, 80)}`);
        const argIndex = ts.isCallExpression(node) && ts.isIdentifier(node.expression) ? USER_FACING_ARGS.get(node.expression.text) : undefined;
        if (argIndex !== undefined && prose(node.arguments[argIndex]))
          errors.push(`${where(node)}: untranslated message: ${node.arguments[argIndex].getText(sf).slice(0, 80)}`);
        if (ts.isPropertyAssignment(node) && USER_FACING_PROPS.has(node.name.getText(sf)) && prose(node.initializer))
          errors.push(`${where(node)}: untranslated ${node.name.getText(sf)}: ${node.initializer.getText(sf).slice(0, 80)}`);
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && USER_FACING_PROPS.has(node.left.name.text) && prose(node.right))
          errors.push(`${where(node)}: untranslated ${node.left.name.text}: ${node.right.getText(sf).slice(0, 80)}`);
        if (ts.isNewExpression(node) && /(^|\.)(TreeItem|Error)$/.test(node.expression.getText(sf)) && prose(node.arguments?.[0]))
          errors.push(`${where(node)}: untranslated ${node.expression.getText(sf)} text: ${node.arguments[0].getText(sf).slice(0, 80)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { messages, errors };
}

/** Webview scripts that look their texts up with `tr('English', ...)`; the host hands them the translations. */
export const WEBVIEW_SCRIPTS = ['media/logPanel/main.js'];

/**
 * Texts a webview script asks for (`tr('...')` calls) that no host code translates (they would stay English),
 * and `tr` calls whose text is not a literal.
 */
export function checkWebviewScripts(messages, root = REPO, scripts = WEBVIEW_SCRIPTS) {
  const problems = [];
  for (const rel of scripts) {
    const file = path.join(root, rel);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const visit = (node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'tr' && node.arguments.length) {
        const at = `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
        const text = literalText(node.arguments[0]);
        if (text === undefined) problems.push(`${at}: the first argument of tr() must be a literal (the English text is the key)`);
        else if (!messages.has(text)) problems.push(`${at}: the webview asks for "${text}", which no host code translates (add it to the strings the host sends)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return problems;
}

/** bundle.l10n.json as @vscode/l10n-dev writes it: sorted keys; "text/comment" keys carry { message, comment }. */
export function englishBundle(messages) {
  const out = {};
  for (const key of [...messages.keys()].sort()) {
    const m = messages.get(key);
    out[key] = m.comment ? { message: m.message, comment: m.comment } : m.message;
  }
  return out;
}

const englishOf = (value) => (typeof value === 'string' ? value : value.message);
/** Names that stay as they are in every language: a text made of these (and code) needs no Chinese. */
const PROPER_NAMES = /AML Deploy Doctor|Azure Machine Learning|Azure ML|Azure CLI|Azure Developer CLI|Azure PowerShell|Azure Container Registry|VS Code|Docker Desktop|Microsoft Entra|Run and Debug/g;
const HAN = /\p{Script=Han}/u;

/**
 * Problems of one translation against its English source (both { key: text | {message} }): keys the code uses that
 * the translation lacks, keys nothing uses, values that are not strings or are empty, placeholders that differ,
 * text left in English (two or more English words and no Chinese), and terms the glossary says to avoid.
 */
export function checkTranslation(english, translated, { name = 'translation', avoid = [] } = {}) {
  const problems = [];
  for (const key of Object.keys(english)) if (!(key in translated)) problems.push(`${name}: missing "${key}"`);
  for (const [key, value] of Object.entries(translated)) {
    if (!(key in english)) {
      problems.push(`${name}: "${key}" is used nowhere`);
      continue;
    }
    if (typeof value !== 'string' || !value.trim()) {
      problems.push(`${name}: "${key}" has no text`);
      continue;
    }
    const source = englishOf(english[key]);
    const a = placeholders(source).join(',');
    const b = placeholders(value).join(',');
    if (a !== b) problems.push(`${name}: "${key}" has placeholders {${b}}, the English {${a}}`);
    const prose = source.replace(/`[^`]*`|\{[^}]*\}|\]\([^)]*\)|https?:\S+/g, ' ').replace(/\b[a-z][\w-]*\.[\w.-]+\b/gi, ' ').replace(PROPER_NAMES, ' ');
    if (looksLikeProse(prose) && !HAN.test(value))
      problems.push(`${name}: "${key}" is not translated`);
    for (const term of avoid) if (value.includes(term.term)) problems.push(`${name}: "${key}" uses "${term.term}"; the glossary says "${term.use}"`);
  }
  return problems;
}

/** Every `%key%` of package.json, with where it is. */
export function nlsKeysOf(pkg) {
  const keys = new Map();
  const walk = (v, at) => {
    if (typeof v === 'string') {
      const m = /^%([^%]+)%$/.exec(v);
      if (m) keys.set(m[1], at);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  walk(pkg, '');
  return keys;
}

/**
 * User-visible texts of package.json that are not %keys% (VS Code shows them as they are): the display name and
 * description, capability descriptions, contributions' titles, names, labels, descriptions and welcome contents.
 */
export function untranslatedManifestStrings(pkg) {
  const out = [];
  const visible = new Set(['title', 'name', 'contextualTitle', 'category', 'description', 'markdownDescription', 'contents', 'label', 'altText', 'displayName', 'enumDescriptions', 'markdownEnumDescriptions', 'deprecationMessage', 'markdownDeprecationMessage']);
  const walk = (v, at, field) => {
    if (typeof v === 'string') {
      if (field && !/^%[^%]+%$/.test(v)) out.push(`${at}: ${JSON.stringify(v.slice(0, 60))}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, field === 'enumDescriptions' || field === 'markdownEnumDescriptions' ? field : undefined));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`, visible.has(k) ? k : undefined);
  };
  // The display name is the product's name in every language.
  walk({ description: pkg.description }, 'package', undefined);
  walk(pkg.capabilities, 'capabilities', undefined);
  walk(pkg.contributes, 'contributes', undefined);
  return out;
}

/** The glossary's "avoid" column (docs/l10n-glossary.md): terms zh-TW text must not use, with what to use instead. */
export function glossaryAvoid(markdown) {
  const out = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | English | zh-TW | avoid | note |
    if (cells.length < 5 || !HAN.test(cells[2] ?? '')) continue;
    const use = cells[2].split(/[、,/]/)[0].trim();
    for (const term of (cells[3] ?? '').split(/[、,]/).map((s) => s.trim()).filter((s) => HAN.test(s))) out.push({ term, use });
  }
  return out;
}

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Everything the unit test and `npm run l10n -- --check` check, as a list of problems (empty: all good). */
export function checkAll(root = REPO) {
  const { messages, errors } = extractMessages(root);
  const english = englishBundle(messages);
  const problems = [...errors, ...checkWebviewScripts(messages, root)];
  const committed = readJson(path.join(root, 'l10n', 'bundle.l10n.json'));
  if (JSON.stringify(committed) !== JSON.stringify(english)) problems.push('l10n/bundle.l10n.json is out of date: run npm run l10n');
  const avoid = glossaryAvoid(readFileSync(path.join(root, 'docs', 'l10n-glossary.md'), 'utf8'));
  const pkg = readJson(path.join(root, 'package.json'));
  const nls = readJson(path.join(root, 'package.nls.json'));
  const used = nlsKeysOf(pkg);
  for (const [key, at] of used) if (!(key in nls)) problems.push(`package.nls.json: missing "${key}" (package.json ${at})`);
  for (const key of Object.keys(nls)) if (!used.has(key)) problems.push(`package.nls.json: "${key}" is used nowhere in package.json`);
  problems.push(...untranslatedManifestStrings(pkg).map((p) => `package.json: not a %key%: ${p}`));
  for (const locale of LOCALES) {
    problems.push(...checkTranslation(english, readJson(path.join(root, 'l10n', `bundle.l10n.${locale}.json`)), { name: `l10n/bundle.l10n.${locale}.json`, avoid }));
    problems.push(...checkTranslation(nls, readJson(path.join(root, `package.nls.${locale}.json`)), { name: `package.nls.${locale}.json`, avoid }));
  }
  return { problems, english, messages };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const { messages, errors } = extractMessages();
  const english = englishBundle(messages);
  if (!check && errors.length === 0) writeFileSync(path.join(REPO, 'l10n', 'bundle.l10n.json'), JSON.stringify(english, null, 2) + '\n');
  const { problems } = checkAll();
  console.log(`[l10n] ${messages.size} messages in src/${check ? '' : ' -> l10n/bundle.l10n.json'}`);
  for (const p of problems) console.log(`  ${p}`);
  process.exit(problems.length ? 1 : 0);
}
