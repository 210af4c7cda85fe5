// The streaming log classifier: feed it chunks as they arrive (from `docker logs --follow`, Azure
// get_logs polling, a file or a paste); it keeps only bounded state (counters, the first few evidence
// lines per signature, the traceback being read) and can explain the log at any moment.
import { redactSecrets } from '../common/redact';
import { DETECTED, SIGNATURES, UNRECOGNISED, signatureById } from './catalogue';
import { KeywordScanner } from './keywords';
import { DockerStreamDemuxer, looksMultiplexed, normalizeLine, type StreamFormat } from './normalize';
import type { Evidence, Explanation, Finding, Frame, LogLine, Severity, Signature } from './types';

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
  signatures?: Signature[];
}

interface Hit {
  count: number;
  evidence: Evidence[];
  location?: Frame;
}

// Lines the state machine (not a single signature) needs to see.
const DETECTOR_KEYWORDS = [
  'traceback (most recent call last)',
  'booting worker',
  'signal 9',
  'sigkill',
  'worker exiting',
  'exited with code',
  'worker timeout',
  'init function',
  'init has completed',
  'init completed',
  'mlflow_score_script',
];

/** The marker that replaces the rest of a line longer than maxLineBytes. */
export const CUT_MARKER = ' … [line cut: too long, the rest of it is skipped]';

// Each runs in linear time on any line (test/unit/logs/linear-patterns.test.ts).
const RE = {
  tracebackStart: /Traceback \(most recent call last\)/,
  frame: /^\s*File "([^"]+)", line (\d+)(?:,? in (.+))?/,
  boot: /Booting worker with pid:?\s*(\d+)/i,
  kill: /Worker with pid:?\s*(\d+) was terminated due to signal 9\b|Worker \(pid:?\s*(\d+)\) was sent SIGKILL/i,
  death: /Worker exiting \(pid|Worker \(pid:?\s*\d+\) exited with code|was terminated due to signal|was sent SIG/i,
  timeout: /WORKER TIMEOUT \(pid:?\s*(\d+)\)|[Ww]orker timed out/,
  initInvoked: /Invoking user'?s init function|Calling (?:the )?(?:user'?s )?init\(\)/i,
  initDone: /init (?:has )?completed successfully|Users?'?s init has completed|init\(\) (?:done|completed)/i,
  mlflow: /mlflow_score_script/,
  timestamp: /(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)/,
  errorLevel: /\b(?:ERROR|CRITICAL|FATAL)\b|\[(?:ERROR|CRITICAL)\]|^\s*[A-Za-z_][\w.]{0,120}(?:Error|Exception)\b|Traceback \(most recent/,
  warnLevel: /\bWARN(?:ING)?\b/,
  debugLevel: /\bDEBUG\b/,
};

/** Exported for the linear-time test. */
export const CLASSIFIER_PATTERNS: readonly RegExp[] = Object.values(RE);

const ENTRY_SCRIPT_NAME = /^score[\w-]*\.py$/;

function isUserFrame(f: Frame): boolean {
  const p = f.path.replace(/\\/g, '/');
  if (/site-packages|dist-packages|\/lib\/python|azureml-server|azureml_inference/.test(p)) return false;
  return ENTRY_SCRIPT_NAME.test(p.slice(p.lastIndexOf('/') + 1)) || p.includes('/var/azureml-app/');
}

// Building the keyword automaton takes tens of milliseconds: once per signature list, not per log.
const compiledCache = new WeakMap<Signature[], { lineSignatures: Signature[]; scanner: KeywordScanner }>();

function compiled(signatures: Signature[]): { lineSignatures: Signature[]; scanner: KeywordScanner } {
  let c = compiledCache.get(signatures);
  if (!c) {
    // Noise first: a line recognised as harmless is never evidence for a failure.
    const withPatterns = signatures.filter((s) => s.patterns.length > 0);
    const lineSignatures = [...withPatterns.filter((s) => s.noise), ...withPatterns.filter((s) => !s.noise)];
    c = { lineSignatures, scanner: new KeywordScanner([...lineSignatures.flatMap((s) => s.keywords), ...DETECTOR_KEYWORDS]) };
    compiledCache.set(signatures, c);
  }
  return c;
}

export class LogClassifier {
  private readonly signatures: Signature[];
  private readonly lineSignatures: Signature[];
  private readonly scanner: KeywordScanner;
  private readonly onLine?: (line: LogLine) => void;
  private readonly maxLineBytes: number;
  private readonly sliceBytes: number;
  private readonly budgetMs: number;
  private readonly evidencePerFinding: number;
  private readonly rebootWindowMs: number;

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

