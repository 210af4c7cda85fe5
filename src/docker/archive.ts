// Host files copied into a container: a folder walk that never leaves the folder, and a tar archive
// streamed from disk (tar-stream) into Docker's PUT /archive. Nothing is read before it is sent, so
// memory stays flat whatever the size (a 3 GiB model as much as a 3 KiB score.py), and an AbortSignal
// stops the walk, the reads and the upload.
//
// Symbolic links: a link whose target (fully resolved) is outside the folder being copied is never
// followed nor copied (a link to ~/.aws/credentials stays on the host); it is reported instead. A
// link that stays inside is copied as a link, its target rewritten relative to the link: the tree
// then looks the same in the container, nothing is copied twice, and a link to a parent folder cannot
// make the walk loop. Fifos, sockets and devices are skipped (reading a fifo would block forever).
import * as l10n from '../common/l10n';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, pipeline, Transform, type Readable } from 'node:stream';
import type * as TarStream from 'tar-stream';
import { lazyRequire } from '../common/lazyRequire';

export interface ArchiveEntry {
  /** Path inside the archive: forward slashes, no leading slash. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Bytes of a file (0 for the rest). */
  size: number;
  mode: number;
  mtimeMs: number;
  /** The host file whose bytes are streamed (files read from disk). */
  source?: string;
  /** Content generated in memory (small files: the manifest). */
  data?: Buffer;
  /** Symlink target, relative to the link. */
  linkname?: string;
}

export interface SkippedEntry {
  /** Host path of what was not copied. */
  path: string;
  why: string;
}

export interface WalkOptions {
  /** Folder names never descended into (caches, VCS, virtual environments). */
  skipDirs?: ReadonlySet<string>;
  /** Bytes of regular files allowed; over it, `tooLarge` is thrown. */
  maxBytes?: number;
  tooLarge?: (bytes: number) => Error;
  signal?: AbortSignal;
}

export interface WalkResult {
  entries: ArchiveEntry[];
  skipped: SkippedEntry[];
  /** Bytes of all regular files. */
  bytes: number;
}

export class ArchiveAbortedError extends Error {
  constructor() {
    super(l10n.t('The copy was cancelled.'));
    this.name = 'ArchiveAbortedError';
  }
}

/** A file changed size while it was being copied: the archive would be corrupt, so the copy stops. */
export class FileChangedError extends Error {
  constructor(readonly file: string) {
    super(l10n.t('{0} changed while it was being copied (its size is not what it was when the copy started): copy again once it is written.', file));
    this.name = 'FileChangedError';
  }
}

/** True when `p` is `dir` itself or below it (paths already resolved). */
export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function fileMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/**
 * Lists a folder for the archive under `prefix` (relative paths inside the archive, no leading slash).
 * The folder itself may be a link (the user chose it); everything below is judged against its real path.
 */
export async function walkFolder(root: string, prefix: string, options: WalkOptions = {}): Promise<WalkResult> {
  const realRoot = await fs.promises.realpath(root);
  const out: WalkResult = { entries: [], skipped: [], bytes: 0 };
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const join = (rel: string) => (prefix ? `${prefix}/${rel}` : rel);
  const walkDir = async (rel: string): Promise<void> => {
    if (options.signal?.aborted) throw new ArchiveAbortedError();
    const dir = rel ? path.join(realRoot, rel) : realRoot;
    const names = (await fs.promises.readdir(dir)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(realRoot, r);
      let st: fs.Stats;
      try {
        st = await fs.promises.lstat(full);
      } catch {
        continue; // removed while we walk
      }
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await fs.promises.realpath(full);
        } catch {
          out.skipped.push({ path: full, why: 'a link to something that does not exist' });
          continue;
        }
        if (!isInside(target, realRoot)) {
          out.skipped.push({ path: full, why: l10n.t('a link to {0}, outside {1}: links never take files from outside the folder', target, root) });
          continue;
        }
        const linkname = path.relative(path.dirname(full), target).split(path.sep).join('/') || '.';
        out.entries.push({ name: join(r), type: 'symlink', size: 0, mode: 0o777, mtimeMs: st.mtimeMs, linkname });
      } else if (st.isDirectory()) {
        if (options.skipDirs?.has(name)) continue;
        out.entries.push({ name: join(r), type: 'directory', size: 0, mode: 0o755, mtimeMs: st.mtimeMs });
        await walkDir(r);
      } else if (st.isFile()) {
        out.bytes += st.size;
        if (out.bytes > max) throw options.tooLarge?.(max) ?? new Error(l10n.t('{0} holds more than {1} bytes.', root, max));
        out.entries.push({ name: join(r), type: 'file', size: st.size, mode: fileMode(st.mode), mtimeMs: st.mtimeMs, source: full });
      } else {
        out.skipped.push({ path: full, why: 'not a regular file, folder or link (fifo, socket or device)' });
      }
    }
  };
  await walkDir('');
  return out;
}

