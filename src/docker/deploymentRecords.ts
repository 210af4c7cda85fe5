// What this extension itself recorded about the local deployments it created: container id -> the
// configuration (source folder, model, conda file...). Reload and Update copy host folders into a
// container; which folder is read must come from here (or from the user), never from a container's
// labels: any image can set `aml-doctor.source-dir`. Pure: the store is a vscode.Memento in the
// extension (workspaceState), a Map in tests.
import * as l10n from '../common/l10n';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_LABEL, configHash, type LocalDeployConfig } from './localDeploy';

export interface RecordStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

interface DeploymentRecord {
  config: LocalDeployConfig;
  /** configHash(config) at deploy time; the container carries the same value in its label. */
  hash: string;
  at: number;
}

/** The container a command acts on, as the tree knows it. */
export interface RecordedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export type RecordCheck =
  | { ok: true; config: LocalDeployConfig; insideWorkspace: boolean }
  | { ok: false; reason: string };

const KEY = 'amlDoctor.localDeploy.records';
/** Records kept (newest first): containers replaced or removed elsewhere leave stale entries behind. */
const MAX_RECORDS = 50;

/** True when `folder` is one of `roots` or inside one, after resolving symbolic links on both sides. */
export function isInsideFolders(folder: string, roots: readonly string[]): boolean {
  let real: string;
  try {
    real = fs.realpathSync.native(folder);
  } catch {
    return false; // gone: nothing to copy, and nothing to vouch for
  }
  return roots.some((root) => {
    let r: string;
    try {
      r = fs.realpathSync.native(root);
    } catch {
      return false;
    }
    const rel = path.relative(r, real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

export class DeploymentRecords {
  constructor(private readonly store: RecordStore) {}

  private all(): Record<string, DeploymentRecord> {
    const raw = this.store.get<Record<string, DeploymentRecord>>(KEY);
    return raw && typeof raw === 'object' ? raw : {};
  }

  /** Remembers the configuration a container was created from (also for one whose deploy failed: it gets reloaded). */
  async record(containerId: string, config: LocalDeployConfig): Promise<void> {
    const entries = Object.entries(this.all()).filter(([id]) => id !== containerId);
    // Newest first; env is left out (it may carry secrets and Update never needs it).
    entries.unshift([containerId, { config: { ...config, env: undefined }, hash: configHash(config), at: Date.now() }]);
    await this.store.update(KEY, Object.fromEntries(entries.slice(0, MAX_RECORDS)));
  }

  async forget(containerId: string): Promise<void> {
    const all = this.all();
    if (!(containerId in all)) return;
    delete all[containerId];
    await this.store.update(KEY, all);
  }

  /** The recorded source folder of a container, when there is one (for mapping log paths; never for copying). */
  sourceDirOf(containerId: string): string | undefined {
    return this.entryOf(containerId)?.sourceDir;
  }

  /** The recorded source folder and entry script of a container (for mapping log paths; never for copying). */
  entryOf(containerId: string): { sourceDir: string; entryScript: string } | undefined {
    const config = this.all()[containerId]?.config;
    return config && typeof config.sourceDir === 'string' && typeof config.entryScript === 'string' ? { sourceDir: config.sourceDir, entryScript: config.entryScript } : undefined;
  }

  /**
   * The configuration this extension recorded for the container, checked against it: recorded for this
   * container id, with the configuration hash the container was created with. Whether its source folder is
   * inside an open workspace folder is reported, for the caller to ask about.
   */
  check(container: RecordedContainer, workspaceFolders: readonly string[]): RecordCheck {
    const rec = this.all()[container.id];
    if (!rec || !rec.config || typeof rec.config.sourceDir !== 'string') {
      return { ok: false, reason: l10n.t('{0} was not deployed by AML Deploy Doctor from this workspace, so its source folder is not known here (a container\'s labels are not trusted to name a folder on this machine).', container.name) };
    }
    if (container.labels[CONFIG_LABEL] !== rec.hash) {
      return { ok: false, reason: l10n.t('{0} does not carry the configuration AML Deploy Doctor recorded for it.', container.name) };
    }
    return { ok: true, config: rec.config, insideWorkspace: isInsideFolders(rec.config.sourceDir, workspaceFolders) };
  }
}

/** The questions the reload/update flow may need to ask (VS Code dialogs in the extension, stubs in tests). */
export interface SourceQuestions {
  /** No record: the user picks the folder to copy (undefined: cancelled). */
  chooseFolder(reason: string): Promise<string | undefined>;
  /** The folder lies outside every open workspace folder: copy it anyway? */
  confirmOutside(folder: string): Promise<boolean>;
}

/**
 * The folder Reload copies into `container`: the recorded one, or one the user picks when nothing was
 * recorded; a folder outside the open workspace folders only after the user confirms it. Undefined when
 * the user cancels. The container's `aml-doctor.source-dir` label is never read.
 */
export async function sourceForReload(records: DeploymentRecords, container: RecordedContainer, workspaceFolders: readonly string[], ask: SourceQuestions): Promise<string | undefined> {
  const check = records.check(container, workspaceFolders);
  let folder: string | undefined;
  let inside: boolean;
  if (check.ok) {
    folder = check.config.sourceDir;
    inside = check.insideWorkspace;
  } else {
    folder = await ask.chooseFolder(check.reason);
    if (!folder) return undefined;
    inside = isInsideFolders(folder, workspaceFolders);
  }
  if (!inside && !(await ask.confirmOutside(folder))) return undefined;
  return folder;
}

/**
 * The configuration Update recreates `container` from: only a recorded one (it names the source folder,
 * the model and the conda file, all read from this machine). Throws with the reason when there is none;
 * undefined when the user declines a source folder outside the workspace.
 */
export async function configForUpdate(records: DeploymentRecords, container: RecordedContainer, workspaceFolders: readonly string[], ask: Pick<SourceQuestions, 'confirmOutside'>): Promise<LocalDeployConfig | undefined> {
  const check = records.check(container, workspaceFolders);
  if (!check.ok) throw new Error(l10n.t('{0} Deploy it again with "Deploy Locally (Docker)".', check.reason));
  if (!check.insideWorkspace && !(await ask.confirmOutside(check.config.sourceDir))) return undefined;
  return check.config;
}
