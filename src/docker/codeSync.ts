// What a reload sends: the code folder as it was copied (a manifest kept inside the container next to
// the harness) against the folder now. Only new and changed files travel; files deleted on the host
// are removed in the container. A file counts as changed when its size or modification time differs
// (as rsync decides): an editor's save always moves the mtime. Pure: no Docker, no file reads.
import type { ArchiveEntry } from './archive';

export const MANIFEST_VERSION = 1;
/** The manifest is read back from the container: anything larger is not ours. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface ManifestEntry {
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mtimeMs: number;
  link?: string;
}

export interface CodeManifest {
  version: number;
  /** Path relative to the code root (forward slashes) -> what was copied there. */
  files: Record<string, ManifestEntry>;
}

export interface CodeDiff {
  /** Archive entries to send (new or changed), parents before children. */
  send: ArchiveEntry[];
  /** Paths relative to the code root that are gone on the host: removed in the container. */
  remove: string[];
  /** Files (not folders) sent. */
  changedFiles: number;
}

/** The manifest of the code entries of an archive (names under `prefix`). */
export function manifestOf(entries: ArchiveEntry[], prefix: string): CodeManifest {
  const files: Record<string, ManifestEntry> = {};
  const lead = `${prefix}/`;
  for (const e of entries) {
    if (!e.name.startsWith(lead)) continue;
    files[e.name.slice(lead.length)] = { type: e.type, size: e.size, mtimeMs: e.mtimeMs, ...(e.linkname !== undefined ? { link: e.linkname } : {}) };
  }
  return { version: MANIFEST_VERSION, files };
}

/** A safe relative path: no empty, `.` or `..` segment, not absolute. */
function safeRelative(p: string): boolean {
  return !!p && !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Parses a manifest read from the container. The container can write that file, so it is checked:
 * a bad one (wrong shape, unsafe paths) is treated as missing, which means "send everything".
 */
export function parseManifest(raw: Buffer | undefined): CodeManifest | undefined {
  if (!raw || raw.length > MAX_MANIFEST_BYTES) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  const m = doc as Partial<CodeManifest> | null;
  if (!m || typeof m !== 'object' || m.version !== MANIFEST_VERSION || !m.files || typeof m.files !== 'object') return undefined;
  const files: Record<string, ManifestEntry> = {};
  for (const [p, e] of Object.entries(m.files)) {
    if (!safeRelative(p) || !e || typeof e !== 'object') return undefined;
    if (!['file', 'directory', 'symlink'].includes(e.type) || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number') return undefined;
    files[p] = { type: e.type, size: e.size, mtimeMs: e.mtimeMs, ...(typeof e.link === 'string' ? { link: e.link } : {}) };
  }
  return { version: MANIFEST_VERSION, files };
}

function same(a: ManifestEntry, b: ManifestEntry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'directory') return true;
  if (a.type === 'symlink') return a.link === b.link;
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * What to send and remove so that the container holds `now` (the code entries under `prefix`), given
 * what was copied before (`before`; undefined: unknown, send everything, remove nothing).
 */
export function diffCode(before: CodeManifest | undefined, nowEntries: ArchiveEntry[], prefix: string): CodeDiff {
  const now = manifestOf(nowEntries, prefix);
  const lead = `${prefix}/`;
  const sendNames = new Set<string>();
  for (const [p, e] of Object.entries(now.files)) {
    const old = before?.files[p];
    if (old && same(old, e)) continue;
    sendNames.add(p);
    // Parents travel with a changed entry so that extraction finds them (and their mode).
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) sendNames.add(p.slice(0, i));
  }
  const send = nowEntries.filter((e) => e.name.startsWith(lead) && sendNames.has(e.name.slice(lead.length)));
  const remove: string[] = [];
  if (before) for (const p of Object.keys(before.files)) if (!now.files[p]) remove.push(p);
  remove.sort();
  // A removed folder takes its content with it: keep only the top-most paths.
  const gone = new Set(remove);
  const top = remove.filter((p) => {
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) if (gone.has(p.slice(0, i))) return false;
    return true;
  });
  return { send, remove: top, changedFiles: send.filter((e) => e.type !== 'directory').length };
}
