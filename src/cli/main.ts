// `aml-doctor`: the analysis and log explanations as a command-line tool for CI pipelines.
import { preferBaselineWasmCompiler } from '../analysis/parser';
import * as l10n from '../common/l10n';
import { chooseLanguage, usageEntry } from './args';
import { doctorUsage, runDoctorCli } from './doctor';
import { runExplain } from './explain';
import { runLint } from './lint';

// Set by esbuild from package.json; absent when run from source.
declare const AML_DOCTOR_VERSION: string | undefined;
const VERSION = typeof AML_DOCTOR_VERSION === 'string' ? AML_DOCTOR_VERSION : 'development';

const entry = usageEntry;

function usage(): string {
  return `${l10n.t('Usage: aml-doctor <command> [options]')}

${l10n.t('Commands:')}
${entry('lint [paths...] [--format text|json|sarif]', l10n.t('Check Azure ML entry scripts (score.py) and conda env files for deployment problems.\nPaths may be files or folders (default: .).'))}
${entry('explain [file|-] [--format text|json]', l10n.t('Name the failure in an Azure ML deployment log and how to fix it\n(reads stdin when no file or -).'))}
${doctorUsage()}
${entry('help, --help', l10n.t('Show this help.'))}
${entry('--version', l10n.t('Show the version.'))}
${entry('--lang LOCALE', l10n.t('Language of messages, e.g. zh-tw or en (default: LC_ALL, LC_MESSAGES or LANG).'))}

${l10n.t('Exit codes:')}
  0  ${l10n.t('lint found no error-severity problem (warnings may be listed); explain printed its diagnosis;\n     doctor: no step failed')}
  1  ${l10n.t('lint found at least one error-severity problem; doctor: a step failed')}
  2  ${l10n.t('aml-doctor could not do its job: bad usage, a path or log it cannot read, an internal error')}
  130  ${l10n.t('doctor was interrupted (Ctrl+C); its container is removed')}
`;
}

async function main(argv: string[]): Promise<number> {
  const chosen = chooseLanguage(argv, process.env, process.stderr);
  if ('error' in chosen) {
    process.stderr.write(`${chosen.error}\n`);
    return 2;
  }
  const [command, ...rest] = chosen.args;
  switch (command) {
    case 'lint':
      return runLint(rest, process.stdout, process.stderr);
    case 'explain':
      return runExplain(rest, process.stdin, process.stdout, process.stderr);
    case 'doctor':
      return runDoctorCli(rest, process.stdout, process.stderr);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return 0;
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
      process.stderr.write(usage());
      return 2;
    default:
      process.stderr.write(`${l10n.t('aml-doctor: unknown command "{0}"', command)}\n\n${usage()}`);
      return 2;
  }
}

// A reader that stops early (`aml-doctor lint | head`) closes the pipe: the writes after that fail with EPIPE.
// Without a listener that is an uncaught exception and a stack trace. The command runs to its end instead,
// writing nowhere (the doctor still removes its container), and exits with its own code.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
  process.stderr.write(`aml-doctor: ${err.message}\n`);
  process.exitCode = 2;
});

preferBaselineWasmCompiler();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`aml-doctor: ${err.stack ?? err.message}\n`);
    process.exitCode = 2;
  },
);
