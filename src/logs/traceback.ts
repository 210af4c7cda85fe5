// Python tracebacks as they arrive in deployment logs: a streaming parser (frames with their source lines,
// the exception, chained exceptions) that holds up when the traceback is interleaved with other log lines,
// carries a timestamp prefix on every line, was flattened onto one line, arrived escaped twice (JSON inside
// JSON) or HTML-entity-mangled, or is cut off. Then where its frames are: whose code each frame is (the
// user's entry script, other user code, the inference server, a library) and what the server was doing
// (importing the entry module, init(), run(), serialising run()'s answer, starting itself).
// Every pattern runs in linear time on any line (test/unit/logs/linear-patterns.test.ts).
import { redactSecrets } from '../common/redact';
import { unescapeText } from './normalize';
import type { Evidence, ExceptionInfo, Frame, FrameOrigin, Phase, Traceback } from './types';

/** A frame's source line as kept: 500 characters, redacted (the card, the CLI's JSON and the editor show it). */
function sourceLine(text: string): string {
  return redactSecrets(text.slice(0, 500));
}

/** Where the user's code lives in Azure ML scoring containers (AML_APP_ROOT). */
export const DEFAULT_APP_ROOT = '/var/azureml-app';

export interface TracebackContext {
  /** The entry script: a path or a file name (the server's "Entry Script Name:", or the local score.py). */
  entryScript?: string;
  /** AML_APP_ROOT. Default /var/azureml-app. */
  appRoot?: string;
}

