// The Local Docker explorer model: lists scoring containers, inspects them, and keeps the result
// fresh from Docker's event stream (no polling). When the engine goes away it reports "unreachable"
// with the reason, and reconnects with exponential backoff. Pure: no vscode.
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import { DockerUnavailableError, type ContainerDetails, type DockerClient, type DockerUnavailableReason } from './client';
import { portReach } from './endpoint';
import { findScoringContainers, type ScoringContainer } from './discovery';
import { buildDockerTree, type GroupNodeModel } from './tree';

export type ExplorerState =
  | { state: 'unknown' }
  | { state: 'reachable' }
  | { state: 'unreachable'; reason: DockerUnavailableReason; message: string };

export interface ExplorerSnapshot {
  state: ExplorerState;
  groups: GroupNodeModel[];
  count: number;
  /** False for the first paint from the container list, before inspect data refined it. */
  complete: boolean;
}

export interface ExplorerOptions {
  /** First reconnect delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Coalesces bursts of events (a restart is die+start+restart) into one reload. */
  debounceMs?: number;
  /** How many containers are inspected at the same time. */
  inspectConcurrency?: number;
}

const RELEVANT = new Set(['create', 'start', 'restart', 'die', 'stop', 'kill', 'oom', 'destroy', 'pause', 'unpause', 'rename', 'update']);

export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

export class DockerExplorer {
  private snapshotValue: ExplorerSnapshot = { state: { state: 'unknown' }, groups: [], count: 0, complete: false };
  private readonly detailCache = new Map<string, ContainerDetails>();
  /** oom events (by timeNano) since each container's last start. */
  private readonly oomEvents = new Map<string, Set<number>>();
  /** Containers whose past oom events were replayed from the engine (once per start). */
  private readonly replayed = new Set<string>();
  private readonly listeners = new Set<(s: ExplorerSnapshot) => void>();
  private abort = new AbortController();
  private watching: Promise<void> | undefined;
  private loading: Promise<ExplorerSnapshot> | undefined;
  private reloadAgain = false;
  private debounceTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private wake: (() => void) | undefined;
  private readonly opts: Required<ExplorerOptions>;

  constructor(
    private docker: DockerClient,
    private readonly log: Logger,
    options: ExplorerOptions = {},
  ) {
    this.opts = { initialBackoffMs: 500, maxBackoffMs: 30000, debounceMs: 150, inspectConcurrency: 8, ...options };
  }

  get snapshot(): ExplorerSnapshot {
    return this.snapshotValue;
  }

  get client(): DockerClient {
    return this.docker;
  }

