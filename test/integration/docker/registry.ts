// A real image registry on loopback for the pull tests: Debian's docker-registry (distribution 2.8), started
// and stopped by the test itself, optionally with htpasswd authentication. Waits for /v2/ to answer.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../e2e/harness';
import { waitFor } from './helpers';

export interface LocalRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string;
  close(): Promise<void>;
}

export async function startRegistry(options: { user?: string; password?: string } = {}): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-registry-'));
  const port = await freePort();
  const auth = options.user && options.password;
  if (auth) {
    // bcrypt, the only hash distribution's htpasswd backend accepts.
    execFileSync('htpasswd', ['-Bbc', path.join(dir, 'htpasswd'), options.user!, options.password!], { stdio: 'ignore' });
  }
  writeFileSync(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(auth ? ['auth:', '  htpasswd:', '    realm: amld-test', `    path: ${path.join(dir, 'htpasswd')}`] : []),
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const host = `127.0.0.1:${port}`;
  await waitFor(`docker-registry on ${host}`, async () => {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${output}`);
    const r = await fetch(`http://${host}/v2/`).catch(() => undefined);
    return r !== undefined && (r.status === 200 || r.status === 401);
  }, 30000, 100);
  return {
    host,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
