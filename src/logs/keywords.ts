// A case-insensitive multi-keyword scanner over bytes (Aho-Corasick compiled to a flat DFA table).
// It finds the few lines worth running the signature regexes on, in one pass and without decoding the
// log to strings: the classifier's throughput is this loop's. For a line found, `matches` says which
// keywords it holds, so only the detectors and signatures those keywords belong to run on it.

export class KeywordScanner {
  /** The keywords (lower case, deduplicated); a keyword's id is its index here. */
  readonly keywords: readonly string[];
  /** Transition table: index = state*256 + byte; value = next state*256, or -1 when a keyword ends there. */
  private readonly table: Int32Array;
  /** The same transitions without the early exit: value = next state*256. */
  private readonly next: Int32Array;
  /** Keyword ids ending in each state (its own and its suffixes'): outIds[outStart[s] .. outStart[s+1]). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** matches(): a keyword id was seen in the line of generation `stamp`. */
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(keywords: readonly string[]) {
    const words = [...new Set(keywords.map((k) => k.toLowerCase()).filter((k) => k.length > 0))];
    this.keywords = words;
    const edges: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    words.forEach((w, id) => {
      let s = 0;
      for (const byte of Buffer.from(w, 'utf8')) {
        let next = edges[s]!.get(byte);
        if (next === undefined) {
          next = edges.length;
          edges.push(new Map());
          ends.push([]);
          edges[s]!.set(byte, next);
        }
        s = next;
      }
      ends[s]!.push(id);
    });
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
      // A state also ends every keyword its longest proper suffix ends (breadth first: already complete).
      for (const id of ends[fail[r]!]!) if (!ends[r]!.includes(id)) ends[r]!.push(id);
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
    this.next = new Int32Array(n * 256);
    for (let i = 0; i < n * 256; i++) {
      const d = delta[i]!;
      this.table[i] = ends[d]!.length > 0 ? -1 : d * 256;
      this.next[i] = d * 256;
    }
    this.outStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) this.outStart[s + 1] = this.outStart[s]! + ends[s]!.length;
    this.outIds = new Int32Array(this.outStart[n]!);
    for (let s = 0; s < n; s++) this.outIds.set(ends[s]!, this.outStart[s]!);
    this.seen = new Int32Array(words.length);
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

  /** Ids of the keywords that occur in buf[start, end), each once, in the order they first end. */
  matches(buf: Uint8Array, start: number, end: number): number[] {
    const t = this.next;
    const out: number[] = [];
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    let s = 0;
    for (let i = start; i < end; i++) {
      s = t[s + buf[i]!]!;
      const state = s >>> 8;
      for (let k = this.outStart[state]!, e = this.outStart[state + 1]!; k < e; k++) {
        const id = this.outIds[k]!;
        if (this.seen[id] !== stamp) {
          this.seen[id] = stamp;
          out.push(id);
        }
      }
    }
    return out;
  }
}