  onDidChange(listener: (s: ExplorerSnapshot) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Swaps the engine (setting changed): restarts the watch loop against the new client. */
  setClient(docker: DockerClient): void {
    this.docker = docker;
    this.detailCache.clear();
    if (this.watching) {
      this.abort.abort();
      this.abort = new AbortController();
      this.watching = this.watchLoop(this.abort.signal);
    } else {
      void this.reload();
    }
  }

  /** Starts following the event stream (idempotent). */
  start(): void {
    if (this.watching || this.disposed) return;
    this.watching = this.watchLoop(this.abort.signal);
  }

  /** Lists and inspects now. Concurrent calls share one load; a call during a load schedules one more. */
  reload(): Promise<ExplorerSnapshot> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        let snap: ExplorerSnapshot;
        do {
          this.reloadAgain = false;
          snap = await this.loadOnce();
        } while (this.reloadAgain && !this.disposed);
        return snap;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Reconnect now instead of waiting for the backoff (the user pressed Refresh). */
  retryNow(): void {
    this.wake?.();
    void this.reload();
  }

  private async loadOnce(): Promise<ExplorerSnapshot> {
    try {
      const all = await this.docker.listContainers();
      const scoring = findScoringContainers(all);
      const live = new Set(scoring.map((c) => c.id));
      for (const id of this.detailCache.keys()) if (!live.has(id)) this.detailCache.delete(id);
      const missing = scoring.filter((c) => !this.detailCache.has(c.id));
      // First paint from the list alone (states, exit codes, health, ports are all in it); inspect
      // data (OOMKilled, restart count, start time, memory limit) refines the nodes right after.
      if (missing.length) this.publish({ state: { state: 'reachable' }, groups: this.build(scoring), count: scoring.length, complete: false });
      await mapLimit(missing, this.opts.inspectConcurrency, async (c) => {
        try {
          this.detailCache.set(c.id, await this.docker.inspectContainer(c.id));
        } catch (err) {
          if (err instanceof DockerUnavailableError) throw err;
          // Removed between list and inspect: the next event reloads.
        }
      });
      await this.replayOom(scoring);
      this.publish({ state: { state: 'reachable' }, groups: this.build(scoring), count: scoring.length, complete: true });
    } catch (err) {
      this.publishUnreachable(err);
    }
    return this.snapshotValue;
  }

  /** OOM kills that happened before we watched (a worker loop in a running container): one replay query. */
  private async replayOom(scoring: ScoringContainer[]): Promise<void> {
    for (const id of this.replayed) if (!this.detailCache.has(id)) this.replayed.delete(id);
    const todo = scoring.filter((c) => c.state === 'running' && !this.replayed.has(c.id) && this.detailCache.get(c.id)?.state.startedAt);
    if (todo.length === 0) return;
    const since = Math.min(...todo.map((c) => Date.parse(this.detailCache.get(c.id)!.state.startedAt) / 1000)) - 1;
    const ids = new Set(todo.map((c) => c.id));
    const events = await this.docker.pastEvents(since, Date.now() / 1000, ['oom', 'start']);
    for (const ev of events.sort((a, b) => a.timeNano - b.timeNano)) if (ids.has(ev.id)) this.noteEvent(ev.id, ev.action, ev.timeNano);
    for (const id of ids) this.replayed.add(id);
  }

  private noteEvent(id: string, action: string, timeNano: number): void {
    if (action === 'oom') {
      let set = this.oomEvents.get(id);
      if (!set) this.oomEvents.set(id, (set = new Set()));
      set.add(timeNano);
    } else if (action === 'start' || action === 'destroy') {
      this.oomEvents.delete(id);
      if (action === 'destroy') this.replayed.delete(id);
    }
  }

  private build(scoring: ScoringContainer[]): GroupNodeModel[] {
    const oom = new Map([...this.oomEvents].map(([id, set]) => [id, set.size] as const));
    return buildDockerTree(scoring, this.detailCache, portReach(this.docker.endpoint), oom);
  }

  private publishUnreachable(err: unknown): void {
    const e = err instanceof DockerUnavailableError ? err : new DockerUnavailableError('error', l10n.t('Docker failed: {0}', (err as Error)?.message ?? err), this.docker.endpoint);
    if (this.snapshotValue.state.state !== 'unreachable') this.log.warn(`Docker: ${e.message}`);
    this.detailCache.clear();
    this.replayed.clear();
    this.oomEvents.clear();
    this.publish({ state: { state: 'unreachable', reason: e.reason, message: e.message }, groups: [], count: 0, complete: true });
  }

  private publish(s: ExplorerSnapshot): void {
    this.snapshotValue = s;
    for (const l of [...this.listeners]) {
      try {
        l(s);
      } catch (err) {
        this.log.error(err as Error);
      }
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), this.opts.debounceMs);
  }

  private async watchLoop(signal: AbortSignal): Promise<void> {
    let backoff = this.opts.initialBackoffMs;
    while (!signal.aborted) {
      // One subscription per connection; aborting it closes the stream whatever happened.
      const connection = new AbortController();
      const onAbort = () => connection.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        // Subscribe first, then list: no change can slip between the two.
        const events = this.docker.events(connection.signal)[Symbol.asyncIterator]();
        const first = events.next();
        first.catch(() => undefined);
        await this.docker.ping();
        await this.reload();
        if (this.snapshotValue.state.state === 'reachable') backoff = this.opts.initialBackoffMs;
        for (let r = await first; !r.done; r = await events.next()) {
          const ev = r.value;
          this.noteEvent(ev.id, ev.action, ev.timeNano);
          if (!RELEVANT.has(ev.action.split(':')[0]!) && !ev.action.startsWith('health_status')) continue;
          this.detailCache.delete(ev.id);
          this.scheduleReload();
        }
      } catch (err) {
        if (signal.aborted) break;
        this.publishUnreachable(err);
      } finally {
        connection.abort();
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) break;
      await this.delay(backoff, signal);
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
    }
  }

  private delay(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.debounceTimer);
    this.abort.abort();
    this.listeners.clear();
    await this.watching?.catch(() => undefined);
    await this.loading?.catch(() => undefined);
  }
}
