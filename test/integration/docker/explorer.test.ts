// (integration) The Local Docker explorer against real engines: the tree follows Docker's event
// stream (no reload calls, no polling), shows exit codes, turns "unreachable" when the engine stops
// and recovers when it is back; followed logs end cleanly when their container is removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nullLogger, type Logger } from '../../../src/common/logger';
import { DockerodeClient } from '../../../src/docker/client';
import { DockerExplorer, type ExplorerSnapshot } from '../../../src/docker/explorer';
import { IMAGE, docker, removeContainers, uniqueName, waitFor } from './helpers';
import { PrivateEngine } from './privateEngine';

function find(s: ExplorerSnapshot, group: string, label: string) {
  return s.groups.find((g) => g.name === group)?.containers.find((c) => c.label === label);
}

describe('Docker explorer (integration, real engines)', { timeout: 300000 }, () => {
  const prefix = uniqueName('explorer');
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    removeContainers(prefix);
  });

  it('follows the event stream: create, start, die (exit code) and destroy reach the tree without reloads', async () => {
    const client = new DockerodeClient();
    let lists = 0;
    const counting = Object.assign(Object.create(client), { listContainers: () => (lists++, client.listContainers()) }) as DockerodeClient;
    const explorer = new DockerExplorer(counting, nullLogger, { debounceMs: 50 });
    try {
      explorer.start();
      await waitFor('reachable', () => explorer.snapshot.state.state === 'reachable', 20000);
      const name = `${prefix}-a`;
      const id = docker('create', '--name', name, '--label', 'aml-doctor.deployment=green', '--label', `aml-doctor.endpoint=${prefix}`, IMAGE, 'python3', '-c', 'import time; time.sleep(600)');
      await waitFor('the created container in the tree', () => find(explorer.snapshot, prefix, 'green')?.status.condition === 'created', 20000);
      docker('start', id);
      const running = await waitFor('running', () => (find(explorer.snapshot, prefix, 'green')?.status.condition === 'running' ? find(explorer.snapshot, prefix, 'green') : undefined), 20000);
      assert.match(running!.contextValue, /\brunningContainer\b/);
      assert.match(running!.contextValue, /\blocalDeploy\b/);
      docker('kill', id);
      const exited = await waitFor('exited', () => {
        const n = find(explorer.snapshot, prefix, 'green');
        return n && n.status.dockerState === 'exited' ? n : undefined;
      }, 20000);
      // SIGKILL: the exit code is 128+9, and no OOM was involved.
      assert.equal(exited.description, 'exited (137)');
      assert.equal(exited.status.condition, 'crashed');
      docker('rm', id);
      await waitFor('the container to leave the tree', () => !explorer.snapshot.groups.some((g) => g.name === prefix), 20000);
      assert.ok(lists >= 4, `every change was a reload from an event (lists=${lists})`);
    } finally {
      await explorer.dispose();
    }
  });

  it('a followed log stream ends cleanly when its container is removed', async () => {
    const client = new DockerodeClient();
    const id = docker('run', '-d', '--name', `${prefix}-logs`, IMAGE, 'python3', '-u', '-c', 'import time\nfor i in range(100000):\n    print("line", i)\n    time.sleep(0.05)');
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of client.logs(id, { follow: true })) seen.push(chunk.toString());
      return 'ended';
    })();
    await waitFor('some log lines', () => seen.join('').includes('line 3'), 20000);
    docker('rm', '-f', id);
    const outcome = await Promise.race([reading, new Promise((r) => setTimeout(() => r('still open after 15 s'), 15000))]);
    assert.equal(outcome, 'ended');
    assert.match(seen.join(''), /line 0\n/);
  });

  it('stopping the engine turns the tree "unreachable" without errors, and it recovers when the engine is back', async () => {
    const engine = new PrivateEngine();
    const errors: string[] = [];
    const log: Logger = { ...nullLogger, error: (m) => errors.push(String(m)) };
    let explorer: DockerExplorer | undefined;
    try {
      await engine.start();
      engine.importTinyImage('amld-docker-test/tiny:1');
      engine.docker('create', '--name', 'amld-docker-test-private', '--label', 'aml-doctor.deployment=blue', '--label', 'aml-doctor.endpoint=private-ep', 'amld-docker-test/tiny:1', '/x');
      explorer = new DockerExplorer(new DockerodeClient({ host: engine.host, timeoutMs: 2000 }), log, { initialBackoffMs: 100, maxBackoffMs: 800, debounceMs: 50 });
      const states: string[] = [];
      explorer.onDidChange((s) => states.push(s.state.state));
      explorer.start();
      await waitFor('the container on the private engine', () => find(explorer!.snapshot, 'private-ep', 'blue'), 20000);

      await engine.stop();
      const down = await waitFor('unreachable', () => (explorer!.snapshot.state.state === 'unreachable' ? explorer!.snapshot : undefined), 20000);
      assert.equal(down.groups.length, 0);
      assert.equal((down.state as { reason: string }).reason, 'not-running');
      assert.match((down.state as { message: string }).message, /not running|closed the event stream|was closed/);

      await engine.start();
      await waitFor('recovery with the container', () => explorer!.snapshot.state.state === 'reachable' && find(explorer!.snapshot, 'private-ep', 'blue'), 30000);
      assert.deepEqual(errors, []);
      assert.deepEqual(unhandled, []);
      assert.ok(states.includes('unreachable') && states.at(-1) === 'reachable', states.join(','));
    } finally {
      await explorer?.dispose();
      await engine.dispose();
    }
  });
});
