// A push-to-pull bridge: a producer pushes text (build output), one consumer iterates it (the log panel).
// Bounded: when the consumer falls behind by more than maxPending characters, the oldest pending text is
// dropped and a notice takes its place, so a fast producer never grows memory without limit.
export class AsyncTextQueue implements AsyncIterable<string> {
  private pending: string[] = [];
  private size = 0;
  private dropped = 0;
  private done = false;
  private wake?: () => void;

  constructor(private readonly maxPending = 4 * 1024 * 1024) {}

  push(text: string): void {
    if (this.done || !text) return;
    this.pending.push(text);
    this.size += text.length;
    while (this.size > this.maxPending && this.pending.length > 1) {
      const old = this.pending.shift()!;
      this.size -= old.length;
      this.dropped += old.length;
    }
    this.wake?.();
  }

  /** No more text: the iteration ends after what is pending. */
  end(): void {
    this.done = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      if (this.dropped) {
        yield `\n[... ${this.dropped} characters of output dropped: the reader fell behind ...]\n`;
        this.dropped = 0;
      }
      if (this.pending.length) {
        const text = this.pending.join('');
        this.pending = [];
        this.size = 0;
        yield text;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
