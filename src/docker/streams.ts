// Byte-level helpers for Docker streams: the multiplexed stdout/stderr framing of non-TTY containers,
// newline-delimited JSON (the event stream), and a bounded capture of command output.
import * as l10n from '../common/l10n';

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

/**
 * Keeps the first and the last bytes of an unbounded stream (output of a command run in a container):
 * memory stays under `max` whatever arrives, and the text says how much was cut in the middle.
 */
export class HeadTailCapture {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte pushed, kept or not. */
  total = 0;

  constructor(private readonly max = 1024 * 1024) {}

  get truncated(): boolean {
    return this.total > this.max;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.max / 2);
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (!chunk.length) return;
    const keep = this.max - half;
    this.tail.push(chunk.length > keep ? chunk.subarray(chunk.length - keep) : chunk);
    this.tailBytes += Math.min(chunk.length, keep);
    // Drop whole chunks from the front while the rest still covers the tail budget.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= keep) this.tailBytes -= this.tail.shift()!.length;
    if (this.tail.length > 4096) this.tail = [Buffer.concat(this.tail)];
  }

  text(): string {
    const keep = this.max - Math.floor(this.max / 2);
    const head = Buffer.concat(this.head).toString('utf8');
    let tail = Buffer.concat(this.tail);
    if (tail.length > keep) tail = tail.subarray(tail.length - keep);
    const cut = this.total - this.headBytes - tail.length;
    if (cut <= 0) return head + tail.toString('utf8');
    return l10n.t('{0}\n[... {1} bytes cut by AML Deploy Doctor: the output was longer than {2} bytes ...]\n{3}', head, cut, this.max, tail.toString('utf8'));
  }
}
