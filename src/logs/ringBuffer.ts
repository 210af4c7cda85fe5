// A ring of the newest items, bounded by count and, when given a weight function, by total weight (bytes):
// the panel keeps the last lines of a log of any length, and a few huge lines cannot hold gigabytes.

export interface RingBufferOptions<T> {
  /** Upper bound of the summed weights; the oldest items are dropped past it (the newest always stays). */
  maxWeight?: number;
  /** Weight of one item, e.g. its size in bytes. Default 1. */
  weigh?: (item: T) => number;
}

export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private readonly weights: Float64Array;
  private readonly maxWeight: number;
  private readonly weigh: ((item: T) => number) | undefined;
  private start = 0;
  private size = 0;
  private total = 0;
  private dropped = 0;

  constructor(
    readonly capacity: number,
    options: RingBufferOptions<T> = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, not ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
    this.weights = new Float64Array(capacity);
    this.maxWeight = options.maxWeight ?? Infinity;
    this.weigh = options.weigh;
  }

  get length(): number {
    return this.size;
  }

  /** Summed weight of the items kept. */
  get weight(): number {
    return this.total;
  }

  /** Items pushed out because the ring was full (by count or by weight). */
  get droppedCount(): number {
    return this.dropped;
  }

  push(item: T): void {
    if (this.size === this.capacity) this.dropOldest();
    const w = this.weigh ? this.weigh(item) : 1;
    const at = (this.start + this.size) % this.capacity;
    this.items[at] = item;
    this.weights[at] = w;
    this.size++;
    this.total += w;
    while (this.total > this.maxWeight && this.size > 1) this.dropOldest();
  }

  private dropOldest(): void {
    this.total -= this.weights[this.start]!;
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
    this.dropped++;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.tail(this.size);
  }

  /** The last `n` items, oldest first. */
  tail(n: number): T[] {
    const k = Math.min(n, this.size);
    const out: T[] = [];
    for (let i = this.size - k; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }

  /**
   * The newest items that satisfy `test`, at most `limit` of them and at most `maxWeight` in total, oldest
   * first. Scans from the newest item and stops as soon as it has enough: a filter over a full ring costs
   * only what the answer needs.
   */
  lastMatching(limit: number, test: (item: T) => boolean, maxWeight = Infinity): T[] {
    const out: T[] = [];
    let weight = 0;
    for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
      const at = (this.start + i) % this.capacity;
      const item = this.items[at]!;
      if (!test(item)) continue;
      weight += this.weights[at]!;
      if (weight > maxWeight && out.length > 0) break;
      out.push(item);
    }
    return out.reverse();
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
    this.total = 0;
  }
}
