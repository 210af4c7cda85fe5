// Open file descriptors of this process (Linux /proc): proves a stream really closed its file.
import { readdirSync, readlinkSync } from 'node:fs';

export function openFds(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

/** Waits until no descriptor of this process points at `file` (closing is asynchronous). */
export async function waitForClosed(file: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (openFds(file) > 0) {
    if (Date.now() > deadline) throw new Error(`${file} is still open after ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}
