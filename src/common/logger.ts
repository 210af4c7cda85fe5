import { redactSecrets } from './redact';

/** The logging capability the pure core receives; the host backs it with a LogOutputChannel, the CLI with stderr. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export { redactSecrets } from './redact';

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger for plain Node (CLI, tests): writes redacted lines to stderr at or above a level. */
export function createStderrLogger(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' = 'warn'): Logger {
  const order = ['trace', 'debug', 'info', 'warn', 'error'];
  const min = order.indexOf(level);
  const write = (lvl: string, msg: string | Error) => {
    if (order.indexOf(lvl) < min) return;
    const text = msg instanceof Error ? msg.stack ?? msg.message : msg;
    process.stderr.write(`[${lvl}] ${redactSecrets(text)}\n`);
  };
  return {
    trace: (m) => write('trace', m),
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
