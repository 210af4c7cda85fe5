// Debug Adapter Protocol framing (Content-Length headers) over a byte stream.

export function encodeDapMessage(message: object): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}

export class DapReader {
  private buffer = Buffer.alloc(0);
  private contentLength = -1;

  /** Feeds bytes; returns the complete messages they finish. Malformed JSON bodies are skipped. */
  push(chunk: Buffer): unknown[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: unknown[] = [];
    for (;;) {
      if (this.contentLength < 0) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const header = this.buffer.toString('utf8', 0, end);
        const m = /Content-Length:\s*(\d+)/i.exec(header);
        this.buffer = this.buffer.subarray(end + 4);
        if (!m) continue;
        this.contentLength = Number(m[1]);
      }
      if (this.buffer.length < this.contentLength) break;
      const body = this.buffer.toString('utf8', 0, this.contentLength);
      this.buffer = this.buffer.subarray(this.contentLength);
      this.contentLength = -1;
      try {
        out.push(JSON.parse(body));
      } catch {
        /* not JSON: ignore this frame */
      }
    }
    return out;
  }
}
