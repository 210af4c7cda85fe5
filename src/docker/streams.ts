// Byte-level helpers for Docker streams: the multiplexed stdout/stderr framing of non-TTY containers,
// newline-delimited JSON (the event stream), and a minimal ustar writer for putArchive.

/**
 * Demultiplexes Docker's attach/logs framing (8-byte header: stream type, 3 zero bytes, big-endian
 * length) into payload chunks. Keeps partial frames across calls. A stream that does not start with a
 * valid header (TTY containers) is passed through unchanged.
 */
export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private raw: boolean | undefined;

  push(chunk: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.raw === undefined && this.pending.length > 0) {
      const t = this.pending[0]!;
      this.raw = !(t <= 2 && (this.pending.length < 4 || (this.pending[1] === 0 && this.pending[2] === 0 && this.pending[3] === 0)));
    }
    if (this.raw) {
      const data = this.pending;
      this.pending = Buffer.alloc(0);
      return data.length ? [{ stream: 'stdout', data }] : [];
    }
    const out: { stream: 'stdout' | 'stderr'; data: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) break;
      const data = this.pending.subarray(8, 8 + len);
      out.push({ stream: this.pending[0] === 2 ? 'stderr' : 'stdout', data: Buffer.from(data) });
      this.pending = this.pending.subarray(8 + len);
    }
    return out;
  }
}

/** Splits newline-delimited JSON across chunk boundaries; malformed lines are reported, not thrown. */
export class JsonLineSplitter {
  private rest = '';
  push(chunk: Buffer | string, onBad?: (line: string) => void): unknown[] {
    this.rest += chunk.toString();
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    const out: unknown[] = [];
    for (const line of lines) {
      const t = line.trim();
      if (!t) continue;
      try {
        out.push(JSON.parse(t));
      } catch {
        onBad?.(t);
      }
    }
    return out;
  }
}

export interface TarEntry {
  /** Path inside the archive, forward slashes, no leading slash. Directories end with '/'. */
  path: string;
  data?: Buffer;
  mode?: number;
}

function header(name: string, size: number, mode: number, type: '0' | '5' | 'x', mtime: number): Buffer {
  const h = Buffer.alloc(512, 0);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar: split at a slash so that the prefix fits 155 bytes and the name 100 (callers fall back to PAX).
    for (let i = name.indexOf('/'); i > 0 && i < name.length - 1; i = name.indexOf('/', i + 1)) {
      if (Buffer.byteLength(name.slice(0, i)) <= 155 && Buffer.byteLength(name.slice(i + 1)) <= 100) {
        prefix = name.slice(0, i);
        base = name.slice(i + 1);
        break;
      }
    }
    if (!prefix) base = name.slice(0, 99);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii'); // uid
  h.write('0000000\0', 116, 8, 'ascii'); // gid
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
  h.write(Math.floor(mtime).toString(8).padStart(11, '0') + '\0', 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function fitsUstar(name: string): boolean {
  if (Buffer.byteLength(name) <= 100) return true;
  for (let i = name.indexOf('/'); i > 0 && i < name.length - 1; i = name.indexOf('/', i + 1)) {
    if (Buffer.byteLength(name.slice(0, i)) <= 155 && Buffer.byteLength(name.slice(i + 1)) <= 100) return true;
  }
  return false;
}

/** A PAX extended header carrying the full path (for names ustar cannot hold). */
function paxRecord(name: string, mtime: number): Buffer[] {
  const body = ` path=${name}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  const data = Buffer.from(`${len}${body}`);
  const pad = (512 - (data.length % 512)) % 512;
  return [header('PaxHeader', data.length, 0o644, 'x', mtime), data, Buffer.alloc(pad, 0)];
}

/** Builds an uncompressed ustar archive (what Docker's PUT /containers/{id}/archive accepts). */
export function createTar(entries: TarEntry[], mtime = Date.now() / 1000): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const isDir = e.path.endsWith('/');
    const data = isDir ? Buffer.alloc(0) : e.data ?? Buffer.alloc(0);
    if (!fitsUstar(e.path)) parts.push(...paxRecord(e.path, mtime));
    parts.push(header(e.path, data.length, e.mode ?? (isDir ? 0o755 : 0o644), isDir ? '5' : '0', mtime));
    if (data.length) {
      parts.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}
