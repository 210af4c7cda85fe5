// The streaming log classifier: feed it chunks as they arrive (from `docker logs --follow`, Azure
// get_logs polling, a file or a paste); it keeps only bounded state (counters, the first few evidence
// lines per finding, the traceback being read) and can explain the log at any moment.
//
// It reasons from structure first: Python tracebacks (traceback.ts: frames, exception, chain, phase) and
// exception lines (exceptions.ts: exception families -> causes), the worker life cycle (killed, timed out,
// re-booted, init() started and never finished); phrases (catalogue.ts) cover what has no traceback. When
// nothing in the text reports a failure it says so, with what to collect next, instead of guessing.
import { redactSecrets } from '../common/redact';
import * as l10n from '../common/l10n';
import { COLLECT, DETECTED, IMAGE_BUILDING, IMAGE_BUILT, NO_FAILURE, SIGNATURES, UNRECOGNISED, signatureById } from './catalogue';
import { diagnoseException, diagnoseTraceback, familyMessage, type Diagnosis } from './exceptions';
import { KeywordScanner } from './keywords';
import { appendSentence } from './report';
import { DockerStreamDemuxer, decodeEntities, looksMultiplexed, normalizeLine, type StreamFormat } from './normalize';
import { TracebackParser, exceptionIn, expandEscaped } from './traceback';
import type { CollectStep, Evidence, Explanation, Finding, Frame, LogLine, Phase, Severity, Signature, Traceback } from './types';

export interface ClassifierOptions {
  /** 'docker': Docker's multiplexed frames; 'auto' (default): detected from the first bytes. */
  format?: StreamFormat;
  /** Called for every line (the panel); without it the classifier only scans lines with keywords. */
  onLine?: (line: LogLine) => void;
  /**
   * Longer lines are cut there with a marker and the rest of the line is skipped: memory and the work per
   * line stay bounded however the log looks (a container may print gigabytes without a newline). This is
   * also the most any pattern examines. Default 64 KiB.
   */
  maxLineBytes?: number;
  /** pushAsync: bytes handled between two checks of the time budget. Default 64 KiB. */
  sliceBytes?: number;
  /** pushAsync: after this much work the classifier yields to the event loop. Default 8 ms. */
  budgetMs?: number;
  /** Evidence lines kept per finding. Default 5. */
  evidencePerFinding?: number;
  /** Re-boots of workers within this time (or line distance, without timestamps) make a loop. */
  rebootWindowMs?: number;
  /**
   * The entry script (a file name or the path in the container) when the caller knows it (the local
   * score.py of a deployment). Otherwise the log's "Entry Script Name:" or the score*.py convention.
   */
  entryScript?: string;
  /** AML_APP_ROOT of the container. Default /var/azureml-app. */
  appRoot?: string;
  signatures?: Signature[];
}

interface Hit {
  count: number;
  evidence: Evidence[];
  /** Findings from structure (tracebacks, exception lines) carry their own text; phrases use the catalogue. */
  diagnosis?: Diagnosis;
  traceback?: Traceback;
  location?: Frame;
  entryFrame?: Frame;
}

// The detectors, and the keywords that send a line to each. A line is analysed only by the detectors and
// the signatures whose keywords it holds (one pass of the keyword automaton finds them all).
const GROUP = { traceback: 1, exception: 2, family: 4, lifecycle: 8, kind: 16, failure: 32, notFound: 64 } as const;
const DETECTOR_KEYWORDS: Record<keyof typeof GROUP, string[]> = {
  traceback: ['traceback (most recent call last)', ', line ', 'during handling of the above', 'the above exception was', 'file "'],
  // An exception type named in a line (`...Error: message`).
  exception: ['error', 'exception', 'exit', 'interrupt'],
  // Exception messages that come without their type (exceptions.ts, `bare`).
  family: [
    'no module named', 'cannot import name', 'shared object', 'undefined symbol', 'c header', 'size changed', 'failed to import', 'api version',
    'abi version', 'dll load failed', 'glibc', 'distribution was not found', 'get attribute', 'unpickle estimator', 'inconsistentversionwarning',
    'cuda', 'unable to allocate', 'bad_alloc', 'cannot allocate', 'nvidia driver', 'has no attribute', 'errno', 'no such file', 'does not exist',
    'model not found', 'unable to open', 'find the model', 'find model', 'locate the model', 'locate model', 'load the model', 'load model', 'get_model_path',
    'json serializable', 'json compliant', 'circular reference', 'not authorized', 'authorizationpermissionmismatch', 'authorizationfailure', '403',
  ],
  // The worker life cycle and init().
  lifecycle: ['booting worker', 'signal 9', 'sigkill', 'worker exiting', 'exited with code', 'terminated due to signal', 'was sent sig', 'worker timeout', 'worker timed out', 'init function', 'init has completed', 'init completed', 'init()', 'mlflow_score_script', 'entry script name'],
  // What kind of text it is (for "no failure in this text"). Also read from the first SAMPLE_LINES lines,
  // so the frequent markers (access log lines) need no keyword.
  kind: [
    'listening at', 'starting gunicorn', 'server settings', 'initializing logger', 'inference server', 'step ', 'acb_step', 'collecting package',
    'solving environment', 'build context', 'kind: pod', 'instance status', 'az ml', 'webservice', 'httpresponseerror', 'operation id',
    'successfully built', 'successfully tagged', 'naming to', 'writing image',
  ],
  // Failures no signature explains.
  failure: ['error', 'fail', 'fatal', 'critical', 'exception', 'non-successful', 'crashed'],
  notFound: ['not found', '404'],
};

