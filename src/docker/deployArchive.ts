// What a local deployment copies into its container, and the copy itself: the harness, the code, the model
// (laid out as Azure ML lays it out) and the manifest of the code that reload compares against. Planning
// reads names and sizes only; the bytes are streamed by packArchive() while the engine reads them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import { ArchiveAbortedError, dedupeDirs, FileChangedError, fileEntry, packArchive, parentDirs, walkFolder, type ArchiveEntry, type SkippedEntry } from './archive';
import { DockerAbortError, type DockerClient } from './client';
import { manifestOf, type CodeManifest } from './codeSync';
import { APP_ROOT, HARNESS_ROOT, LocalDeployError, MANIFEST_PATH, modelDirFor, SKIP_DIRS, type LocalDeployConfig, type Progress } from './localDeployConfig';

/** What an archive holds before a byte of it is read. */
export interface ArchivePlan {
  entries: ArchiveEntry[];
  /** Bytes of file content (what the copy moves). */
  bytes: number;
  /** Links and special files left out (links out of the folder, dangling links, fifos). */
  skipped: SkippedEntry[];
  /** What the code part holds (also written into the archive when the code is in it). */
  manifest?: CodeManifest;
}

/** Models are streamed (memory stays flat), but a copy this large is a wrong path, not a model. */
const MAX_MODEL_BYTES = 64 * 1024 ** 3;

export interface PlanOptions {
  /** Folder with start.sh, aml_harness.py, gunicorn_conf.py, healthcheck.py (media/harness). */
  harnessDir: string;
  /** Source folders larger than this are refused with a clear message. */
  maxSourceBytes: number;
  signal?: AbortSignal;
}

/**
 * The archive placed at / in the container: harness, code, model, conda file, and the manifest of
 * the code. Only names and sizes are collected here; packArchive() streams the bytes later.
 */
export async function planArchive(config: LocalDeployConfig, what: { code: boolean; model: boolean; harness: boolean }, options: PlanOptions): Promise<ArchivePlan> {
  const { signal } = options;
  const entries: ArchiveEntry[] = [];
  const skipped: SkippedEntry[] = [];
  let bytes = 0;
  const add = (list: ArchiveEntry[]) => {
    for (const e of list) {
      entries.push(e);
      bytes += e.type === 'file' ? e.size : 0;
    }
  };
  const harnessRoot = HARNESS_ROOT.slice(1);
  let codeEntries: ArchiveEntry[] = [];
  if (what.harness) {
    add(parentDirs(HARNESS_ROOT));
    for (const f of ['start.sh', 'aml_harness.py', 'gunicorn_conf.py', 'healthcheck.py']) {
      add([{ ...(await fileEntry(path.join(options.harnessDir, f), `${harnessRoot}/${f}`)), mode: 0o755 }]);
    }
    if (config.condaFile) add([await fileEntry(config.condaFile, `${harnessRoot}/conda.yml`)]);
  }
  if (what.code) {
    add(parentDirs(APP_ROOT));
    const code = await walkFolder(config.sourceDir, APP_ROOT.slice(1), {
      skipDirs: SKIP_DIRS,
      maxBytes: options.maxSourceBytes,
      signal,
      tooLarge: (max) => new LocalDeployError(l10n.t('The source folder {0} holds more than {1} MB: point the deployment at a smaller code folder (move data and models out of it).', config.sourceDir, Math.round(max / 1024 ** 2)), 'invalid-config'),
    });
    add(code.entries);
    codeEntries = code.entries;
    skipped.push(...code.skipped);
  }
  if (what.model && config.modelPath) {
    const modelDir = modelDirFor(config);
    add(parentDirs(modelDir));
    const tooLarge = (max: number) => new LocalDeployError(l10n.t('The model {0} is larger than {1} GB, more than a local deployment copies into a container.', config.modelPath ?? '', max / 1024 ** 3), 'invalid-config');
    if ((await fs.promises.stat(config.modelPath)).isDirectory()) {
      // Azure ML keeps a model folder's name: AZUREML_MODEL_DIR/<folder>/... (azure-ai-ml's local endpoints
      // mount the folder's parent at AZUREML_MODEL_DIR), so score.py builds the same paths here as there.
      const folderDir = `${modelDir}/${path.basename(path.resolve(config.modelPath))}`;
      add(parentDirs(folderDir));
      const model = await walkFolder(config.modelPath, folderDir.slice(1), { signal, maxBytes: MAX_MODEL_BYTES, tooLarge });
      add(model.entries);
      skipped.push(...model.skipped);
    } else {
      const file = await fileEntry(config.modelPath, `${modelDir.slice(1)}/${path.basename(config.modelPath)}`);
      if (file.size > MAX_MODEL_BYTES) throw tooLarge(MAX_MODEL_BYTES);
      add([file]);
    }
  }
  // The code alone (not the model, which also lives under APP_ROOT): what reload compares against.
  const manifest = what.code ? manifestOf(codeEntries, APP_ROOT.slice(1)) : undefined;
  if (manifest) add([manifestEntry(manifest)]);
  // Directories first, once each: tar extraction needs parents before children.
  return { entries: dedupeDirs(entries), bytes, skipped, manifest };
}

function manifestEntry(manifest: CodeManifest): ArchiveEntry {
  const data = Buffer.from(JSON.stringify(manifest));
  return { name: MANIFEST_PATH.slice(1), type: 'file', size: data.length, mode: 0o644, mtimeMs: Date.now(), data };
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/**
 * What this session copied into each container (by id): a reload then skips reading the manifest back from
 * the container. A few dozen containers at most: the oldest are forgotten beyond that.
 */
export function rememberCopy(copied: Map<string, CodeManifest> | undefined, id: string, manifest: CodeManifest): void {
  if (!copied) return;
  copied.delete(id);
  copied.set(id, manifest);
  for (const old of copied.keys()) if (copied.size > 32) copied.delete(old);
}

/** Streams the planned archive into the container, reporting progress; cancellable. */
export async function copyArchive(
  docker: DockerClient,
  log: Logger,
  id: string,
  plan: ArchivePlan,
  what: string,
  progress: Progress,
  signal: AbortSignal | undefined,
  copied: Map<string, CodeManifest> | undefined,
): Promise<void> {
  for (const s of plan.skipped) log.warn(`not copied into the container: ${s.path} (${s.why})`);
  if (plan.skipped.length === 1) progress(l10n.t('Not copied: 1 link or special file (see the log), e.g. {0}', plan.skipped[0]!.path));
  else if (plan.skipped.length) progress(l10n.t('Not copied: {0} links or special files (see the log), e.g. {1}', plan.skipped.length, plan.skipped[0]!.path));
  progress(l10n.t('Copying {0} ({1})', what, formatBytes(plan.bytes)));
  let shown = Date.now();
  const onBytes = (n: number) => {
    if (Date.now() - shown < 1000) return;
    shown = Date.now();
    progress(l10n.t('Copying {0}: {1} of {2}', what, formatBytes(n), formatBytes(plan.bytes)));
  };
  try {
    await docker.putArchive(id, '/', packArchive(plan.entries, { signal, onBytes }), { signal });
    if (plan.manifest) rememberCopy(copied, id, plan.manifest);
  } catch (err) {
    // Half-copied: what the container holds is unknown, read it back next time.
    copied?.delete(id);
    if (err instanceof DockerAbortError || err instanceof ArchiveAbortedError || signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled while copying {0} into the container.', what), 'cancelled', '', id);
    if (err instanceof FileChangedError) throw new LocalDeployError(err.message, 'invalid-config', '', id);
    throw err;
  }
}
