// A case-insensitive multi-keyword scanner over bytes (Aho-Corasick compiled to a flat DFA table).
// It finds the few lines worth running the signature regexes on, in one pass and without decoding the
// log to strings: the classifier's throughput is this loop's.

export class KeywordScanner {
  /** Transition table: index = state*256 + byte; value = next state*256, or -1 when a keyword ends there. */
  private readonly table: Int32Array;

  constructor(keywords: readonly string[]) {
    const words = [...new Set(keywords.map((k) => k.toLowerCase()).filter((k) => k.length > 0))];
    const edges: Map<number, number>[] = [new Map()];
    const terminal: boolean[] = [false];
    for (const w of words) {
      let s = 0;
      for (const byte of Buffer.from(w, 'utf8')) {
        let next = edges[s]!.get(byte);
        if (next === undefined) {
          next = edges.length;
          edges.push(new Map());
          terminal.push(false);
          edges[s]!.set(byte, next);
        }
        s = next;
      }
      terminal[s] = true;
    }
    const n = edges.length;
    const delta = new Int32Array(n * 256);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let c = 0; c < 256; c++) {
      const t = edges[0]!.get(c);
      delta[c] = t ?? 0;
      if (t !== undefined) queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const r = queue[qi]!;
      if (terminal[fail[r]!]) terminal[r] = true;
      for (let c = 0; c < 256; c++) {
        const u = edges[r]!.get(c);
        if (u !== undefined) {
          fail[u] = delta[fail[r]! * 256 + c]!;
          delta[r * 256 + c] = u;
          queue.push(u);
        } else {
          delta[r * 256 + c] = delta[fail[r]! * 256 + c]!;
        }
      }
    }
    // Case folding: upper-case ASCII behaves like lower-case.
    for (let s = 0; s < n; s++) for (let c = 65; c <= 90; c++) delta[s * 256 + c] = delta[s * 256 + c + 32]!;
    this.table = new Int32Array(n * 256);
    for (let i = 0; i < n * 256; i++) {
      const d = delta[i]!;
      this.table[i] = terminal[d] ? -1 : d * 256;
    }
  }

  /** Index just after the first keyword occurrence in buf[start, end), or -1. */
  find(buf: Uint8Array, start: number, end: number): number {
    const t = this.table;
    let s = 0;
    for (let i = start; i < end; i++) {
      s = t[s + buf[i]!]!;
      if (s < 0) return i + 1;
    }
    return -1;
  }
}