/** One file (the user picked it; a link is followed because the user named it). */
export async function fileEntry(file: string, name: string): Promise<ArchiveEntry> {
  const st = await fs.promises.stat(file);
  return { name, type: 'file', size: st.size, mode: fileMode(st.mode), mtimeMs: st.mtimeMs, source: file };
}

/** Directory entries for every parent of `dir` ("var/azureml-app" -> "var", "var/azureml-app"). */
export function parentDirs(dir: string): ArchiveEntry[] {
  const parts = dir.replace(/^\/+|\/+$/g, '').split('/').filter(Boolean);
  return parts.map((_, i) => ({ name: parts.slice(0, i + 1).join('/'), type: 'directory', size: 0, mode: 0o755, mtimeMs: Date.now() }));
}

/** Drops repeated directory entries (keeps the first), so each path appears once. */
export function dedupeDirs(entries: ArchiveEntry[]): ArchiveEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => (e.type === 'directory' ? !seen.has(e.name) && !!seen.add(e.name) : true));
}

export interface PackOptions {
  signal?: AbortSignal;
  /** Called with the number of file bytes read so far (as they are read). */
  onBytes?: (bytes: number) => void;
}

/** tar-stream (in dist/dockerode.js next to dockerode, which depends on it): loaded on first copy. */
function loadTar(): typeof TarStream {
  const mod = lazyRequire<typeof TarStream & { tarStream?: typeof TarStream }>('dockerode.js', 'tar-stream');
  return mod.tarStream ?? mod;
}

function addEntry(pack: TarStream.Pack, header: TarStream.Headers, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body) pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    else pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * The tar archive of `entries`, produced while it is read: each file is streamed from disk when the
 * reader (the HTTP upload) asks for more. Destroying the returned stream, or aborting the signal,
 * stops the reads and closes every file.
 */
export function packArchive(entries: ArchiveEntry[], options: PackOptions = {}): Readable {
  const tar = loadTar();
  const pack = tar.pack();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  let bytes = 0;
  let current: fs.ReadStream | undefined;
  const onAbort = () => out.destroy(new ArchiveAbortedError());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const produce = async () => {
    for (const e of entries) {
      if (out.destroyed) return;
      if (options.signal?.aborted) throw new ArchiveAbortedError();
      const header: TarStream.Headers = { name: e.name, type: e.type, mode: e.mode, mtime: new Date(e.mtimeMs), uid: 0, gid: 0, size: e.size };
      if (e.type === 'symlink') {
        await addEntry(pack, { ...header, size: 0, linkname: e.linkname });
      } else if (e.type === 'directory') {
        await addEntry(pack, { ...header, size: 0 });
      } else if (e.data) {
        await addEntry(pack, { ...header, size: e.data.length }, e.data);
      } else {
        const file = e.source!;
        // A file larger than the 8 GiB a ustar size field holds gets its size in a PAX record.
        const sink = pack.entry(e.size >= 8 * 1024 ** 3 ? ({ ...header, pax: { size: String(e.size) } } as TarStream.Headers) : header);
        const done = once(sink, 'finish');
        if (e.size > 0) {
          current = fs.createReadStream(file, { start: 0, end: e.size - 1, highWaterMark: 256 * 1024 });
          let read = 0;
          const count = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              read += chunk.length;
              bytes += chunk.length;
              options.onBytes?.(bytes);
              cb(null, chunk);
            },
            flush(cb) {
              cb(read === e.size ? null : new FileChangedError(file));
            },
          });
          const source = current;
          await new Promise<void>((resolve, reject) => pipeline(source, count, sink, (err) => (err ? reject(err) : resolve())));
          current = undefined;
        } else sink.end();
        await done;
      }
    }
    pack.finalize();
  };
  produce().catch((err: unknown) => {
    current?.destroy();
    out.destroy(options.signal?.aborted ? new ArchiveAbortedError() : (err as Error));
  });
  pack.on('error', (err: Error) => out.destroy(err));
  pack.pipe(out);
  out.once('close', () => {
    options.signal?.removeEventListener('abort', onAbort);
    // The reader went away (upload aborted or failed): stop reading files.
    current?.destroy();
    pack.destroy();
  });
  return out;
}