const RE = {
  header: /Traceback \(most recent call last\)/,
  // IPython/Jupyter: "ModelNotFoundException    Traceback (most recent call last)".
  ipythonHeader: /(?:^|\s)((?:[A-Za-z_]\w{0,60}\.){0,8}[A-Z]\w{0,80})\s{2,}Traceback \(most recent call last\)/,
  // `File "path", line N, in func` (also `line N in func`, faulthandler's form); several per flattened line.
  frame: /File "([^"\n]{1,2048})", line (\d{1,9})(?:,? in ([^\s,]{1,300}))?/g,
  // A frame cut in the middle of its path (the log ends there).
  cutFrame: /File "([^"\n]{1,2048})$/,
  // IPython 8: `File /path/model.py:2124, in InferenceConfig.__init__(self, ...)`.
  ipythonFrame: /^\s{0,8}File ([^\s,"]{1,2048}):(\d{1,9}), in ([^\s(]{1,300})/,
  context: /During handling of the above exception, another exception occurred/,
  cause: /The above exception was the direct cause of the following exception/,
  caret: /^\s{0,200}[~^]{1,400}\s{0,200}$/,
  repeated: /^\s{0,200}\[Previous line repeated \d{1,12} more times?\]/,
  // An exception line: `pkg.mod.TypeName: message`, `TypeName` alone, or a repr `TypeName(args)`.
  exceptionLine: /^((?:[A-Za-z_]\w{0,60}\.){0,8}[A-Za-z_]\w{0,80})(?:(:)(?:\s(.*))?|\((.*)\))?$/,
  // An exception named anywhere in a line: the type must end like an exception class.
  // A repr's arguments are taken in code (a `\((.*)\)` could re-scan the rest of the line from every type).
  exceptionAnywhere: /(?<![\w.])((?:[A-Za-z_]\w{0,60}\.){0,8}[A-Z]\w{0,80}?(?:Error|Exception|Exit|Interrupt|Warning))(?::\s?(.*)|(\()|(?=[\s,;'"}\]]|$))/,
  // Prefixes that loggers and collectors put on each line.
  criPrefix: /^\S{1,64}\s(?:stdout|stderr)\s[FP]\s/,
  quotePrefix: /^(?:>\s?){1,4}/,
  upperWord: /^[A-Z_]{1,40}$/,
  exceptionSuffix: /(?:Error|Exception|Exit|Interrupt|Warning|Failure|Fault)$/,
  escapedNewline: /\\n/,
};

/** Exported for the linear-time test. */
export const TRACEBACK_PATTERNS: readonly RegExp[] = Object.values(RE);

/** Digits do not count when a prefix is compared with the traceback header's (timestamps differ). */
function shape(s: string): string {
  return s.replace(/\d/g, '0');
}

/** What a line was to the parser. */
export type TracebackRole = 'header' | 'frame' | 'source' | 'exception' | 'chain' | 'inside';

interface Building {
  frames: Frame[];
  /** The log line of each frame (parallel to frames). */
  frameLines: Evidence[];
  elided: number;
  line: number;
  header?: Evidence;
  /** What the header line had before "Traceback": the same prefix is stripped from the lines after. */
  prefix: string;
  /** A client-side (IPython) traceback: its exception type is printed in the header. */
  headerType?: string;
  chained?: Traceback['chained'];
  /** Lines since the last traceback line (interleaved output). */
  stray: number;
  lastRole: TracebackRole;
}

const MAX_FRAMES = 64;
/** Frames kept from the start of a very long traceback (the rest is kept from its end). */
const HEAD_FRAMES = 16;
/** Other lines in a row that end a traceback that never got its exception line. */
const MAX_STRAY = 40;

/**
 * A streaming traceback parser. Feed it normalised lines; it calls `onTraceback` for each traceback once it
 * is known whether another one is chained to it (a chain arrives as its last traceback, the earlier ones
 * reachable through `chained`).
 */
export class TracebackParser {
  private cur: Building | undefined;
  /** A complete traceback that a "During handling..." line may still chain to the next one. */
  private held: { tb: Traceback; evidence: Evidence[]; after: number } | undefined;
  private pendingChain: Traceback['chained'] | undefined;

  constructor(
    /** A finished traceback, with the log lines that show it (header, deepest user frame, exception). */
    private readonly onTraceback: (tb: Traceback, evidence: Evidence[]) => void,
    private readonly context: () => TracebackContext = () => ({}),
  ) {}

  /** True while a traceback is being read: every line matters then. */
  get active(): boolean {
    return this.cur !== undefined || this.held !== undefined || this.pendingChain !== undefined;
  }

  /** Feeds one normalised line (no newline). Returns what the line was to a traceback, if anything. */
  line(text: string, n: number): { role: TracebackRole; frame?: Frame } | undefined {
    if (RE.context.test(text) || RE.cause.test(text)) {
      const relation = RE.cause.test(text) ? 'cause' : 'context';
      // The earlier exception: complete (held), or cut before its exception line.
      const earlier = this.takeCurrent(n - 1)?.tb ?? this.held?.tb;
      this.held = undefined;
      if (earlier) this.pendingChain = { relation, traceback: earlier };
      return { role: 'chain' };
    }
    if (RE.header.test(text)) {
      this.finishCurrent(n - 1);
      this.releaseHeld();
      const at = text.indexOf('Traceback (most recent call last)');
      const headerType = RE.ipythonHeader.exec(text)?.[1];
      this.cur = { frames: [], frameLines: [], elided: 0, line: n, header: { line: n, text }, prefix: headerType ? '' : text.slice(0, at), headerType, chained: this.takeChain(), stray: 0, lastRole: 'header' };
      return { role: 'header' };
    }
    if (text.includes('File ')) {
      const r = this.frames(text, n);
      if (r) return r;
    }
    if (this.held) {
      if (text.trim() !== '' && ++this.held.after > 3) this.releaseHeld();
      return undefined;
    }
    const cur = this.cur;
    if (!cur) return undefined;
    const body = this.stripPrefix(text, cur);
    if (body.trim() === '' || RE.caret.test(body) || RE.repeated.test(body)) return { role: 'inside' };
    if (/^\s/.test(body) || body.startsWith('-->') || body.startsWith('---->')) {
      const last = cur.frames[cur.frames.length - 1];
      if (last && last.source === undefined && cur.lastRole === 'frame') last.source = sourceLine(body.trim());
      cur.lastRole = 'source';
      cur.stray = 0;
      return { role: 'source' };
    }
    const exc = this.exceptionOf(body.trim(), cur.frames.length > 0 && (cur.lastRole === 'frame' || cur.lastRole === 'source'));
    if (exc) {
      this.complete(cur, exc, n, text);
      return { role: 'exception' };
    }
    // A source line without indentation right after its frame (some collectors strip leading spaces).
    const last = cur.frames[cur.frames.length - 1];
    if (last && last.source === undefined && cur.lastRole === 'frame' && !RE.exceptionAnywhere.test(body)) {
      last.source = sourceLine(body.trim());
      cur.lastRole = 'source';
      return { role: 'source' };
    }
    // Another log line in between, or the exception after a logger's own prefix.
    const inline = RE.exceptionAnywhere.exec(body);
    if (inline && cur.frames.length > 0 && inline[2] !== undefined) {
      this.complete(cur, toException(body, inline), n, text);
      return { role: 'exception' };
    }
    if (++cur.stray > MAX_STRAY) this.finishCurrent(n);
    return undefined;
  }

  /** The log ended (or the caller wants what is known so far): a traceback being read counts as cut. */
  end(lastLine: number): void {
    this.finishCurrent(lastLine);
    this.releaseHeld();
    if (this.pendingChain) {
      // "During handling..." and then nothing: the earlier traceback stands alone.
      const tb = this.pendingChain.traceback;
      this.pendingChain = undefined;
      this.onTraceback(tb, [{ line: tb.endLine, text: tb.exception ? exceptionText(tb.exception) : `Traceback cut after line ${tb.endLine}` }]);
    }
  }

  /** What is being read right now, as if the log ended here (for an explanation while streaming). */
  snapshot(lastLine: number): { tb: Traceback; evidence: Evidence[] } | undefined {
    if (this.cur && (this.cur.frames.length > 0 || this.cur.headerType)) return this.build(this.cur, undefined, lastLine, true);
    return this.held;
  }

  private frames(text: string, n: number): { role: TracebackRole; frame?: Frame } | undefined {
    RE.frame.lastIndex = 0;
    let m = RE.frame.exec(text);
    let cutPath: string | undefined;
    let ipython: RegExpExecArray | null = null;
    if (!m) {
      cutPath = RE.cutFrame.exec(text)?.[1];
      ipython = cutPath === undefined && this.cur?.headerType ? RE.ipythonFrame.exec(text) : null;
      if (cutPath === undefined && !ipython) return undefined;
    }
    if (!this.cur) {
      this.releaseHeld();
      // A traceback whose header is not in the log (cut before it, or never printed).
      this.cur = { frames: [], frameLines: [], elided: 0, line: n, prefix: '', chained: this.takeChain(), stray: 0, lastRole: 'header' };
    }
    const cur = this.cur;
    cur.stray = 0;
    if (ipython) {
      const frame = { path: ipython[1]!, line: Number(ipython[2]), function: ipython[3]! };
      this.push(cur, frame, { line: n, text });
      cur.lastRole = 'frame';
      return { role: 'frame', frame };
    }
    if (cutPath !== undefined) {
      const frame = { path: cutPath, line: 0, function: '' };
      this.push(cur, frame, { line: n, text });
      cur.lastRole = 'frame';
      return { role: 'frame', frame };
    }
    let first: Frame | undefined;
    let last: Frame | undefined;
    let tailFrom = 0;
    while (m) {
      if (last && m.index > tailFrom) {
        const between = text.slice(tailFrom, m.index).trim();
        if (between) last.source ??= sourceLine(between);
      }
      last = { path: m[1]!, line: Number(m[2]), function: m[3] ?? '' };
      first ??= last;
      this.push(cur, last, { line: n, text });
      tailFrom = m.index + m[0].length;
      m = RE.frame.exec(text);
    }
    cur.lastRole = 'frame';
    // A flattened traceback: the source line and the exception follow on the same line.
    const tail = text.slice(tailFrom).trim();
    if (tail && last) {
      const exc = RE.exceptionAnywhere.exec(tail);
      if (exc && (exc[2] !== undefined || exc[3] !== undefined || exc.index + exc[0].length === tail.length)) {
        const src = tail.slice(0, exc.index).trim();
        if (src) last.source ??= sourceLine(src);
        this.complete(cur, toException(tail, exc), n, text);
        return { role: 'frame', frame: first };
      }
      last.source ??= sourceLine(tail);
    }
    return { role: 'frame', frame: first };
  }

  private push(cur: Building, frame: Frame, at: Evidence): void {
    cur.frames.push(frame);
    cur.frameLines.push({ line: at.line, text: at.text.length > 2000 ? at.text.slice(0, 2000) + '…' : at.text });
    if (cur.frames.length > MAX_FRAMES) {
      // Keep the outermost frames (where the server called in) and the innermost (where it failed).
      cur.frames.splice(HEAD_FRAMES, 1);
      cur.frameLines.splice(HEAD_FRAMES, 1);
      cur.elided++;
    }
  }

  private stripPrefix(text: string, cur: Building): string {
    let s = text;
    if (cur.prefix && s.length >= cur.prefix.length && shape(s.slice(0, cur.prefix.length)) === shape(cur.prefix)) s = s.slice(cur.prefix.length);
    else {
      const cri = RE.criPrefix.exec(s);
      if (cri) s = s.slice(cri[0].length);
      const quote = RE.quotePrefix.exec(s);
      if (quote && cur.prefix.startsWith('>')) s = s.slice(quote[0].length);
    }
    return s;
  }

  /** The exception of a line, if the line is one. `afterFrames`: a CamelCase name alone counts too. */
  private exceptionOf(line: string, afterFrames: boolean): ExceptionInfo | undefined {
    const m = RE.exceptionLine.exec(line);
    if (!m) return undefined;
    const type = m[1]!;
    const last = type.slice(type.lastIndexOf('.') + 1);
    if (!/^_*[A-Z]/.test(last) || RE.upperWord.test(last)) return undefined;
    if (!RE.exceptionSuffix.test(last) && !(afterFrames && (m[2] !== undefined || m[4] !== undefined || line === type))) return undefined;
    return { type, message: (m[3] ?? m[4] ?? '').trim().slice(0, 2000) };
  }

  private complete(cur: Building, exception: ExceptionInfo, n: number, line: string): void {
    this.cur = undefined;
    const built = this.build(cur, exception, n);
    built.evidence.unshift({ line: n, text: line.length > 2000 ? line.slice(0, 2000) + '…' : line });
    this.held = { ...built, after: 0 };
  }

  private finishCurrent(endLine: number): void {
    const t = this.takeCurrent(endLine);
    if (t) this.onTraceback(t.tb, t.evidence);
  }

  /** The traceback being read, ended as cut at endLine; undefined when it has nothing to say. */
  private takeCurrent(endLine: number): { tb: Traceback; evidence: Evidence[] } | undefined {
    const cur = this.cur;
    if (!cur) return undefined;
    this.cur = undefined;
    if (cur.frames.length === 0 && !cur.headerType) {
      // A header and nothing else: nothing to say about it, but a chain it carried stays pending.
      if (cur.chained) this.pendingChain = cur.chained;
      return undefined;
    }
    return this.build(cur, undefined, endLine, true);
  }

  private releaseHeld(): void {
    if (!this.held) return;
    const { tb, evidence } = this.held;
    this.held = undefined;
    this.onTraceback(tb, evidence);
  }

  private takeChain(): Traceback['chained'] {
    const c = this.pendingChain;
    this.pendingChain = undefined;
    return c;
  }

  private build(cur: Building, exception: ExceptionInfo | undefined, endLine: number, cut = false): { tb: Traceback; evidence: Evidence[] } {
    const tb: Traceback = { frames: cur.frames.map((f) => ({ ...f })), truncated: cut || exception === undefined, line: cur.line, endLine: Math.max(cur.line, endLine) };
    if (cur.elided) tb.elided = cur.elided;
    // An IPython traceback names its exception type in the header, before the frames.
    const exc = exception ?? (cur.headerType ? { type: cur.headerType, message: '' } : undefined);
    if (exc) tb.exception = exc;
    if (cur.chained) tb.chained = cur.chained;
    analyseFrames(tb, this.context(), cur.headerType !== undefined);
    // Evidence, most telling first: (the exception line, added by complete()), the deepest frame in the
    // user's code (else the deepest frame), where the traceback starts.
    const evidence: Evidence[] = [];
    let at = tb.frames.length - 1;
    for (let i = tb.frames.length - 1; i >= 0; i--) {
      if (tb.frames[i]!.origin === 'entry' || tb.frames[i]!.origin === 'user') {
        at = i;
        break;
      }
    }
    const frameLine = cur.frameLines[at];
    if (frameLine) evidence.push(frameLine);
    if (cur.header && !(frameLine && frameLine.line === cur.header.line && frameLine.text === cur.header.text)) {
      evidence.push({ ...cur.header, text: cur.header.text.length > 2000 ? cur.header.text.slice(0, 2000) + '…' : cur.header.text });
    }
    return { tb, evidence };
  }
}

// ---- whose code a frame is, and what the server was doing -------------------------------------------------

const SERVER_PATH = /azureml_inference_server_http|azmlinfsrv|\/var\/azureml-server\/|\/azureml-server\/|\/mlflow_resources\/|\/site-packages\/(?:gunicorn|flask|werkzeug|uvicorn|starlette|fastapi)\//;
const LIBRARY_PATH = /site-packages|dist-packages|\/lib\/python\d|\\lib\\|\/usr\/lib\/|\/opt\/conda\/|\/azureml-envs\/|\/miniconda\/|\/anaconda\d?\//;
// The SDKs and tools on the user's machine (azureml.core also runs inside containers: user frames decide there).
const CLIENT_PATH = /^<ipython-input|^<stdin>|^<timed exec>|\/azureml\/(?:core|_restclient|exceptions)\/|\/azure\/ai\/ml\/|\/azure\/core\/polling|\/azure\/cli\/|\/papermill\//;
const BUILD_PATH = /\/conda\/(?:cli|core|gateways)\/|\/pip\/_internal\//;
const ENTRY_NAME = /^score[\w-]*\.py$/;

// Functions of the server that call into the entry script, by what they call.
const SERVER_IMPORT = /^(?:load_script|_load_script|load_entry_script|exec_module|import_module|_load_module|_call_with_frames_removed|load_user_module|get_user_module)$/;
const SERVER_INIT = /^(?:invoke_init|_wrapped_user_init|user_init|call_init|init_user_script|register)$/;
const SERVER_RUN = /^(?:invoke_run|_wrapped_user_run|run_user|score|score_request|predict|handle_request|run_scoring)$/;
const SERIALISE = /(?:^|\/)json\/encoder\.py$|\/(?:flask|simplejson|orjson)\/json|\/json\/__init__\.py$|\/(?:flask|werkzeug)\/wrappers/;
const SERIALISE_FN = /^(?:default|iterencode|encode|dumps|jsonify|make_response|_dump_arg_defaults|response)$/;

function baseName(p: string): string {
  const s = p.replace(/\\/g, '/');
  return s.slice(s.lastIndexOf('/') + 1);
}

/** Whose code a frame is. */
export function frameOrigin(path: string, context: TracebackContext = {}): FrameOrigin {
  const p = path.replace(/\\/g, '/');
  if (p.startsWith('<frozen ') || p === '<string>') return 'runtime';
  if (CLIENT_PATH.test(p)) return 'client';
  if (SERVER_PATH.test(p)) return 'server';
  if (LIBRARY_PATH.test(p)) return 'library';
  const root = (context.appRoot ?? DEFAULT_APP_ROOT).replace(/\/+$/, '');
  const name = baseName(p);
  const entry = context.entryScript ? baseName(context.entryScript) : undefined;
  if (entry ? name === entry : ENTRY_NAME.test(name)) return 'entry';
  if (p.startsWith(root + '/')) {
    // The v1 images' generated wrapper that imports the user's script.
    if (p === `${root}/main.py` && !(entry === 'main.py')) return 'server';
    return 'user';
  }
  return p.startsWith('/') || /^[A-Za-z]:/.test(p) ? 'library' : 'user';
}

/** Fills in frame origins, the entry and user frames, and the phase of a traceback (and of its chain). */
export function analyseFrames(tb: Traceback, context: TracebackContext, clientHeader = false): void {
  if (tb.chained && tb.chained.traceback.phase === undefined) analyseFrames(tb.chained.traceback, context);
  for (const f of tb.frames) f.origin = frameOrigin(f.path, context);
  const user = tb.frames.filter((f) => f.origin === 'entry' || f.origin === 'user');
  // No entry script recognised by name: the first user frame the server called is the entry script.
  if (!tb.frames.some((f) => f.origin === 'entry') && user.length > 0) {
    const firstUser = tb.frames.findIndex((f) => f.origin === 'user');
    const caller = tb.frames[firstUser - 1];
    if (caller && (caller.origin === 'server' || caller.origin === 'runtime')) {
      const entryPath = tb.frames[firstUser]!.path;
      for (const f of tb.frames) if (f.path === entryPath) f.origin = 'entry';
    }
  }
  const entry = [...tb.frames].reverse().find((f) => f.origin === 'entry');
  const deepestUser = [...tb.frames].reverse().find((f) => f.origin === 'entry' || f.origin === 'user');
  if (entry) tb.entryFrame = { ...entry };
  if (deepestUser) tb.userFrame = { ...deepestUser };
  tb.phase = phaseOf(tb, clientHeader);
}

function phaseOf(tb: Traceback, clientHeader: boolean): Phase | undefined {
  const frames = tb.frames;
  if (clientHeader || (frames.length > 0 && frames.every((f) => f.origin === 'client' || f.origin === 'library' || f.origin === 'runtime') && frames.some((f) => f.origin === 'client'))) return 'client';
  if (frames.some((f) => BUILD_PATH.test(f.path.replace(/\\/g, '/')))) return 'build';
  const firstUser = frames.findIndex((f) => f.origin === 'entry' || f.origin === 'user');
  if (firstUser >= 0) {
    // The outermost user frame says what the server called: the module body, init() or run().
    const userFns = frames.slice(firstUser).filter((f) => f.origin === 'entry' || f.origin === 'user').map((f) => f.function);
    if (userFns.includes('init')) return 'init';
    if (userFns.includes('run')) return 'run';
    const caller = [...frames.slice(0, firstUser)].reverse().find((f) => f.origin === 'server');
    if (caller && SERVER_INIT.test(caller.function)) return 'init';
    if (caller && SERVER_RUN.test(caller.function)) return 'run';
    if (frames[firstUser]!.function === '<module>') return 'import';
    if (caller && SERVER_IMPORT.test(caller.function)) return 'import';
    return undefined;
  }
  const server = frames.filter((f) => f.origin === 'server');
  if (server.length === 0) return undefined;
  const runAt = frames.map((f) => f.origin === 'server' && SERVER_RUN.test(f.function)).lastIndexOf(true);
  if (runAt >= 0) {
    // run() is not on the stack: the server failed after it returned, turning the answer into JSON.
    const deepest = frames.slice(runAt + 1);
    const serialising = deepest.some((f) => SERIALISE.test(f.path.replace(/\\/g, '/')) || SERIALISE_FN.test(f.function));
    if (serialising || (tb.exception && /not JSON serializable|JSON compliant|Circular reference/.test(tb.exception.message))) return 'response';
    return 'run';
  }
  if (server.some((f) => SERVER_INIT.test(f.function))) return 'init';
  if (server.some((f) => SERVER_IMPORT.test(f.function))) return 'import';
  if (server.every((f) => f.function === '<module>')) return 'server_start';
  return undefined;
}

/**
 * A line holding a traceback escaped once or twice (az CLI JSON inside JSON: `\\n`, `\"`), split into the
 * lines it stands for. Undefined when the line is not one.
 */
export function expandEscaped(text: string): string[] | undefined {
  if (!RE.escapedNewline.test(text)) return undefined;
  if (!text.includes('Traceback (most recent call last)') && !/File \\+"/.test(text)) return undefined;
  const lines = unescapeText(text, 3).split(/\r?\n/);
  return lines.length > 4096 ? lines.slice(0, 4096) : lines;
}

/** An exception named anywhere in a line (outside a traceback): `ModuleNotFoundError: No module named 'x'`. */
export function exceptionIn(text: string): ExceptionInfo | undefined {
  const m = RE.exceptionAnywhere.exec(text);
  return m ? toException(text, m) : undefined;
}

/** `Type: message` as Python prints it. */
export function exceptionText(e: ExceptionInfo): string {
  return e.type ? (e.message ? `${e.type}: ${e.message}` : e.type) : e.message;
}

/** The exception of an exceptionAnywhere match: `Type: message`, or a repr `Type(args)`. */
function toException(text: string, m: RegExpExecArray): ExceptionInfo {
  let message = m[2] ?? '';
  if (m[3] !== undefined) {
    // Type(args): the arguments up to the last closing parenthesis.
    const args = text.slice(m.index + m[0].length, m.index + m[0].length + 2000);
    const close = args.lastIndexOf(')');
    message = close >= 0 ? args.slice(0, close) : args;
  }
  return { type: m[1]!, message: message.trim().slice(0, 2000) };
}
