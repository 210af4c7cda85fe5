// A private Docker engine for tests that stop the engine: its own socket, data-root, exec-root and
// pidfile under /tmp, its own bridge interface, no iptables/ip-forward changes, its own containerd
// (started by dockerd because the exec-root differs) in its own namespace. The shared engine is never
// touched. NOT --bridge=none: with it dockerd deletes the host's docker0 interface at start-up, which
// breaks networking of the shared engine (seen here: "could not find bridge docker0").
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './helpers';

export class PrivateEngine {
  readonly dir = mkdtempSync('/tmp/amld-docker-test-engine-');
  readonly socket = path.join(this.dir, 'docker.sock');
  readonly host = `unix://${this.socket}`;
  /** A bridge of our own (max 15 chars), created once and deleted in dispose(). */
  readonly bridge = `amldbr${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(0, 15);
  private bridgeCreated = false;
  private proc: ChildProcess | undefined;

  private ensureBridge(): void {
    if (this.bridgeCreated) return;
    const octet = 100 + Math.floor(Math.random() * 100);
    execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    this.bridgeCreated = true;
    execFileSync('ip', ['addr', 'add', `10.231.${octet}.1/24`, 'dev', this.bridge]);
    execFileSync('ip', ['link', 'set', this.bridge, 'up']);
  }

  async start(): Promise<void> {
    this.ensureBridge();
    this.proc = spawn(
      'dockerd',
      [
        '--host', this.host,
        '--data-root', path.join(this.dir, 'data'),
        '--exec-root', path.join(this.dir, 'exec'),
        '--pidfile', path.join(this.dir, 'docker.pid'),
        '--bridge', this.bridge, '--iptables=false', '--ip-masq=false', '--ip-forward=false',
        '--containerd-namespace', 'amld-docker-test', '--containerd-plugins-namespace', 'amld-docker-test-plugins',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
    );
    await waitFor('the private dockerd to answer', () => this.docker('version', '--format', '{{.Server.Version}}'), 60000, 100);
  }

  docker(...args: string[]): string {
    return execFileSync('docker', ['-H', this.host, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  }

  /** A tiny image (one file) so that containers can be created without any registry. */
  importTinyImage(tag: string): void {
    const img = path.join(this.dir, 'img');
    mkdirSync(img, { recursive: true });
    writeFileSync(path.join(img, 'x'), '#!/bin/sh\n', { mode: 0o755 });
    const tar = execFileSync('tar', ['-C', img, '-c', 'x']);
    execFileSync('docker', ['-H', this.host, 'import', '-', tag], { input: tar, stdio: ['pipe', 'ignore', 'pipe'] });
  }

  /** SIGTERM, then wait until dockerd (and the containerd it started) are gone. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error('private dockerd did not stop in 30 s')), 30000))]);
    await waitFor('the private containerd to exit', () => !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(path.join(this.dir, 'exec')), 30000, 100);
    this.proc = undefined;
  }

  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
      if (this.bridgeCreated) execFileSync('ip', ['link', 'delete', this.bridge]);
      this.bridgeCreated = false;
    }
  }
}