/** The marker that replaces the rest of a line longer than maxLineBytes (our words, so in the language in use). */
export const cutMarker = () => ` … ${l10n.t('[line cut: too long, the rest of it is skipped]')}`;

// Each runs in linear time on any line (test/unit/logs/linear-patterns.test.ts).
const RE = {
  boot: /Booting worker with pid:?\s*(\d+)/i,
  kill: /Worker with pid:?\s*(\d+) was terminated due to signal 9\b|Worker \(pid:?\s*(\d+)\) was sent SIGKILL/i,
  death: /Worker exiting \(pid|Worker \(pid:?\s*\d+\) exited with code|was terminated due to signal|was sent SIG/i,
  timeout: /WORKER TIMEOUT \(pid:?\s*(\d+)\)|[Ww]orker timed out/,
  initInvoked: /Invoking user'?s init function|Calling (?:the )?(?:user'?s )?init\(\)/i,
  initDone: /init (?:has )?completed successfully|Users?'?s init has completed|init\(\) (?:done|completed)/i,
  mlflow: /mlflow_score_script/,
  entryScript: /Entry Script Name:\s{0,20}(\S{1,1024})/,
  timestamp: /(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)/,
  errorLevel: /\b(?:ERROR|CRITICAL|FATAL)\b|\[(?:ERROR|CRITICAL)\]|^\s*[A-Za-z_][\w.]{0,120}(?:Error|Exception)\b|Traceback \(most recent/,
  warnLevel: /\bWARN(?:ING)?\b/,
  debugLevel: /\bDEBUG\b/,
  // A failure reported in words (for "a failure no known cause explains").
  failure: /\b(?:ERROR|FATAL|CRITICAL)\b|\b(?:failed|failure|non-successful|crashed)\b|"code":\s{0,4}"\w{0,60}(?:Failed|Failure|Error|Exception)"|\bException\b/i,
  // An exception from an entry script's start-up, said in words on the same line.
  startupWords: /entry script|init\(\)|init function|\bin init\b|worker failed to boot|Exception in worker process/i,
  // What kind of text this is.
  // Access log lines may arrive inside JSON (quotes escaped).
  containerText: /Booting worker|Listening at:|Starting gunicorn|Server Settings|Entry Script Name|Initializing logger|Inference Server|azmlinfsrv|Starting up app insights|"(?:GET|POST) \/\S{0,200} HTTP\/[\d.]{1,5}\\?"/i,
  requestOk: /"(?:GET|POST) \/\S{0,200} HTTP\/[\d.]{1,5}\\?" 200\b/,
  buildStep: /^\s*Step \d{1,5}\/\d{1,5} : /,
  buildText: /^\s*Step \d{1,5}\/\d{1,5} : |acb_step|Sending build context|Collecting package metadata|Solving environment/,
  // The image build ended well: the classic builder's last lines, BuildKit's export step.
  buildDone: /^\s*Successfully built [0-9a-f]{12}\b|^\s*Successfully tagged \S|^#\d{1,6} (?:naming to \S{1,1024}|writing image sha256:[0-9a-f]{64}) (?:\d{1,6}\.\d{1,3}s )?done\b/,
  controlText: /\baz ml\b|HttpResponseError|WebserviceException|"code":|Operation ID|provisioning/i,
  eventsText: /Kind: Pod|\bkubelet\b|Instance status/,
  notFound404: /\{"detail":\s{0,4}"Not Found"\}|(?:status|code)\W{0,4}404\b|\b404 Not Found\b/i,
  doubleEntity: /&amp;(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|gt|lt|amp|quot|apos|nbsp);/,
};

/** Exported for the linear-time test. */
export const CLASSIFIER_PATTERNS: readonly RegExp[] = Object.values(RE);

type TextKind = 'container' | 'build' | 'control' | 'events';

/** The first lines of a log are all read whole: what kind of text it is shows there. */
const SAMPLE_LINES = 200;

interface Compiled {
  /** Noise first: a line recognised as harmless is never evidence for a failure. */
  lineSignatures: Signature[];
  scanner: KeywordScanner;
  /** Per keyword id: the detector groups it belongs to (a GROUP bit mask). */
  groups: Int32Array;
  /** Per keyword id: the indices (in lineSignatures) of the signatures it belongs to. */
  signatures: number[][];
}

// Building the keyword automaton takes tens of milliseconds: once per signature list, not per log.
const compiledCache = new WeakMap<Signature[], Compiled>();

function compiled(signatures: Signature[]): Compiled {
  let c = compiledCache.get(signatures);
  if (!c) {
    const withPatterns = signatures.filter((s) => s.patterns.length > 0);
    const lineSignatures = [...withPatterns.filter((s) => s.noise), ...withPatterns.filter((s) => !s.noise)];
    const detector = Object.values(DETECTOR_KEYWORDS).flat();
    const scanner = new KeywordScanner([...lineSignatures.flatMap((s) => s.keywords), ...detector]);
    const id = new Map(scanner.keywords.map((k, i) => [k, i]));
    const groups = new Int32Array(scanner.keywords.length);
    for (const [g, words] of Object.entries(DETECTOR_KEYWORDS)) for (const w of words) groups[id.get(w.toLowerCase())!]! |= GROUP[g as keyof typeof GROUP];
    const bySignature: number[][] = scanner.keywords.map(() => []);
    lineSignatures.forEach((sig, i) => sig.keywords.forEach((k) => bySignature[id.get(k.toLowerCase())!]!.push(i)));
    c = { lineSignatures, scanner, groups, signatures: bySignature };
    compiledCache.set(signatures, c);
  }
  return c;
}

/** What the keyword automaton found in a line: the detector groups, and the signatures to test. */
interface LineKeys {
  groups: number;
  signatures: number[];
}

const NO_KEYS: LineKeys = { groups: 0, signatures: [] };

export class LogClassifier {
  private readonly signatures: Signature[];
  private readonly compiled: Compiled;
  private readonly scanner: KeywordScanner;
  private readonly onLine?: (line: LogLine) => void;
  private readonly maxLineBytes: number;
  private readonly sliceBytes: number;
  private readonly budgetMs: number;
  private readonly evidencePerFinding: number;
  private readonly rebootWindowMs: number;
  private readonly appRoot: string | undefined;
  private entryScript: string | undefined;

  private format: StreamFormat;
  private demuxer?: DockerStreamDemuxer;
  private carry: Buffer[] = [];
  private carryLength = 0;
  /** True while the rest of a cut line is being dropped. */
  private skipping = false;
  private lineNo = 0;
  private byteCount = 0;
  private readonly hits = new Map<string, Hit>();
  private readonly noise = new Map<string, number>();

  // Tracebacks.
  private readonly tracebacks: TracebackParser;
  /** The line being analysed was part of a traceback (for its severity in the panel). */
  private lineRole: { inTraceback: boolean; frame?: Frame; exception: boolean } = { inTraceback: false, exception: false };
  // What kind of text this is, and failures no signature explains (for an honest answer).
  private readonly kinds = new Set<TextKind>();
  private requestsOk = 0;
  private readonly unexplained: Evidence[] = [];
  private firstLine: Evidence | undefined;
  private lastLine: Evidence | undefined;
  private notFound404 = false;
  private buildSeen = false;
  /** The image build's success line, when the log has one. */
  private buildDone: Evidence | undefined;
  /** The last `Step n/m` line of an image build (what a build still running is doing). */
  private lastStep: Evidence | undefined;
  // Worker lifecycle.
  private readonly timedOutPids = new Set<string>();
  private deathSeen = false;
  private lastDeathWasTimeout = false;
  private reboots: number[] = [];
  private lastTime: number | undefined;
  // init() progress.
  private initInvoked: Evidence | undefined;
  private initDone = false;
  private mlflow = false;

  constructor(options: ClassifierOptions = {}) {
    this.signatures = options.signatures ?? SIGNATURES;
    this.compiled = compiled(this.signatures);
    this.scanner = this.compiled.scanner;
    this.onLine = options.onLine;
    this.maxLineBytes = Math.max(256, options.maxLineBytes ?? 64 * 1024);
    this.sliceBytes = Math.max(1024, options.sliceBytes ?? 64 * 1024);
    this.budgetMs = options.budgetMs ?? 8;
    this.evidencePerFinding = options.evidencePerFinding ?? 5;
    this.rebootWindowMs = options.rebootWindowMs ?? 120_000;
    this.format = options.format ?? 'auto';
    this.entryScript = options.entryScript;
    this.appRoot = options.appRoot;
    this.tracebacks = new TracebackParser(
      (tb, evidence) => this.traceback(tb, evidence),
      () => ({ entryScript: this.entryScript, appRoot: this.appRoot }),
    );
  }

  get lines(): number {
    return this.lineNo;
  }

  push(chunk: string | Uint8Array): void {
    const buf = this.payload(chunk);
    if (buf) this.feed(buf);
  }

  /**
   * push() in slices of sliceBytes: after budgetMs of work it yields to the event loop, so a huge chunk (or
   * a hostile one) never blocks the extension host. Stops early once `signal` is aborted.
   */
  async pushAsync(chunk: string | Uint8Array, signal?: AbortSignal): Promise<void> {
    const buf = this.payload(chunk);
    if (!buf) return;
    let since = performance.now();
    for (let i = 0; i < buf.length; i += this.sliceBytes) {
      if (signal?.aborted) return;
      this.feed(buf.subarray(i, Math.min(buf.length, i + this.sliceBytes)));
      if (performance.now() - since >= this.budgetMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  }

  /** The log bytes of a chunk (Docker's frame headers removed), or undefined when there are none yet. */
  private payload(chunk: string | Uint8Array): Buffer | undefined {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return undefined;
    if (this.format === 'auto') this.format = looksMultiplexed(buf) ? 'docker' : 'raw';
    if (this.format === 'docker') {
      this.demuxer ??= new DockerStreamDemuxer();
      const parts = this.demuxer.push(buf);
      if (parts.length === 0) return undefined;
      buf = parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts);
    }
    this.byteCount += buf.length;
    return buf;
  }

  /** Flushes the last unterminated line and returns the explanation. */
  end(): Explanation {
    if (this.carryLength > 0) this.flushCarry();
    this.skipping = false;
    this.tracebacks.end(this.lineNo);
    return this.explain();
  }

  private feed(buf: Buffer): void {
    let start = 0;
    if (this.skipping) {
      // The rest of a line already cut at maxLineBytes: drop it up to its newline.
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      start = nl + 1;
    } else if (this.carryLength > 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.appendCarry(buf);
        return;
      }
      this.appendCarry(buf.subarray(0, nl));
      if (this.skipping) this.skipping = false;
      else this.flushCarry();
      start = nl + 1;
    }
    const lastNl = buf.lastIndexOf(10);
    if (lastNl >= start) {
      this.block(buf, start, lastNl + 1);
      start = lastNl + 1;
    }
    if (start < buf.length) this.appendCarry(buf.subarray(start));
  }

  /** Keeps the start of an unterminated line; past maxLineBytes the line is emitted cut and the rest skipped. */
  private appendCarry(part: Buffer): void {
    const room = this.maxLineBytes - this.carryLength;
    if (part.length <= room) {
      // A copy: the caller may reuse its buffer.
      this.carry.push(Buffer.from(part));
      this.carryLength += part.length;
      return;
    }
    this.carry.push(Buffer.from(part.subarray(0, room)));
    const line = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLength = 0;
    this.skipping = true;
    this.line(line.toString('utf8') + cutMarker(), this.keys(line, 0, line.length));
  }

  private flushCarry(): void {
    const line = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLength = 0;
    this.lineBytes(line, 0, line.length, true);
  }

  /** Complete lines in buf[start, end); end is just after a '\n'. */
  private block(buf: Buffer, start: number, end: number): void {
    let pos = start;
    if (this.onLine) {
      while (pos < end) {
        const nl = buf.indexOf(10, pos);
        this.lineBytes(buf, pos, nl, true);
        pos = nl + 1;
      }
      return;
    }
    if (!this.firstLine) {
      // The first line is evidence of what the text is, should nothing else be.
      const nl = buf.indexOf(10, pos);
      const text = normalizeLine(buf.toString('utf8', pos, Math.min(nl, pos + 2000)));
      if (text.trim()) this.firstLine = { line: this.lineNo + 1, text };
    }
    while (pos < end) {
      if (this.tracebacks.active || this.lineNo < SAMPLE_LINES) {
        const nl = buf.indexOf(10, pos);
        this.lineBytes(buf, pos, nl, true);
        pos = nl + 1;
        continue;
      }
      const hitEnd = this.scanner.find(buf, pos, end);
      if (hitEnd < 0) {
        this.lineNo += countNewlines(buf, pos, end);
        this.rememberLast(buf, end);
        return;
      }
      const lineStart = Math.max(pos, buf.lastIndexOf(10, hitEnd - 1) + 1);
      this.lineNo += countNewlines(buf, pos, lineStart);
      const lineEnd = buf.indexOf(10, hitEnd - 1);
      this.lineBytes(buf, lineStart, lineEnd, true);
      pos = lineEnd + 1;
    }
  }

  /** A line of buf[start, end); `scan`: it may hold keywords (else it is only counted and shown). */
  private lineBytes(buf: Buffer, start: number, end: number, scan: boolean): void {
    const stop = end - start <= this.maxLineBytes ? end : start + this.maxLineBytes;
    const text = buf.toString('utf8', start, stop);
    this.line(stop === end ? text : text + cutMarker(), scan ? this.keys(buf, start, stop) : NO_KEYS);
  }

  /** The detector groups and the signatures the keywords of buf[start, end) call for. */
  private keys(buf: Uint8Array, start: number, end: number): LineKeys {
    const ids = this.scanner.matches(buf, start, end);
    if (ids.length === 0) return NO_KEYS;
    let groups = 0;
    let signatures: number[] = [];
    for (const id of ids) {
      groups |= this.compiled.groups[id]!;
      const sigs = this.compiled.signatures[id]!;
      if (sigs.length) signatures = signatures.length ? [...signatures, ...sigs] : sigs;
    }
    if (signatures.length > 1) signatures = [...new Set(signatures)].sort((a, b) => a - b);
    return { groups, signatures };
  }

  /** Keeps the last line of a block the fast scan skipped (the evidence of "no failure in this text"). */
  private rememberLast(buf: Buffer, end: number): void {
    const start = buf.lastIndexOf(10, end - 2) + 1;
    if (end - 1 > start) this.lastLine = { line: this.lineNo, text: normalizeLine(buf.toString('utf8', start, Math.min(end - 1, start + 2000))) };
  }

  private line(raw: string, keys: LineKeys): void {
    const n = ++this.lineNo;
    let text = normalizeLine(raw);
    // Entities encoded twice (a log pasted into HTML that was escaped again).
    if (text.includes('&amp;') && RE.doubleEntity.test(text)) text = decodeEntities(text);
    this.lineRole = { inTraceback: false, exception: false };
    let signature: string | undefined;
    let noise = false;
    // A traceback escaped once or twice inside one line (JSON inside JSON): its lines, one by one.
    const parts = (keys.groups & GROUP.traceback || this.tracebacks.active) && text.includes('\\') ? expandEscaped(text) : undefined;
    if (parts) {
      for (const part of parts) {
        const r = this.analyse(part, n, keys);
        signature ??= r.signature;
      }
    } else {
      const r = this.analyse(text, n, keys);
      signature = r.signature;
      noise = r.noise;
    }
    if (text.trim()) {
      const ev = { line: n, text: text.length > 2000 ? text.slice(0, 2000) + '…' : text };
      this.firstLine ??= ev;
      this.lastLine = ev;
    }

    if (this.onLine) {
      let severity: Severity = 'info';
      if ((signature && !noise) || this.lineRole.inTraceback || RE.errorLevel.test(text)) severity = 'error';
      else if (RE.warnLevel.test(text)) severity = 'warning';
      else if (RE.debugLevel.test(text)) severity = 'debug';
      if (noise && !signature) severity = 'info';
      const out: LogLine = { n, text: redactSecrets(text), severity };
      if (signature) out.signature = signature;
      if (noise && !signature) out.noise = true;
      if (this.lineRole.frame) out.frame = this.lineRole.frame;
      this.onLine(out);
    }
  }

  /** One line (or one line of an escaped traceback): tracebacks, signatures, exceptions, the worker life cycle. */
  private analyse(text: string, n: number, keys: LineKeys): { signature?: string; noise: boolean } {
    let signature: string | undefined;
    let role: string | undefined;
    const g = keys.groups;
    if (g & GROUP.traceback || this.tracebacks.active) {
      const r = this.tracebacks.line(text, n);
      if (r) {
        role = r.role;
        this.lineRole.inTraceback = true;
        if (r.role === 'exception') this.lineRole.exception = true;
        // A copy: the parser fills in the frame's source line when the next line arrives.
        if (r.frame) this.lineRole.frame ??= { path: r.frame.path, line: r.frame.line, function: r.frame.function };
      }
    }
    let noise = false;
    for (const i of keys.signatures) {
      const sig = this.compiled.lineSignatures[i]!;
      if (!sig.patterns.some((p) => p.test(text))) continue;
      if (sig.unless?.some((p) => p.test(text))) continue;
      if (sig.noise) {
        noise = true;
        this.noise.set(sig.id, (this.noise.get(sig.id) ?? 0) + 1);
        break;
      }
      this.record(sig.id, n, text);
      if (sig.category === 'image_build_failure') this.buildSeen = true;
      // What kind of log this is is not a failure: the line keeps its own severity.
      if (!sig.context) signature ??= sig.id;
    }
    if (g & GROUP.lifecycle) signature = this.detect(text, n) ?? signature;
    if (g & GROUP.kind || n <= SAMPLE_LINES) this.notice(text, n);
    if (g & GROUP.notFound && RE.notFound404.test(text)) this.notFound404 = true;
    if (noise) return { signature, noise };
    // An exception named outside a traceback, or a message of a known exception family.
    if (role === undefined && g & (GROUP.exception | GROUP.family)) {
      const exc = (g & GROUP.exception ? exceptionIn(text) : undefined) ?? (g & GROUP.family ? familyMessage(text) : undefined);
      if (exc) {
        const d = diagnoseException(exc, this.standalonePhase(text), { entryScript: this.entryScript });
        if (d) {
          this.recordDiagnosis(d, n, text);
          signature ??= d.id;
        }
      }
    }
    if (g & GROUP.failure && signature === undefined && role === undefined && this.unexplained.length < this.evidencePerFinding && RE.failure.test(text)) {
      this.unexplained.push({ line: n, text: redactSecrets(text.length > 2000 ? text.slice(0, 2000) + '…' : text) });
    }
    return { signature, noise };
  }

  /** Where an exception line outside a traceback was raised, from what the log said around it. */
  private standalonePhase(text: string): Phase | undefined {
    if (RE.startupWords.test(text)) return 'init';
    if (this.initInvoked && !this.initDone) return 'init';
    if (this.buildSeen) return 'build';
    return undefined;
  }

  /** What kind of text this is. */
  private notice(text: string, n: number): void {
    if (RE.requestOk.test(text)) this.requestsOk++;
    if (!this.buildDone && RE.buildDone.test(text)) this.buildDone = { line: n, text: redactSecrets(text.trim().slice(0, 2000)) };
    if (RE.buildStep.test(text)) this.lastStep = { line: n, text: redactSecrets(text.trim().slice(0, 2000)) };
    if (this.kinds.size === 4) return;
    if (!this.kinds.has('container') && RE.containerText.test(text)) this.kinds.add('container');
    if (!this.kinds.has('build') && RE.buildText.test(text)) this.kinds.add('build');
    if (!this.kinds.has('control') && RE.controlText.test(text)) this.kinds.add('control');
    if (!this.kinds.has('events') && RE.eventsText.test(text)) this.kinds.add('events');
  }

  /** A traceback is complete (or cut): what it says. */
  private traceback(tb: Traceback, evidence: Evidence[]): void {
    const d = diagnoseTraceback(tb, { entryScript: this.entryScript });
    if (!d) return;
    const hit = this.recordDiagnosis(d, tb.endLine, undefined, evidence);
    // The most telling traceback of a kind: a complete one over a cut one, the first otherwise.
    if (!hit.traceback || (hit.traceback.truncated && !tb.truncated)) {
      hit.traceback = tb;
      if (tb.userFrame) hit.location = tb.userFrame;
      if (tb.entryFrame) hit.entryFrame = tb.entryFrame;
    }
  }

  /** The worker life-cycle and init() progress: returns a signature id when this line is evidence. */
  private detect(text: string, n: number): string | undefined {
    const time = parseTime(text);
    if (time !== undefined) this.lastTime = time;
    let m: RegExpExecArray | null;
    if ((m = RE.timeout.exec(text))) {
      if (m[1]) this.timedOutPids.add(m[1]);
      if (this.timedOutPids.size > 1024) this.timedOutPids.clear();
    }
    if ((m = RE.kill.exec(text))) {
      const pid = m[1] ?? m[2]!;
      const timedOut = this.timedOutPids.has(pid);
      this.deathSeen = true;
      this.lastDeathWasTimeout = timedOut;
      const id = timedOut ? DETECTED.workerTimeoutKill : DETECTED.workerKilled;
      this.record(id, n, text);
      return id;
    }
    if (RE.death.test(text)) {
      this.deathSeen = true;
      this.lastDeathWasTimeout = false;
    }
    if ((m = RE.boot.exec(text))) {
      if (this.deathSeen && !this.lastDeathWasTimeout) {
        const at = this.lastTime ?? n;
        const window = this.lastTime !== undefined ? this.rebootWindowMs : 2000;
        this.reboots.push(at);
        this.reboots = this.reboots.filter((t) => at - t <= window).slice(-16);
        if (this.reboots.length >= 2) {
          this.record(DETECTED.rebootLoop, n, text);
          return DETECTED.rebootLoop;
        }
      }
      return undefined;
    }
    const entry = RE.entryScript.exec(text);
    if (entry && !this.entryScript) this.entryScript = entry[1];
    if (RE.initInvoked.test(text)) this.initInvoked ??= { line: n, text: redactSecrets(text) };
    if (RE.initDone.test(text)) this.initDone = true;
    if (RE.mlflow.test(text)) this.mlflow = true;
    return undefined;
  }

  private record(id: string, line: number, text: string): Hit {
    let hit = this.hits.get(id);
    if (!hit) {
      hit = { count: 0, evidence: [] };
      this.hits.set(id, hit);
    }
    hit.count++;
    // Evidence leaves the extension (panel, clipboard, CLI): redacted here, once.
    if (hit.evidence.length < this.evidencePerFinding) hit.evidence.push({ line, text: redactSecrets(text.length > 2000 ? text.slice(0, 2000) + '…' : text) });
    return hit;
  }

  private recordDiagnosis(d: Diagnosis, line: number, text: string | undefined, evidence: Evidence[] = []): Hit {
    let hit = this.hits.get(d.id);
    if (!hit) {
      hit = { count: 0, evidence: [] };
      this.hits.set(d.id, hit);
    }
    // The strongest diagnosis of an id stays (a complete traceback over a cut one).
    if (!hit.diagnosis || d.weight > hit.diagnosis.weight) hit.diagnosis = d;
    hit.count++;
    const lines = text !== undefined ? [{ line, text }, ...evidence] : evidence;
    for (const e of lines) {
      if (hit.evidence.length >= this.evidencePerFinding) break;
      if (hit.evidence.some((x) => x.line === e.line && x.text === e.text)) continue;
      hit.evidence.push({ line: e.line, text: redactSecrets(e.text.length > 2000 ? e.text.slice(0, 2000) + '…' : e.text) });
    }
    return hit;
  }

  /**
   * The explanation so far (can be called at any time while streaming). `ongoing`: the log is still being
   * written (a live feed): a build whose steps are all there is so far is running, not failing.
   */
  explain(options: { ongoing?: boolean } = {}): Explanation {
    const buildRunning = options.ongoing === true && !this.buildDone;
    const findings: Finding[] = [];
    for (const [id, hit] of this.hits) {
      // A build log that ends with the image built, or a build still running: its steps are what happened,
      // not a failure.
      if ((this.buildDone || buildRunning) && !hit.diagnosis && this.signatureFor(id)?.context) continue;
      const f = hit.diagnosis ? this.fromDiagnosis(hit.diagnosis, hit) : this.fromSignature(this.signatureFor(id), hit);
      if (f) findings.push(f);
    }
    // A traceback still being read: what it says so far (it may be cut here for good).
    const open = this.tracebacks.snapshot(this.lineNo);
    if (open) {
      const d = diagnoseTraceback(open.tb, { entryScript: this.entryScript });
      if (d && !this.hits.has(d.id)) {
        const hit: Hit = { count: 1, evidence: open.evidence.map((e) => ({ line: e.line, text: redactSecrets(e.text) })), traceback: open.tb };
        if (open.tb.userFrame) hit.location = open.tb.userFrame;
        if (open.tb.entryFrame) hit.entryFrame = open.tb.entryFrame;
        findings.push(this.fromDiagnosis(d, hit));
      }
    }
    const startup = (f: Finding) => f.phase === 'import' || f.phase === 'init' || f.phase === 'server_start';
    const startupTraceback = findings.some((f) => f.traceback && startup(f));
    const startupExplained = startupTraceback || this.hits.has('init-worker-boot-failure') || findings.some((f) => f.exception && startup(f));
    if (this.initInvoked && !this.initDone && !open && !startupExplained) {
      const f = this.fromSignature(this.signatureFor(DETECTED.initNotCompleted), { count: 1, evidence: [this.initInvoked] });
      if (f) findings.push({ ...f, collect: [{ what: l10n.t('The log lines after init() was invoked (the exception, or how long init() runs)'), command: COLLECT.containerLog.command }] });
    }
    const bootFailure = this.hits.get('init-worker-boot-failure');
    if (this.mlflow && bootFailure && !startupTraceback) {
      const f = this.fromSignature(this.signatureFor(DETECTED.mlflowBootFailure), { count: bootFailure.count, evidence: bootFailure.evidence });
      if (f) findings.push(f);
    }
    // 424 wraps the container's own answer: a 404 there means the path is not served, not a crash.
    const answered424 = findings.find((f) => f.id === 'model-error-424');
    if (answered424 && this.notFound404) {
      findings.push({
        ...answered424,
        id: 'model-route-not-found',
        category: 'other',
        title: l10n.t('The scoring container does not serve the requested path (424 wrapping 404)'),
        explanation: l10n.t(
          'The endpoint answered 424 because the scoring container answered 404 Not Found: the client called a path the container does not serve (for example a model-inference API route on a deployment that only has /score).',
        ),
        fix: [
          l10n.t('Call the scoring URI the endpoint shows (/score), or deploy a server that implements the route the client library calls.'),
          l10n.t('Check the route and method of the request.'),
        ],
        score: answered424.score + 2,
        confidence: 0.75,
      });
    }
    // The image pull and the model download failing together: what they share is the deployment's identity.
    const pull = findings.find((f) => f.id === 'acr-pull-denied');
    const download = findings.find((f) => f.id === 'model-download-denied');
    if (pull && download) {
      for (const f of [pull, download]) {
        f.confidence = Math.max(f.confidence, 0.85);
        f.explanation = appendSentence(f.explanation, l10n.t('Both the image pull and the model download failed: what they share is the identity the deployment runs as.'));
      }
    }
    findings.sort((a, b) => b.score - a.score || a.evidence[0]!.line - b.evidence[0]!.line);
    const primary: Finding = findings[0] ? { ...findings[0] } : this.honestAnswer(buildRunning);
    // A traceback's location helps whichever start-up or request finding wins.
    const located = findings.find((f) => f.location);
    const locatable: string[] = ['init_exception', 'missing_dependency', 'model_not_found', 'missing_function', 'run_exception_502', 'return_not_serializable', 'out_of_memory', 'model_error_424'];
    if (!primary.location && located && locatable.includes(primary.category)) {
      primary.location = located.location;
      if (located.entryFrame) primary.entryFrame ??= located.entryFrame;
    }
    if (!primary.collect && primary.confidence < 0.6) primary.collect = this.collectFor();
    const out: Explanation = {
      primary,
      findings,
      noise: [...this.noise].map(([id, count]) => ({ id, title: this.signatureFor(id)?.title ?? id, count })),
      lines: this.lineNo,
      bytes: this.byteCount,
    };
    if (this.entryScript) out.entryScript = this.entryScript;
    return out;
  }

  private fromSignature(sig: Signature | undefined, hit: Hit): Finding | undefined {
    if (!sig || sig.noise || hit.evidence.length === 0) return undefined;
    const f: Finding = {
      id: sig.id,
      category: sig.category,
      title: sig.title,
      explanation: sig.explanation,
      fix: sig.fix,
      docs: sig.docs,
      score: sig.weight + countBonus(hit.count),
      confidence: confidence(sig.confidence ?? 0.7, hit.count),
      count: hit.count,
      evidence: hit.evidence.slice(),
    };
    if (sig.phase) f.phase = sig.phase;
    if (sig.collect) f.collect = sig.collect;
    return f;
  }

  private fromDiagnosis(d: Diagnosis, hit: Hit): Finding {
    const f: Finding = {
      id: d.id,
      category: d.category,
      title: d.title,
      explanation: d.explanation,
      fix: d.fix,
      docs: d.docs,
      score: d.weight + countBonus(hit.count),
      confidence: confidence(d.confidence, hit.count),
      count: hit.count,
      evidence: hit.evidence.slice(),
    };
    if (d.phase) f.phase = d.phase;
    if (d.exception) f.exception = { type: d.exception.type, message: redactSecrets(d.exception.message) };
    if (hit.traceback) f.traceback = hit.traceback;
    if (hit.entryFrame) f.entryFrame = hit.entryFrame;
    if (hit.location) f.location = hit.location;
    if (d.collect) f.collect = d.collect;
    return f;
  }

  /** Nothing explains the text: say so, show what it holds, and what to collect next. */
  private honestAnswer(buildRunning = false): Finding {
    const collect = this.collectFor();
    if (this.buildDone && !this.kinds.has('container')) return this.imageBuilt(this.buildDone);
    if (buildRunning && this.kinds.has('build') && !this.kinds.has('container') && this.unexplained.length === 0) return this.imageBuilding();
    if (this.unexplained.length > 0) {
      return { ...UNRECOGNISED, fix: [...UNRECOGNISED.fix], score: 0, confidence: 0.3, count: this.unexplained.length, evidence: this.unexplained.slice(), collect };
    }
    const evidence: Evidence[] = [];
    for (const e of [this.firstLine, this.lastLine]) if (e && !evidence.some((x) => x.line === e.line)) evidence.push({ line: e.line, text: redactSecrets(e.text) });
    const what = this.kinds.has('container')
      ? this.requestsOk > 0
        ? l10n.t("It is the scoring container's log: the server is up and answers requests with 200 ({0} in its first {1} lines).", this.requestsOk, SAMPLE_LINES)
        : l10n.t("It is the scoring container's log: the server's start, and nothing after it failed.")
      : this.kinds.has('build')
        ? buildRunning
          ? l10n.t('It is an image build that is still running: no step has failed so far.')
          : l10n.t('It is an image build log without a failed step: its end, where a failure would be, is not here.')
        : this.kinds.has('events')
          ? l10n.t('It holds Kubernetes events, none of them a failure.')
          : this.kinds.has('control')
            ? l10n.t('It is tool or SDK output without an error code.')
            : this.lineNo === 0
              ? l10n.t('The text is empty.')
              : l10n.t('It does not look like a deployment log.');
    return {
      ...NO_FAILURE,
      explanation: appendSentence(NO_FAILURE.explanation, what),
      fix: [...NO_FAILURE.fix],
      score: 0,
      confidence: this.kinds.size > 0 ? 0.6 : 0.5,
      count: 0,
      evidence,
      collect,
    };
  }

  /**
   * A build log that ends with the image built: a neutral note, not a failure. Lines that looked like errors
   * on the way (pip's resolver warnings printed as ERROR...) did not stop the build; they are named, not blamed.
   */
  private imageBuilt(done: Evidence): Finding {
    const seen = this.unexplained.length;
    return {
      ...IMAGE_BUILT,
      explanation: !seen
        ? IMAGE_BUILT.explanation
        : appendSentence(
            IMAGE_BUILT.explanation,
            seen === 1
              ? l10n.t('One line on the way looks like an error (line {0}), but the build went on past it.', this.unexplained[0]!.line)
              : l10n.t('{0} lines on the way look like an error (line {1}), but the build went on past them.', seen, this.unexplained[0]!.line),
          ),
      fix: [],
      score: 0,
      confidence: 0.9,
      count: 1,
      evidence: [done, ...this.unexplained.slice(0, 2)],
    };
  }

  /** A build still running in a live feed, with no failed step so far: a neutral note, what it is doing. */
  private imageBuilding(): Finding {
    return { ...IMAGE_BUILDING, fix: [], score: 0, confidence: 0.9, count: 1, evidence: this.lastStep ? [this.lastStep] : [] };
  }

  /** What to collect next, from what kind of text this is. */
  private collectFor(): CollectStep[] {
    if (this.kinds.has('build')) return [COLLECT.buildLog];
    if (this.kinds.has('events')) return [COLLECT.events, COLLECT.storageInitializer, COLLECT.containerLog];
    if (this.kinds.has('container')) return [COLLECT.containerLog, COLLECT.storageInitializer, COLLECT.localLog, COLLECT.v1Log];
    if (this.kinds.has('control')) return [COLLECT.deployment, COLLECT.containerLog, COLLECT.v1Log];
    return [COLLECT.containerLog, COLLECT.localLog, COLLECT.v1Log, COLLECT.deployment];
  }

  private signatureFor(id: string): Signature | undefined {
    return this.signatures.find((s) => s.id === id) ?? signatureById(id);
  }
}

/** More lines of the same evidence rank a finding a little higher. */
function countBonus(count: number): number {
  return Math.min(5, Math.floor(Math.log2(Math.max(1, count))));
}

function confidence(base: number, count: number): number {
  return Math.round(Math.min(0.95, base + 0.03 * Math.min(3, Math.log2(Math.max(1, count)))) * 100) / 100;
}

function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = buf.indexOf(10, start);
  while (i >= 0 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

function parseTime(text: string): number | undefined {
  const m = RE.timestamp.exec(text);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Classifies a whole text (CLI, tests, pasted selections). */
export function explainText(text: string, options: ClassifierOptions = {}): Explanation {
  const c = new LogClassifier(options);
  c.push(text);
  return c.end();
}

/** Classifies an async stream of chunks (files, `docker logs --follow`), yielding to the event loop as it goes. */
export async function explainStream(chunks: AsyncIterable<string | Uint8Array>, options: ClassifierOptions = {}): Promise<Explanation> {
  const c = new LogClassifier(options);
  for await (const chunk of chunks) await c.pushAsync(chunk);
  return c.end();
}
