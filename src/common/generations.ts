// Loads that a refresh supersedes. Each refresh starts a new generation and aborts the loads of the previous
// one (their HTTP requests stop). A caller that is still waiting for such a load (VS Code asking a tree node
// for its children while a refresh arrives) gets the result of the same load run again in the new
// generation, never an empty answer: an empty answer would leave an expanded node without children.
export class LoadGenerations {
  private controller = new AbortController();
  private disposed = false;

  /** Starts a new generation: aborts every load of the current one. */
  next(): void {
    this.controller.abort();
    this.controller = new AbortController();
  }

  /** Runs `load` in the current generation; when a newer generation aborted it, runs it again in that one. */
  async run<T>(load: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (;;) {
      const signal = this.controller.signal;
      try {
        return await load(signal);
      } catch (err) {
        if (signal.aborted && !this.disposed && signal !== this.controller.signal) continue;
        throw err;
      }
    }
  }

  /** Aborts the current generation for good: loads that fail from now on are not run again. */
  dispose(): void {
    this.disposed = true;
    this.controller.abort();
  }
}
