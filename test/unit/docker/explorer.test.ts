// (unit) The explorer model over a scripted DockerClient: events drive reloads, an engine that goes
// away turns the state "unreachable" with its reason, reconnection backs off and recovers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nullLogger } from '../../../src/common/logger';
import { DockerUnavailableError, type ContainerSummary, type DockerClient, type DockerEvent } from '../../../src/docker/client';
import { DockerExplorer, mapLimit } from '../../../src/docker/explorer';

class FakeEngine {
  up = true;
  containers: ContainerSummary[] = [];
  lists = 0;
  pings: number[] = [];
  push: ((e: DockerEvent | Error) => void) | undefined;

  emit(action: string, id: string): void {
    this.push?.({ type: 'container', action, id, labels: {}, time: 0, timeNano: Date.now() * 1e6 });
  }
  crash(): void {
    this.up = false;
    this.push?.(new DockerUnavailableError('not-running', 'The Docker engine is not running (nothing answers at fake).', 'fake'));
  }
  client(): DockerClient {
    return fakeClient(this);
  }
}

function fakeClient(self: FakeEngine): DockerClient {
    const down = () => new DockerUnavailableError('not-running', 'The Docker engine is not running (nothing answers at fake).', 'fake');
    return {
      endpoint: 'unix:///fake.sock',
      async ping() {
        self.pings.push(Date.now());
        if (!self.up) throw down();
      },
      async listContainers() {
        self.lists++;
        if (!self.up) throw down();
        return self.containers;
      },
      async inspectContainer(id: string) {
        if (!self.up) throw down();
        const c = self.containers.find((x) => x.id === id)!;
        return { id, name: c.name, image: c.image, created: '', labels: c.labels, env: [], state: { status: c.state, running: c.state === 'running', restarting: false, oomKilled: false, exitCode: 0, error: '', startedAt: '', finishedAt: '' }, restartCount: 0, ports: [], memoryBytes: 0, raw: {} };
      },
      async *events(signal: AbortSignal) {
        if (!self.up) throw down();
        const queue: (DockerEvent | Error)[] = [];
        let wake: (() => void) | undefined;
        self.push = (e) => {
          queue.push(e);
          wake?.();
        };
        signal.addEventListener('abort', () => wake?.());
        while (!signal.aborted) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          const e = queue.shift();
          if (!e) continue;
          if (e instanceof Error) throw e;
          yield e;
        }
      },
      async pastEvents() {
        return [];
      },
    } as unknown as DockerClient;
}

async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const scoring = (id: string, dep: string): ContainerSummary => ({ id, name: `ep.${dep}`, image: 'img', state: 'running', status: 'Up', labels: { 'aml-doctor.deployment': dep, 'aml-doctor.endpoint': 'ep' }, ports: [], created: 0 });

describe('DockerExplorer (unit, scripted engine)', () => {
  it('reloads on container events only (no polling) and coalesces bursts', async () => {
    const engine = new FakeEngine();
    engine.containers = [scoring('a', 'blue')];
    const ex = new DockerExplorer(engine.client(), nullLogger, { debounceMs: 20 });
    try {
      ex.start();
      await until('first load', () => ex.snapshot.count === 1);
      const listsAfterStart = engine.lists;
      engine.containers = [scoring('a', 'blue'), scoring('b', 'green')];
      engine.emit('create', 'b');
      engine.emit('start', 'b');
      engine.emit('exec_start: sh', 'b'); // irrelevant
      await until('the new container', () => ex.snapshot.count === 2);
      // A later event (a sentinel) gets exactly one more reload: nothing else listed in between.
      engine.containers = [...engine.containers, scoring('c', 'red')];
      engine.emit('create', 'c');
      await until('the sentinel container', () => ex.snapshot.count === 3);
      assert.equal(engine.lists, listsAfterStart + 2, 'one reload per burst of events, no polling');
    } finally {
      await ex.dispose();
    }
  });

  it('goes unreachable with the reason when the engine dies, backs off, and recovers', async () => {
    const engine = new FakeEngine();
    engine.containers = [scoring('a', 'blue')];
    const ex = new DockerExplorer(engine.client(), nullLogger, { initialBackoffMs: 20, maxBackoffMs: 80, debounceMs: 5 });
    const states: string[] = [];
    ex.onDidChange((s) => states.push(s.state.state));
    try {
      ex.start();
      await until('reachable', () => ex.snapshot.state.state === 'reachable');
      engine.crash();
      await until('unreachable', () => ex.snapshot.state.state === 'unreachable');
      const st = ex.snapshot.state as { reason: string; message: string };
      assert.equal(st.reason, 'not-running');
      assert.match(st.message, /not running/);
      assert.equal(ex.snapshot.count, 0);
      const before = engine.pings.length;
      await until('several retries', () => engine.pings.length >= before + 4, 3000);
      const gaps = engine.pings.slice(before).map((t, i, a) => (i ? t - a[i - 1]! : 0)).slice(1);
      assert.ok(gaps.at(-1)! >= gaps[0]!, `backoff grows: ${gaps}`);
      assert.ok(gaps.every((g) => g < 80 + 60), `capped: ${gaps}`);
      engine.up = true;
      await until('recovered', () => ex.snapshot.state.state === 'reachable' && ex.snapshot.count === 1, 3000);
      assert.ok(states.indexOf('unreachable') > states.indexOf('reachable'), states.join(','));
      assert.equal(states.at(-1), 'reachable');
    } finally {
      await ex.dispose();
    }
  });

  it('retryNow reconnects at once instead of waiting for the backoff', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    const ex = new DockerExplorer(engine.client(), nullLogger, { initialBackoffMs: 60000, maxBackoffMs: 60000 });
    try {
      ex.start();
      await until('unreachable', () => ex.snapshot.state.state === 'unreachable');
      engine.up = true;
      ex.retryNow();
      await until('reachable without waiting a minute', () => ex.snapshot.state.state === 'reachable', 2000);
    } finally {
      await ex.dispose();
    }
  });

  it('mapLimit keeps order and bounds concurrency', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30]);
    assert.equal(peak, 2);
  });
});
