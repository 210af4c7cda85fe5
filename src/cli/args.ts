// Argument parsing shared by the aml-doctor subcommands: `--format X` / `-f X` / `--format=X` and
// positional targets ("-" is a target: standard input). Errors come back as a message for stderr.
// `--lang` is taken out before a subcommand sees its arguments (chooseLanguage).
import * as l10n from '../common/l10n';

/** A usage entry: the syntax (never translated) and its description, wrapped under the same column. */
export function usageEntry(syntax: string, description: string): string {
  const [first, ...rest] = description.split('\n');
  const pad = ' '.repeat(41);
  const head = syntax.length < 39 ? `  ${syntax.padEnd(39)}${first}` : `  ${syntax}\n${pad}${first}`;
  return [head, ...rest.map((l) => `${pad}${l}`)].join('\n');
}

export type ParsedArgs = { format: string; targets: string[] } | { error: string };

export function parseFormatArgs(command: string, args: string[], formats: string[]): ParsedArgs {
  let format = 'text';
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a === '-f') format = args[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a !== '-' && a.startsWith('-')) return { error: `aml-doctor ${command}: ${l10n.t('unknown option {0}', a)}` };
    else targets.push(a);
  }
  if (!formats.includes(format)) {
    const list = formats.length > 1 ? l10n.t('{0} or {1}', formats.slice(0, -1).join(', '), formats.at(-1)!) : formats.join('');
    return { error: `aml-doctor ${command}: ${l10n.t('--format must be {0}, not "{1}"', list, format)}` };
  }
  return { format, targets };
}

/**
 * Takes `--lang X` / `--lang=X` out of the arguments, wherever it stands, and chooses the messages' language: the
 * flag, else the environment (LC_ALL, LC_MESSAGES, LANG), else English. A language without a bundle keeps English.
 */
export function chooseLanguage(argv: string[], env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream): { args: string[] } | { error: string } {
  const args: string[] = [];
  let lang: string | undefined;
  let flagged = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lang' || a.startsWith('--lang=')) {
      lang = a === '--lang' ? argv[++i] : a.slice('--lang='.length);
      flagged = true;
      if (!lang || lang.startsWith('-')) return { error: `aml-doctor: ${l10n.t('--lang needs a language, e.g. --lang zh-tw')}` };
      if (!l10n.normalizeLocale(lang)) return { error: `aml-doctor: ${l10n.t('--lang: "{0}" is not a language tag (e.g. zh-tw, en)', lang)}` };
    } else {
      args.push(a);
    }
  }
  const loaded = l10n.useLocale(flagged ? lang : l10n.localeFromEnv(env));
  if (loaded.error) stderr.write(`aml-doctor: ${l10n.t('cannot read the translations ({0}); messages stay in English', loaded.error)}\n`);
  else if (flagged && loaded.missing) stderr.write(`aml-doctor: ${l10n.t('no translation for "{0}"; messages stay in English (available: {1})', lang!, ['en', ...l10n.availableLocales()].join(', '))}\n`);
  return { args };
}
