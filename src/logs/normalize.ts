// Turning raw log bytes into clean lines: Docker's multiplexed stream frames, ANSI colour codes, HTML
// entities from pasted issue threads, CR/CRLF line ends.

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
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

/** One raw line (no '\n') -> display text: CR removed, colour codes stripped, entities decoded. */
export function normalizeLine(raw: string): string {
  let s = raw;
  if (s.includes('\r')) s = s.replace(/\r+$/, '').replace(/\r/g, '\n').split('\n').pop()!;
  return decodeEntities(stripAnsi(s));
}

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
