// Shared helpers for the Docker integration tests: the real engine, unique names, cleanup, and
// condition waits with timeouts (never fixed sleeps).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
/** The scoring image with python3-venv and python3-pip: environments with a pip section build on it. */
export const PIP_IMAGE = process.env.AML_DOCTOR_TEST_PIP_IMAGE ?? `${IMAGE}-pip`;
export const HARNESS_DIR = path.join(REPO, 'media', 'harness');
export const PREFIX = 'amld-docker-test-';

export function uniqueName(tag: string): string {
  return `${PREFIX}${tag}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Removes every container of this test process whose name starts with the given prefix. */
export function removeContainers(prefix: string): void {
  const ids = docker('ps', '-aq', '--filter', `name=^${prefix}`).split('\n').filter(Boolean);
  if (ids.length) docker('rm', '-f', '-v', ...ids);
}

export function copyExamples(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-project-'));
  cpSync(path.join(REPO, 'examples'), dir, { recursive: true });
  return dir;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `docker logs` with stdout and stderr together (gunicorn writes its lines to stderr). */
export function dockerLogs(id: string): string {
  const r = spawnSync('docker', ['logs', id], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/** Built FROM the pip image (ours: nobody else on the engine builds on it). */
export function descendsFromPipImage(id: string): boolean {
  const base = docker('image', 'inspect', '-f', '{{.Id}}', PIP_IMAGE);
  let p = id;
  for (let i = 0; i < 32 && p && p !== base; i++) p = docker('image', 'inspect', '-f', '{{.Parent}}', p);
  return p === base && id !== base;
}

/** Intermediate images our failed builds left (build cache FROM the pip image), created since `sinceMs`. */
export function removeOurDanglingImages(sinceMs: number): void {
  for (const id of docker('images', '-q', '--no-trunc', '-f', 'dangling=true').split('\n').filter(Boolean)) {
    try {
      if (Date.parse(docker('image', 'inspect', '-f', '{{.Created}}', id)) < sinceMs) continue;
      if (descendsFromPipImage(id)) docker('rmi', id);
    } catch {
      /* removed meanwhile, or in use */
    }
  }
}

/** Removes images by tag (environment images a test built); already gone is fine. */
export function removeImages(tags: Iterable<string>): void {
  for (const t of tags) {
    try {
      docker('rmi', '-f', t);
    } catch {
      /* already gone */
    }
  }
}
