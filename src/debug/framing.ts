// Debug Adapter Protocol framing (Content-Length headers) over a byte stream. The stream we read is written
// by debugpy's adapter inside a container, i.e. by whoever built the image: the reader is linear in its
// input (chunks are kept as a list and joined once per message), bounded in memory (a size cap per message,
// a small cap per header) and resynchronises on the next header after anything malformed.

export function encodeDapMessage(message: object): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}

/** Messages larger than this are dropped (debugpy's largest real messages are far below: variable values are cut). */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/** A DAP header block is one or two short lines. */
export const MAX_HEADER_BYTES = 1024;

/** What the reader skipped, for the log. */
export type DapDrop =
  | { kind: 'garbage'; bytes: number } // bytes outside any frame
  | { kind: 'bad-header'; bytes: number } // a Content-Length line whose header block is malformed or too long
  | { kind: 'too-large'; bytes: number } // declared length over the cap: skipped without buffering
  | { kind: 'cut-short'; bytes: number } // a new header line began inside the declared body
  | { kind: 'not-json'; bytes: number }; // the body is not a JSON object

export interface DapReaderOptions {
  maxMessageBytes?: number;
  onDrop?: (drop: DapDrop) => void;
}

const PREFIX = Buffer.from('Content-Length:', 'latin1');
const C = 0x43;
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

// Matcher states: 0..14 = that many bytes of PREFIX matched; then the value.
const AFTER_COLON = 15; // spaces or the first digit
const IN_DIGITS = 16;
const AFTER_DIGITS = 17; // trailing spaces
const GOT_CR = 18;
const MAX_DIGITS = 15; // 999 TB: exact in a double, and far over any cap

const enum Mode {
  Header, // looking for a Content-Length line; everything else is garbage
  Fields, // after a Content-Length line: optional further fields, then the blank line
  Body, // collecting `remaining` bytes
  Discard, // skipping `remaining` bytes of a message over the cap
}

/**
 * Incremental DAP reader. A header is a line `Content-Length: <digits>` (optionally followed by other
 * `Name: value` lines) and a blank line. The text `Content-Length: <digits>` + CRLF cannot occur inside a
 * JSON body (raw CR is invalid in JSON strings, and the bare word is invalid outside them), so the reader
 * looks for that line everywhere, bodies included: a length that lies (too short, too long, huge) costs
 * at most the bytes it covers before the next real header, and the next message still arrives.
 */
export class DapReader {
  private readonly max: number;
  private readonly onDrop: (drop: DapDrop) => void;
  private mode = Mode.Header;
  /** Absolute offset of the next byte to consume. */
  private offset = 0;
  // The Content-Length line matcher (runs over every byte outside header blocks, across chunk boundaries).
  private state = 0;
  private lineStart = 0;
  private digits = 0;
  private value = 0;
  /** Where the current run of Header-mode bytes began (for the garbage count). */
  private garbageFrom = 0;
  /** The header block after the Content-Length line while it is incomplete: `fieldsLength` bytes of a fixed buffer. */
  private readonly fields = Buffer.alloc(MAX_HEADER_BYTES);
  private fieldsLength = 0;
  private fieldsFrom = 0;
  private length = 0;
  private remaining = 0;
  private bodyFrom = 0;
  private parts: Buffer[] = [];

  constructor(options: DapReaderOptions = {}) {
    this.max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.onDrop = options.onDrop ?? (() => undefined);
  }

  /** Feeds bytes; returns the complete messages (JSON objects) they finish. Never throws on any input. */
  push(chunk: Buffer): object[] {
    const out: object[] = [];
    this.feed(chunk, out);
    return out;
  }

  private feed(buf: Buffer, out: object[]): void {
    let i = 0;
    while (i < buf.length) {
      if (this.mode === Mode.Fields) {
        i = this.readFields(buf, i, out);
        continue;
      }
      const end = this.mode === Mode.Header ? buf.length : Math.min(buf.length, i + this.remaining);
      const hit = this.scan(buf, i, end);
      const stop = hit < 0 ? end : hit;
      if (this.mode === Mode.Body) this.parts.push(buf.subarray(i, stop));
      if (this.mode !== Mode.Header) this.remaining -= stop - i;
      this.offset += stop - i;
      i = stop;
      if (hit >= 0) {
        this.lineFound();
      } else if (this.mode !== Mode.Header && this.remaining === 0) {
        this.bodyDone(out);
      }
    }
  }

