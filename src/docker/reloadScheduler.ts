// Reload on save (amlDoctor.localDeploy.reloadOnSave): which local deployments a saved file belongs
// to, and a scheduler that debounces saves per deployment and runs one reload at a time (a save during
// a reload queues exactly one more). Pure: the view layer supplies the containers and the reload.
import * as path from 'node:path';
import { isInside } from './archive';

export interface ReloadCandidate {
  /** endpoint/deployment: one reload at a time per key, saves coalesced per key. */
  key: string;
  endpoint: string;
  deployment: string;
  /** Host code folder the deployment was made from. */
  sourceDir: string;
}

/** True when `file` is below `dir` and in no folder the copy skips (caches, VCS, virtual envs). */
export function isCodeFile(file: string, dir: string, skipDirs: ReadonlySet<string>): boolean {
  if (file === dir || !isInside(file, dir)) return false;
  return !path.relative(dir, file).split(path.sep).slice(0, -1).some((p) => skipDirs.has(p));
}

export interface SchedulerOptions {
  /** Saves closer together than this make one reload. */
  debounceMs?: number;
  /** Called with each failure (the reload's own error); the scheduler goes on. */
  onError?: (candidate: ReloadCandidate, err: unknown) => void;
}

export class ReloadScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Keys whose debounce fired, in order, waiting for the runner. */
  private readonly queue = new Map<string, ReloadCandidate>();
  private running: Promise<void> | undefined;
  private disposed = false;
  private readonly debounceMs: number;

  constructor(
    private readonly reload: (candidate: ReloadCandidate) => Promise<void>,
    private readonly options: SchedulerOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 300;
  }

  /** A file of this deployment's code folder was saved. */
  request(candidate: ReloadCandidate): void {
    if (this.disposed) return;
    clearTimeout(this.timers.get(candidate.key));
    this.timers.set(
      candidate.key,
      setTimeout(() => {
        this.timers.delete(candidate.key);
        this.queue.set(candidate.key, candidate);
        this.pump();
      }, this.debounceMs),
    );
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    this.running = (async () => {
      try {
        while (!this.disposed) {
          const next = this.queue.entries().next();
          if (next.done) break;
          const [key, candidate] = next.value;
          this.queue.delete(key);
          try {
            await this.reload(candidate);
          } catch (err) {
            this.options.onError?.(candidate, err);
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.clear();
  }
}