  // Traceback being read.
  private tb: { frames: Frame[]; start: number } | undefined;
  private pendingLocation: Frame | undefined;
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
    ({ lineSignatures: this.lineSignatures, scanner: this.scanner } = compiled(this.signatures));
    this.onLine = options.onLine;
    this.maxLineBytes = Math.max(256, options.maxLineBytes ?? 64 * 1024);
    this.sliceBytes = Math.max(1024, options.sliceBytes ?? 64 * 1024);
    this.budgetMs = options.budgetMs ?? 8;
    this.evidencePerFinding = options.evidencePerFinding ?? 5;
    this.rebootWindowMs = options.rebootWindowMs ?? 120_000;
    this.format = options.format ?? 'auto';
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
    this.line(line.toString('utf8') + CUT_MARKER, this.scanner.find(line, 0, line.length) >= 0);
  }

  private flushCarry(): void {
    const line = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLength = 0;
    this.lineBytes(line, 0, line.length, this.scanner.find(line, 0, line.length) >= 0);
  }

  /** Complete lines in buf[start, end); end is just after a '\n'. */
  private block(buf: Buffer, start: number, end: number): void {
    let pos = start;
    if (this.onLine) {
      while (pos < end) {
        const nl = buf.indexOf(10, pos);
        this.lineBytes(buf, pos, nl, this.scanner.find(buf, pos, nl) >= 0);
        pos = nl + 1;
      }
      return;
    }
    while (pos < end) {
      if (this.tb) {
        const nl = buf.indexOf(10, pos);
        this.lineBytes(buf, pos, nl, this.scanner.find(buf, pos, nl) >= 0);
        pos = nl + 1;
        continue;
      }
      const hitEnd = this.scanner.find(buf, pos, end);
      if (hitEnd < 0) {
        this.lineNo += countNewlines(buf, pos, end);
        return;
      }
      const lineStart = Math.max(pos, buf.lastIndexOf(10, hitEnd - 1) + 1);
      this.lineNo += countNewlines(buf, pos, lineStart);
      const lineEnd = buf.indexOf(10, hitEnd - 1);
      this.lineBytes(buf, lineStart, lineEnd, true);
      pos = lineEnd + 1;
    }
  }

  private lineBytes(buf: Buffer, start: number, end: number, keywordHit: boolean): void {
    if (end - start <= this.maxLineBytes) {
      this.line(buf.toString('utf8', start, end), keywordHit);
      return;
    }
    const stop = start + this.maxLineBytes;
    this.line(buf.toString('utf8', start, stop) + CUT_MARKER, this.scanner.find(buf, start, stop) >= 0);
  }

  private line(raw: string, keywordHit: boolean): void {
    const n = ++this.lineNo;
    const text = normalizeLine(raw);
    let frame: Frame | undefined;
    let inTraceback = false;
    let signature: string | undefined;

    if (this.tb) {
      inTraceback = true;
      const m = RE.frame.exec(text);
      if (m) {
        frame = { path: m[1]!, line: Number(m[2]), function: (m[3] ?? '').trim() };
        this.tb.frames.push(frame);
        if (this.tb.frames.length > 64) this.tb.frames.shift();
      } else if (text.trim() === '' || /^\s/.test(text) || /^\^+$/.test(text.trim())) {
        // source lines, carets, blank lines inside the traceback
      } else if (RE.tracebackStart.test(text)) {
        this.tb = { frames: [], start: n };
      } else {
        signature = this.endTraceback(n, text);
        inTraceback = signature !== undefined;
      }
    } else if (keywordHit && RE.tracebackStart.test(text)) {
      this.tb = { frames: [], start: n };
      inTraceback = true;
    }

    let noise = false;
    if (keywordHit) {
      const lower = text.toLowerCase();
      for (const sig of this.lineSignatures) {
        if (!sig.keywords.some((k) => lower.includes(k))) continue;
        if (!sig.patterns.some((p) => p.test(text))) continue;
        if (sig.unless?.some((p) => p.test(text))) continue;
        if (sig.noise) {
          noise = true;
          this.noise.set(sig.id, (this.noise.get(sig.id) ?? 0) + 1);
          break;
        }
        this.record(sig.id, n, text);
        signature ??= sig.id;
      }
      signature = this.detect(text, n) ?? signature;
    }
    this.pendingLocation = undefined;

    if (this.onLine) {
      let severity: Severity = 'info';
      if ((signature && !noise) || inTraceback || RE.errorLevel.test(text)) severity = 'error';
      else if (RE.warnLevel.test(text)) severity = 'warning';
      else if (RE.debugLevel.test(text)) severity = 'debug';
      if (noise && !signature) severity = 'info';
      const out: LogLine = { n, text: redactSecrets(text), severity };
      if (signature) out.signature = signature;
      if (noise && !signature) out.noise = true;
      if (frame) out.frame = frame;
      this.onLine(out);
    }
  }

  /** Returns the signature recorded for the exception line, if any. */
  private endTraceback(n: number, exceptionLine: string): string | undefined {
    const frames = this.tb!.frames;
    this.tb = undefined;
    if (frames.length === 0) return undefined;
    const user = [...frames].reverse().find(isUserFrame);
    const functions = new Set(frames.map((f) => f.function));
    this.pendingLocation = user;
    const lastUser = user?.function;
    if (functions.has('init') || (lastUser === '<module>' && user !== undefined)) {
      this.record(DETECTED.initTraceback, n, exceptionLine, user);
      return DETECTED.initTraceback;
    }
    if (functions.has('run')) {
      this.record(DETECTED.runTraceback, n, exceptionLine, user);
      return DETECTED.runTraceback;
    }
    return undefined;
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
    if (RE.initInvoked.test(text)) this.initInvoked ??= { line: n, text: redactSecrets(text) };
    if (RE.initDone.test(text)) this.initDone = true;
    if (RE.mlflow.test(text)) this.mlflow = true;
    return undefined;
  }

  private record(id: string, line: number, text: string, location?: Frame): void {
    let hit = this.hits.get(id);
    if (!hit) {
      hit = { count: 0, evidence: [] };
      this.hits.set(id, hit);
    }
    hit.count++;
    // Evidence leaves the extension (panel, clipboard, CLI): redacted here, once.
    if (hit.evidence.length < this.evidencePerFinding) hit.evidence.push({ line, text: redactSecrets(text.length > 2000 ? text.slice(0, 2000) + '…' : text) });
    const loc = location ?? this.pendingLocation;
    if (loc && !hit.location) hit.location = loc;
  }

  /** The explanation so far (can be called at any time while streaming). */
  explain(): Explanation {
    const findings: Finding[] = [];
    const add = (sig: Signature | undefined, hit: Hit) => {
      if (!sig || sig.noise) return;
      const bonus = Math.min(5, Math.floor(Math.log2(hit.count)));
      const f: Finding = {
        id: sig.id,
        category: sig.category,
        title: sig.title,
        explanation: sig.explanation,
        fix: sig.fix,
        docs: sig.docs,
        score: sig.weight + bonus,
        count: hit.count,
        evidence: hit.evidence.slice(),
      };
      if (hit.location) f.location = hit.location;
      findings.push(f);
    };
    for (const [id, hit] of this.hits) add(this.signatureFor(id), hit);
    const startupExplained = this.hits.has(DETECTED.initTraceback) || this.hits.has('init-worker-boot-failure');
    if (this.initInvoked && !this.initDone && !this.tb && !startupExplained) add(this.signatureFor(DETECTED.initNotCompleted), { count: 1, evidence: [this.initInvoked] });
    const bootFailure = this.hits.get('init-worker-boot-failure');
    if (this.mlflow && bootFailure && !this.hits.has(DETECTED.initTraceback)) {
      add(this.signatureFor(DETECTED.mlflowBootFailure), { count: bootFailure.count, evidence: bootFailure.evidence });
    }
    findings.sort((a, b) => b.score - a.score || a.evidence[0]!.line - b.evidence[0]!.line);
    // A traceback's location helps whichever init/import finding wins.
    const located = findings.find((f) => f.location)?.location;
    const primary: Finding = findings[0]
      ? { ...findings[0] }
      : { ...UNRECOGNISED, score: 0, count: 0, evidence: [] };
    if (!primary.location && located && ['init_exception', 'missing_dependency', 'model_not_found', 'run_exception_502'].includes(primary.category)) {
      primary.location = located;
    }
    return {
      primary,
      findings,
      noise: [...this.noise].map(([id, count]) => ({ id, title: this.signatureFor(id)?.title ?? id, count })),
      lines: this.lineNo,
      bytes: this.byteCount,
    };
  }

  private signatureFor(id: string): Signature | undefined {
    return this.signatures.find((s) => s.id === id) ?? signatureById(id);
  }
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