  /**
   * Runs the Content-Length line matcher over buf[from, to). Returns the index just after a complete
   * line (the matcher state then holds its value), or -1 when none completes before `to`.
   */
  private scan(buf: Buffer, from: number, to: number): number {
    let i = from;
    while (i < to) {
      if (this.state === 0) {
        // Fast path: let the native search find the next prefix.
        const j = buf.subarray(i, to).indexOf(PREFIX);
        if (j >= 0) {
          this.lineStart = this.offset + (i - from) + j;
          this.state = AFTER_COLON;
          i += j + PREFIX.length;
          continue;
        }
        // No whole prefix: a partial one may end the range.
        for (let k = Math.min(PREFIX.length - 1, to - i); k > 0; k--) {
          if (buf.subarray(to - k, to).equals(PREFIX.subarray(0, k))) {
            this.state = k;
            this.lineStart = this.offset + (to - k - from);
            break;
          }
        }
        return -1;
      }
      const b = buf[i]!;
      const s = this.state;
      if (s < PREFIX.length) {
        if (b === PREFIX[s]) this.state++;
        else this.restart(b, this.offset + (i - from));
      } else if (s === AFTER_COLON) {
        if (isDigit(b)) {
          this.state = IN_DIGITS;
          this.digits = 1;
          this.value = b - 0x30;
        } else if (b !== SP && b !== TAB) this.restart(b, this.offset + (i - from));
      } else if (s === IN_DIGITS) {
        if (isDigit(b) && this.digits < MAX_DIGITS) {
          this.digits++;
          this.value = this.value * 10 + (b - 0x30);
        } else if (b === CR) this.state = GOT_CR;
        else if (b === SP || b === TAB) this.state = AFTER_DIGITS;
        else this.restart(b, this.offset + (i - from));
      } else if (s === AFTER_DIGITS) {
        if (b === CR) this.state = GOT_CR;
        else if (b !== SP && b !== TAB) this.restart(b, this.offset + (i - from));
      } else if (b === LF) {
        this.state = 0;
        return i + 1;
      } else {
        this.restart(b, this.offset + (i - from));
      }
      i++;
    }
    return -1;
  }

  private restart(b: number, at: number): void {
    // 'C' occurs only at the start of PREFIX, so a mismatch can only begin a new match there.
    this.state = b === C ? 1 : 0;
    this.lineStart = at;
  }

  /** A Content-Length line ended just before `offset`. */
  private lineFound(): void {
    if (this.mode === Mode.Header) {
      if (this.lineStart > this.garbageFrom) this.onDrop({ kind: 'garbage', bytes: this.lineStart - this.garbageFrom });
    } else if (this.mode === Mode.Body || this.mode === Mode.Discard) {
      // The declared length lied: the body ends where the next header begins.
      if (this.mode === Mode.Body) this.onDrop({ kind: 'cut-short', bytes: Math.max(0, this.lineStart - this.bodyFrom) });
      this.parts = [];
    }
    this.length = this.value;
    this.mode = Mode.Fields;
    this.fieldsLength = 0;
    this.fieldsFrom = this.offset;
  }

  /** Reads the rest of the header block (further `Name: value` lines, then a blank line). */
  private readFields(buf: Buffer, i: number, out: object[]): number {
    const before = this.fieldsLength;
    let block: Buffer;
    if (before === 0) {
      block = buf.subarray(i, i + MAX_HEADER_BYTES); // the usual case: the whole header in one chunk, no copy
    } else {
      const copied = buf.copy(this.fields, before, i, i + (MAX_HEADER_BYTES - before));
      block = this.fields.subarray(0, before + copied);
    }
    const taken = block.length - before; // bytes of buf in block
    let end = -1;
    if (block.length >= 2 && block[0] === CR && block[1] === LF) end = 2;
    else {
      const at = block.indexOf('\r\n\r\n', Math.max(0, before - 3), 'latin1');
      if (at >= 0) end = at + 4;
    }
    if (end < 0) {
      if (block.length < MAX_HEADER_BYTES) {
        // Wait for more (kept in the fixed buffer: the chunk itself may be large).
        if (before === 0) block.copy(this.fields);
        this.fieldsLength = block.length;
        this.offset += taken;
        return i + taken;
      }
      return this.badHeader(block, i + taken, out);
    }
    const used = end - before;
    const lines = end > 2 ? block.toString('latin1', 0, end - 4).split('\r\n') : [];
    // Another Content-Length anywhere in the block means this line was not a header: the real one follows.
    if (!lines.every((l) => /^[A-Za-z0-9-]{1,64}:[\t\x20-\x7e]*$/.test(l) && !/content-length/i.test(l))) {
      return this.badHeader(block.subarray(0, end), i + used, out);
    }
    this.offset += used;
    this.fieldsLength = 0;
    if (this.length > this.max) {
      this.onDrop({ kind: 'too-large', bytes: this.length });
      this.mode = Mode.Discard;
    } else {
      this.mode = Mode.Body;
    }
    this.remaining = this.length;
    this.bodyFrom = this.offset;
    this.parts = [];
    if (this.remaining === 0) this.bodyDone(out);
    return i + used;
  }

  /** The block after a Content-Length line is malformed: report it and scan its bytes again as ordinary input. */
  private badHeader(block: Buffer, next: number, out: object[]): number {
    this.onDrop({ kind: 'bad-header', bytes: this.fieldsFrom - this.lineStart + block.length });
    this.mode = Mode.Header;
    this.fieldsLength = 0;
    this.offset = this.fieldsFrom;
    this.garbageFrom = this.fieldsFrom;
    // At most MAX_HEADER_BYTES, copied (the fixed buffer is reused by the rescan); each byte is rescanned
    // once per header line before it.
    this.feed(Buffer.from(block), out);
    return next;
  }

  private bodyDone(out: object[]): void {
    const parts = this.parts;
    this.parts = [];
    const wasBody = this.mode === Mode.Body;
    this.mode = Mode.Header;
    this.garbageFrom = this.offset;
    if (!wasBody) return; // over the cap: already reported
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.length);
    let msg: unknown;
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch {
      msg = undefined;
    }
    if (msg !== null && typeof msg === 'object' && !Array.isArray(msg)) {
      this.state = 0; // a JSON object ends with '}': no header line can have begun inside it
      out.push(msg);
    } else {
      this.onDrop({ kind: 'not-json', bytes: this.length });
    }
  }
}
