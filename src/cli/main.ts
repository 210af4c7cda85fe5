// `aml-doctor`: the analysis and log explanations as a command-line tool for CI pipelines.
import { preferBaselineWasmCompiler } from '../analysis/parser';
import { DOCTOR_USAGE, runDoctorCli } from './doctor';
import { runExplain } from './explain';
import { runLint } from './lint';

// Set by esbuild from package.json; absent when run from source.
declare const AML_DOCTOR_VERSION: string | undefined;
const VERSION = typeof AML_DOCTOR_VERSION === 'string' ? AML_DOCTOR_VERSION : 'development';

const USAGE = `Usage: aml-doctor <command> [options]

Commands:
  lint [paths...] [--format text|json|sarif]
                                         Check Azure ML entry scripts (score.py) and conda env files for deployment problems.
                                         Paths may be files or folders (default: .).
  explain [file|-] [--format text|json]  Name the failure in an Azure ML deployment log and how to fix it
                                         (reads stdin when no file or -).
${DOCTOR_USAGE}
  help, --help                           Show this help.
  --version                              Show the version.

Exit codes:
  0  lint found no error-severity problem (warnings may be listed); explain printed its diagnosis;
     doctor: no step failed
  1  lint found at least one error-severity problem; doctor: a step failed
  2  aml-doctor could not do its job: bad usage, a path or log it cannot read, an internal error
  130  doctor was interrupted (Ctrl+C); its container is removed
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
      process.stdout.write(USAGE);
      return 0;
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      process.stderr.write(`aml-doctor: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

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
