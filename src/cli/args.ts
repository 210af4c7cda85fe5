// Argument parsing shared by the aml-doctor subcommands: `--format X` / `-f X` / `--format=X` and
// positional targets ("-" is a target: standard input). Errors come back as a message for stderr.

export type ParsedArgs = { format: string; targets: string[] } | { error: string };

export function parseFormatArgs(command: string, args: string[], formats: string[]): ParsedArgs {
  let format = 'text';
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a === '-f') format = args[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a !== '-' && a.startsWith('-')) return { error: `aml-doctor ${command}: unknown option ${a}` };
    else targets.push(a);
  }
  if (!formats.includes(format)) {
    const list = formats.length > 2 ? `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}` : formats.join(' or ');
    return { error: `aml-doctor ${command}: --format must be ${list}, not "${format}"` };
  }
  return { format, targets };
}
