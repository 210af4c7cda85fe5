// Localization for the plain-Node side (docker/, azure/, environment/, debug/, the language server, the CLI).
// The host layer translates with `vscode.l10n.t`; everything else imports this module as `l10n` and calls
// `l10n.t('English text {0}', arg)`: the same keys (the English text, with "/comment" appended when a call carries
// a comment for translators) in the same bundles, l10n/bundle.l10n.<locale>.json. ARCHITECTURE.md "Localization"
// says how a string is added and how the unit test checks the bundles.
//
// Who chooses the bundle: the extension at activation (`useBundle(vscode.l10n.bundle, vscode.env.language)`), the
// language server from the client's `locale` (`useLocale`), the CLI from --lang or the environment (`localeFromEnv`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscodeL10n from '@vscode/l10n';

export type L10nBundle = vscodeL10n.l10nJsonFormat;

interface Slot {
  contents: L10nBundle | undefined;
  locale: string;
}

// Each esbuild bundle (extension.js, azure.js, doctor.js, sdkv1.js...) carries its own copy of @vscode/l10n and of
// this module. The chosen bundle lives on globalThis, so a bundle loaded later translates with what activation chose.
const SLOT = Symbol.for('aml-deploy-doctor.l10n');
const slot = (): Slot => ((globalThis as Record<symbol, Slot | undefined>)[SLOT] ??= { contents: undefined, locale: 'en' });
let applied: L10nBundle | undefined;

/** Translate: @vscode/l10n's `t` over the bundle in use (English, the key itself, when there is none). */
export const t: typeof vscodeL10n.t = ((...args: Parameters<typeof vscodeL10n.t>) => {
  const { contents } = slot();
  if (contents !== applied) {
    vscodeL10n.config({ contents: contents ?? {} });
    applied = contents;
  }
  return (vscodeL10n.t as (...a: unknown[]) => string)(...args);
}) as typeof vscodeL10n.t;

/** Use these translations from now on (undefined: English). */
export function useBundle(contents: L10nBundle | undefined, locale: string): void {
  const s = slot();
  s.contents = contents && typeof contents === 'object' ? contents : undefined;
  s.locale = s.contents ? normalizeLocale(locale) ?? 'en' : 'en';
}

/** The locales that have a bundle in the first of `dirs` holding any (never 'en': English needs none). */
export function availableLocales(dirs: string[] = bundleDirs()): string[] {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const locales = names.map((n) => /^bundle\.l10n\.([a-z0-9-]+)\.json$/.exec(n)?.[1]).filter((l): l is string => !!l);
    if (locales.length) return locales.sort();
  }
  return [];
}

/** The locale whose bundle is in use ('en' without one). */
export function currentLocale(): string {
  return slot().locale;
}

/**
 * A language tag or POSIX locale as VS Code names bundles: lower case, '-' separated, no encoding or modifier.
 * `zh_TW.UTF-8` -> `zh-tw`, `zh-Hant` / `zh-Hant-TW` -> `zh-tw`, `C` / `POSIX` / '' -> undefined (no preference).
 */
export function normalizeLocale(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  const bare = tag.trim().split(/[.@]/, 1)[0]!.replace(/_/g, '-').toLowerCase();
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(bare)) return undefined;
  if (bare === 'c' || bare === 'posix') return undefined;
  // Traditional Chinese written as a script subtag is the bundle VS Code calls zh-tw.
  if (bare === 'zh-hant' || bare.startsWith('zh-hant-')) return 'zh-tw';
  return bare;
}

/** The messages locale of a POSIX environment: LC_ALL, else LC_MESSAGES, else LANG (the first one set wins). */
export function localeFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value) return normalizeLocale(value);
  }
  return undefined;
}

/** Where the bundles are: l10n/ next to the running file (the CLI package), or one or two levels up (dist/, src/common/). */
export function bundleDirs(from: string = __dirname): string[] {
  return [path.join(from, 'l10n'), path.join(from, '..', 'l10n'), path.join(from, '..', '..', 'l10n')];
}

/** The file name VS Code reads for a locale: bundle.l10n.<locale>.json (lower case, as vscode.env.language). */
export const bundleFileName = (locale: string) => `bundle.l10n.${locale}.json`;

/** The locale in use afterwards, the file read, why it could not be read, or the locale that has no bundle. */
export type LoadResult = { locale: string; file?: string; error?: string; missing?: string };

/**
 * Choose the bundle of `locale` (any form normalizeLocale takes) for this process. English, or a locale without a
 * bundle, leaves the English text; a bundle that cannot be read says why in `error` and leaves English too.
 */
export function useLocale(locale: string | undefined, dirs: string[] = bundleDirs()): LoadResult {
  const wanted = normalizeLocale(locale);
  if (!wanted || wanted === 'en' || wanted.startsWith('en-')) {
    useBundle(undefined, 'en');
    return { locale: 'en' };
  }
  for (const dir of dirs) {
    const file = path.join(dir, bundleFileName(wanted));
    if (!existsSync(file)) continue;
    try {
      const contents = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (!contents || typeof contents !== 'object' || Array.isArray(contents)) throw new Error('not a JSON object');
      useBundle(contents as L10nBundle, wanted);
      return { locale: wanted, file };
    } catch (err) {
      useBundle(undefined, 'en');
      return { locale: 'en', file, error: `${file}: ${(err as Error).message}` };
    }
  }
  useBundle(undefined, 'en');
  return { locale: 'en', missing: wanted };
}
