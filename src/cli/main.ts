// `aml-doctor`: the analysis and log explanations as a command-line tool for CI pipelines.
import { preferBaselineWasmCompiler } from '../analysis/parser';
import { DOCTOR_USAGE, runDoctorCli } from './doctor';
import { runExplain } from './explain';
import { runLint } from './lint';

const USAGE = `Usage: aml-doctor <command> [options]

Commands:
  lint [paths...] [--format text|json|sarif]
                                         Check Azure ML entry scripts (score.py) and conda env files for deployment problems.
                                         Paths may be files or folders (default: .). Exit code 1 when any
                                         error-severity finding exists, 2 on bad usage.
  explain [file|-] [--format text|json]  Name the failure in an Azure ML deployment log and how to fix it
                                         (reads stdin when no file or -). Exit code 2 on bad usage.
${DOCTOR_USAGE}
  help                                   Show this help.
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
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
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
