// The user's own Docker build context (`environment.build.path`): listed for POST /build (the bytes are
// streamed by packArchive when the engine reads them), honouring .dockerignore, bounded in size, and
// hashed by content (paths, modes, bytes; not times; files read as streams) so an unchanged context is
// never rebuilt.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import type { ArchiveEntry } from '../docker/archive';

export class BuildContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildContextError';
  }
}

/** .dockerignore patterns (with `!` exceptions), in order: the last matching pattern decides. */
function ignoreRules(dir: string): { pattern: string; negate: boolean }[] {
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), pattern: path.posix.normalize(l.replace(/^!/, '').replace(/^\/+/, '')) }));
}

function ignored(rel: string, rules: { pattern: string; negate: boolean }[]): boolean {
  if (!rules.length) return false;
  // Required here: minimatch loads with the first build context, not at activation.
  const { minimatch } = require('minimatch') as typeof import('minimatch');
  let out = false;
  for (const r of rules) if (minimatch(rel, r.pattern, { dot: true }) || minimatch(rel, `${r.pattern}/**`, { dot: true })) out = !r.negate;
  return out;
}

export interface PackedContext {
  /** What the context archive holds; packArchive() streams the files from disk. */
  entries: ArchiveEntry[];
  /** Content hash of the context. */
  hash: string;
  bytes: number;
}

async function hashFile(file: string, hash: Hash, signal?: AbortSignal): Promise<void> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024, signal })) hash.update(chunk as Buffer);
}

/** Lists and hashes a build context folder; the Dockerfile must be inside it. Nothing is held in memory. */
export async function packBuildContext(dir: string, dockerfile: string, maxBytes = 512 * 1024 ** 2, signal?: AbortSignal): Promise<PackedContext> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(dir);
  } catch {
    throw new BuildContextError(l10n.t('The build context {0} does not exist.', dir));
  }
  if (!st.isDirectory()) throw new BuildContextError(l10n.t('The build context {0} is not a folder.', dir));
  const dockerfileRel = path.posix.normalize(dockerfile.replace(/\\/g, '/'));
  if (dockerfileRel.startsWith('..') || path.isAbsolute(dockerfileRel)) throw new BuildContextError(l10n.t('The Dockerfile {0} must be inside the build context {1}.', dockerfile, dir));
  if (!fs.existsSync(path.join(dir, dockerfileRel))) throw new BuildContextError(l10n.t('The build context {0} has no {1}.', dir, dockerfileRel));
  const rules = ignoreRules(dir);
  const entries: ArchiveEntry[] = [];
  const hash = createHash('sha256');
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of names) {
      signal?.throwIfAborted();
      const r = rel ? `${rel}/${e.name}` : e.name;
      // The Dockerfile and .dockerignore always go (the engine needs them), as `docker build` does.
      const skip = r !== dockerfileRel && r !== '.dockerignore' && ignored(r, rules);
      // An ignored folder is still entered when an exception (`!dir/file`) reaches into it.
      if (skip && !(e.isDirectory() && rules.some((x) => x.negate && x.pattern.startsWith(`${r}/`)))) continue;
      if (e.isSymbolicLink()) continue; // never follow links out of the context
      if (e.isDirectory()) {
        entries.push({ name: r, type: 'directory', size: 0, mode: 0o755, mtimeMs: 0 });
        hash.update(`d\0${r}\0`);
        await walk(r);
      } else if (e.isFile() && !skip) {
        const full = path.join(dir, r);
        const fst = await fs.promises.stat(full);
        bytes += fst.size;
        if (bytes > maxBytes) throw new BuildContextError(l10n.t('The build context {0} holds more than {1} MB: add a .dockerignore for data and models.', dir, Math.round(maxBytes / 1024 ** 2)));
        const mode = fst.mode & 0o111 ? 0o755 : 0o644;
        // A fixed time: the same context gives the same archive.
        entries.push({ name: r, type: 'file', size: fst.size, mode, mtimeMs: 0, source: full });
        hash.update(`f\0${r}\0${mode}\0${fst.size}\0`);
        await hashFile(full, hash, signal);
      }
    }
  };
  await walk('');
  return { entries, hash: hash.digest('hex'), bytes };
}
