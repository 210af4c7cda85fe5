// (integration) exec() against the real engine: a command's output is capped (head and tail kept,
// the cut said), and a command that outlives its timeout is stopped inside the container, whether it
// prints forever or sleeps.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DockerodeClient, ExecTimeoutError } from '../../../src/docker/client';
import { IMAGE, docker, uniqueName, waitFor } from './helpers';

const client = new DockerodeClient();
const name = uniqueName('exec');
let id: string;

/** Command lines of the processes running in the container. */
function processes(): string {
  return docker('exec', id, 'sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done');
}

describe('exec in a container (integration, real Docker engine)', { timeout: 180000 }, () => {
  before(() => {
    id = docker('run', '-d', '--name', name, IMAGE, 'sleep', 'infinity');
  });
  after(() => {
    docker('rm', '-f', id);
  });

  it('keeps the first and last bytes of a 50 MB output and says how much was cut', async () => {
    const r = await client.exec(id, ['sh', '-c', 'echo BEGIN; head -c 50000000 /dev/zero | tr "\\0" x; echo; echo END'], { timeoutMs: 60000 });
    assert.equal(r.exitCode, 0);
    assert.equal(r.truncated, true);
    assert.ok(r.stdout.length < 1.1 * 1024 * 1024, `${r.stdout.length} characters kept`);
    assert.ok(r.stdout.startsWith('BEGIN\nxxx'));
    assert.ok(r.stdout.endsWith('xxx\nEND\n'), JSON.stringify(r.stdout.slice(-20)));
    const cut = /\[\.\.\. (\d+) bytes cut by AML Deploy Doctor/.exec(r.stdout);
    assert.ok(cut);
    assert.equal(Number(cut[1]) + 1024 * 1024, 6 + 50_000_000 + 1 + 4);
  });

  it('a command that prints forever is stopped at its timeout, with its output capped', async () => {
    const tag = `amld-forever-${randomBytes(4).toString('hex')}`;
    const started = Date.now();
    await assert.rejects(client.exec(id, ['yes', tag], { timeoutMs: 1500, maxOutputBytes: 64 * 1024 }), (e: unknown) => {
      assert.ok(e instanceof ExecTimeoutError, String(e));
      assert.equal(e.killed, true);
      assert.match(e.message, /did not finish within 1500 ms and was stopped/);
      assert.ok(e.stdout.startsWith(`${tag}\n`));
      assert.ok(e.stdout.length <= 64 * 1024 + 200, `${e.stdout.length} characters kept`);
      return true;
    });
    assert.ok(Date.now() - started < 15000, `took ${Date.now() - started} ms`);
    await waitFor('yes to be gone from the container', () => !processes().includes(tag), 10000);
  });

  it('a command that sleeps past its timeout is killed inside the container, its children too', async () => {
    const tag = `amld-sleep-${randomBytes(4).toString('hex')}`;
    // sh forks sleep as a child: both carry the exec's environment, both must go.
    await assert.rejects(client.exec(id, ['sh', '-c', `sleep 300; echo ${tag}`], { timeoutMs: 1000 }), (e: unknown) => {
      assert.ok(e instanceof ExecTimeoutError, String(e));
      assert.equal(e.killed, true);
      return true;
    });
    const left = processes();
    assert.ok(!left.includes(tag), `the shell is gone: ${left}`);
    assert.ok(!/^sleep 300 $/m.test(left), `its sleep is gone: ${left}`);
  });
});
