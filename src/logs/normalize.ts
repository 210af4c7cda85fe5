// Turning raw log bytes into clean lines: Docker's multiplexed stream frames, ANSI colour codes, HTML
// entities from pasted issue threads, CR/CRLF line ends.

// Bounded: real control sequences are short, and an unterminated one must not be re-scanned to the line end.
const ANSI = /\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(gt|lt|amp|quot|apos|nbsp));/g;
const NAMED: Record<string, string> = { gt: '>', lt: '<', amp: '&', quot: '"', apos: "'", nbsp: ' ' };

export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name) return NAMED[name] ?? m;
    const code = dec ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

const ESCAPE = /\\(?:([nrt])|(["'\\/]))/g;

/**
 * Undoes string escaping (`\n`, `\t`, `\"`, `\\`) up to `levels` times: text copied out of JSON, or out of
 * JSON inside JSON (an az CLI error whose message is itself a JSON document) arrives as `\\n` and `\\\"`.
 */
export function unescapeText(text: string, levels = 2): string {
  let s = text;
  for (let i = 0; i < levels && s.includes('\\'); i++) {
    const next = s.replace(ESCAPE, (_m, c: string | undefined, q: string | undefined) => (c ? (c === 'n' ? '\n' : c === 'r' ? '\r' : '\t') : q!));
    if (next === s) break;
    s = next;
  }
  return s;
}

/** One raw line (no '\n') -> display text: CR removed, colour codes stripped, entities decoded. */
export function normalizeLine(raw: string): string {
  let s = raw;
  if (s.includes('\r')) {
    // A terminal shows what follows the last carriage return (progress bars); a trailing CR is a CRLF end.
    let end = s.length;
    while (end > 0 && s.charCodeAt(end - 1) === 13) end--;
    s = s.slice(s.lastIndexOf('\r', end - 1) + 1, end);
  }
  return decodeEntities(stripAnsi(s));
}

/** Exported for the linear-time test: the patterns normalizeLine runs on every line. */
export const NORMALIZE_PATTERNS: readonly RegExp[] = [ANSI, ENTITY, ESCAPE];

export type StreamFormat = 'raw' | 'docker' | 'auto';

/**
 * Docker's multiplexed log stream (container without a TTY): frames of an 8-byte header
 * [stream(0|1|2), 0, 0, 0, size(uint32 BE)] followed by `size` payload bytes. Frames may be split
 * anywhere across chunks; this keeps the partial header/payload between calls.
 */
export class DockerStreamDemuxer {
  private header = Buffer.alloc(8);
  private headerFill = 0;
  private remaining = 0;

  /** Payload bytes contained in this chunk, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        out.push(chunk.subarray(i, i + take));
        this.remaining -= take;
        i += take;
        continue;
      }
      const need = 8 - this.headerFill;
      const take = Math.min(need, chunk.length - i);
      this.header.set(chunk.subarray(i, i + take), this.headerFill);
      this.headerFill += take;
      i += take;
      if (this.headerFill === 8) {
        this.remaining = this.header.readUInt32BE(4);
        this.headerFill = 0;
      }
    }
    return out;
  }
}

/** True when the bytes start like a Docker multiplexed frame header. */
export function looksMultiplexed(chunk: Uint8Array): boolean {
  return chunk.length >= 8 && chunk[0]! <= 2 && chunk[1] === 0 && chunk[2] === 0 && chunk[3] === 0;
}
