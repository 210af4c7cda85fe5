/** The logging capability the pure core receives; the host backs it with a LogOutputChannel, the CLI with stderr. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

/** Removes bearer tokens, keys and secrets from text before it reaches any log. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(authorization\s*[:=]\s*)(bearer\s+)?[^\s"',]+/gi, '$1$2<redacted>')
    .replace(/\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1<redacted>')
    .replace(/((?:access_?token|refresh_?token|client_?secret|password|primaryKey|secondaryKey|api[-_]?key|sig)["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi, '$1<redacted>')
    .replace(/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, '<redacted-jwt>')
    // Credentials inside URLs (a pip index or proxy URL "https://user:token@host/"): bounded, so linear.
    .replace(/\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/@:"'<>]{1,256}(?::[^\s/@"'<>]{0,256})?@/gi, '$1<redacted>@');
}

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
