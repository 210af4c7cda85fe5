// Local deployments, what SDK v1's LocalWebservice gave users: deploy / reload / update / delete a
// scoring container from a project folder. The code goes to /var/azureml-app (AML_APP_ROOT), the model
// under /var/azureml-app/azureml-models/<name>/<version> (AZUREML_MODEL_DIR) laid out as Azure ML lays it
// out (a file at <dir>/<file>, a folder at <dir>/<folder>/...); the container serves GET /
// and POST /score on port 5001 through azmlinfsrv when the image has it, else the bundled harness.
// Files are copied into the container (not bind-mounted): works with remote engines and never writes
// into the user's folder. The image comes from the deployment's environment (src/environment: pulled,
// found by its content hash, or built) before anything else is created. Pure: takes a DockerClient and a
// Logger.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as l10n from '../common/l10n';
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import { redactSecrets } from '../common/redact';
import { resolveAzureEnvironment } from '../environment/azureEnvironment';
import { EnvironmentBuilder, EnvironmentError, type BuildSink, type EnvironmentOptions, type PreparedImage } from '../environment/builder';
import type { EnvironmentLookup, EnvironmentSpec } from '../environment/types';
import { ArchiveAbortedError, dedupeDirs, FileChangedError, fileEntry, packArchive, parentDirs, walkFolder, type ArchiveEntry, type SkippedEntry } from './archive';
import { DockerAbortError, DockerApiError, type ContainerDetails, type ContainerSummary, type DockerClient } from './client';
import { diffCode, manifestOf, MAX_MANIFEST_BYTES, parseManifest, type CodeManifest } from './codeSync';
import { AML_DOCTOR_LABEL } from './discovery';
import { portReach, reachableHost } from './endpoint';
import { httpRequest } from './http';

export const ENDPOINT_LABEL = 'aml-doctor.endpoint';
/** Informational: any image can set it, so it never chooses a host folder to read (see deploymentRecords.ts). */
export const SOURCE_LABEL = 'aml-doctor.source-dir';
export const CONFIG_LABEL = 'aml-doctor.config-hash';
/** The configuration the container was created from, for people reading `docker inspect`; never read back (see deploymentRecords.ts). */
export const CONFIG_JSON_LABEL = 'aml-doctor.config';
/** The image the container runs (the built environment image, or the base image as it is). */
export const ENV_IMAGE_LABEL = 'aml-doctor.env.image';
export const APP_ROOT = '/var/azureml-app';
export const HARNESS_ROOT = '/var/aml-doctor';
export const SCORING_PORT = 5001;
export const DEBUGPY_PORT = 5678;
/** What was copied to APP_ROOT (codeSync.ts): reload sends only what changed since. */
export const MANIFEST_PATH = `${HARNESS_ROOT}/code-manifest.json`;

export interface LocalDeployConfig {
  endpoint: string;
  deployment: string;
  /** Host folder copied to /var/azureml-app. */
  sourceDir: string;
  /** Entry script, relative to sourceDir. */
  entryScript: string;
  /** Model file or folder on the host (optional: some scripts need none). */
  modelPath?: string;
  modelName?: string;
  modelVersion?: string;
  /** Conda environment file (when `environment` is not given): built into the image, as Azure does. */
  condaFile?: string;
  /** The fallback base image: used when the environment names none. */
  baseImage: string;
  /** The deployment's environment (image, conda file, requirements, build context, azureml: reference). */
  environment?: EnvironmentSpec;
  /** Host port for 5001; 0 = a free port chosen by the engine. */
  port: number;
  /** memory_gb: the container's memory limit (no swap), like LocalWebservice. */
  memoryGb?: number;
  /** Debug mode: debugpy listens in the worker on 5678 (published on 127.0.0.1) and errors carry their text. */
  debug?: boolean;
  env?: Record<string, string>;
}

export interface DeployedInfo {
  id: string;
  name: string;
  scoringUri: string;
  port: number;
  debugPort?: number;
}

export interface ReloadInfo extends DeployedInfo {
  /** Files copied (new or changed) and paths removed in the container. */
  changedFiles: number;
  removed: number;
  /** How the new code was loaded. */
  restart: 'worker' | 'container';
}

/** "2 files copied, 1 removed, worker restarted" */
export function describeReload(info: ReloadInfo): string {
  const copied = info.changedFiles === 1 ? l10n.t('1 file copied') : l10n.t('{0} files copied', info.changedFiles);
  const removed = info.removed ? l10n.t(', {0} removed', info.removed) : '';
  return info.restart === 'worker' ? l10n.t('{0}{1}, worker restarted', copied, removed) : l10n.t('{0}{1}, container restarted', copied, removed);
}

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

export class LocalDeployError extends Error {
  /** The container's last log lines, redacted (they reach the log channel's file on disk). */
  readonly logTail: string;

  constructor(
    message: string,
    readonly kind: 'invalid-config' | 'image-missing' | 'build-failed' | 'oom' | 'exited' | 'timeout' | 'not-found' | 'cancelled',
    logTail = '',
    readonly containerId?: string,
    /** The environment failure behind 'image-missing' / 'build-failed' (its diagnosis marks file lines). */
    readonly environment?: EnvironmentError,
  ) {
    // The message may quote a container log line (describeCrash): it is shown and logged, so redact it too.
    super(redactSecrets(message));
    this.name = 'LocalDeployError';
    this.logTail = redactSecrets(logTail);
  }
}

export interface DeployerOptions {
  /** Folder with start.sh, aml_harness.py, gunicorn_conf.py, healthcheck.py (media/harness). */
  harnessDir: string;
  readinessTimeoutMs?: number;
  /** Poll interval while waiting for GET / to answer. */
  pollMs?: number;
  /** Source folders larger than this are refused with a clear message. */
  maxSourceBytes?: number;
  /**
   * What this session copied into each container (by id), shared by the deployers of one window: a
   * reload then skips reading the manifest back from the container (an archive read costs as much as
   * the copy). Without it, each reload reads the manifest kept in the container.
   */
  copied?: Map<string, CodeManifest>;
  /** Image map, package mirrors and proxies, registry credentials. */
  environment?: EnvironmentOptions;
  /** Reads registered `azureml:` environments (when signed in to Azure). */
  environmentLookup?: EnvironmentLookup;
}

/** What deploy() reports besides its steps: the build and pull output, as it comes. */
export interface DeployHooks {
  output?(text: string): void;
  /** The image is ready (built, found by hash or used as it is). */
  image?(prepared: PreparedImage): void;
}

/** The environment a configuration describes: its own, else the legacy fields (base image + conda file). */
export function environmentOf(config: LocalDeployConfig): EnvironmentSpec {
  return config.environment ?? { origin: `${config.endpoint}/${config.deployment}`, image: config.baseImage, condaFile: config.condaFile };
}

export type Progress = (message: string) => void;

/** Models are streamed (memory stays flat), but a copy this large is a wrong path, not a model. */
const MAX_MODEL_BYTES = 64 * 1024 ** 3;

/** Folders never copied into a container (caches, VCS, virtual environments, editor settings). */
export const SKIP_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints', '.vscode', '.idea']);

export function containerNameFor(endpoint: string, deployment: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const name = `${clean(endpoint)}.${clean(deployment)}`;
  return /^[a-zA-Z0-9]/.test(name) ? name : `d${name}`;
}

export function modelDirFor(config: Pick<LocalDeployConfig, 'modelPath' | 'modelName' | 'modelVersion'>): string {
  const name = config.modelName || (config.modelPath ? path.basename(config.modelPath).replace(/\.[^.]+$/, '') : 'model');
  return `${APP_ROOT}/azureml-models/${name}/${config.modelVersion || '1'}`;
}

/** Checks a configuration before anything touches Docker; every problem is named with its fix. */
export function validateConfig(config: LocalDeployConfig): string[] {
  const problems: string[] = [];
  if (!config.endpoint?.trim()) problems.push(l10n.t('The endpoint name is empty.'));
  if (!config.deployment?.trim()) problems.push(l10n.t('The deployment name is empty.'));
  if (!config.sourceDir || !fs.existsSync(config.sourceDir) || !fs.statSync(config.sourceDir).isDirectory()) {
    problems.push(l10n.t('The source folder {0} does not exist.', config.sourceDir || l10n.t('(empty)')));
  } else if (!config.entryScript || !fs.existsSync(path.join(config.sourceDir, config.entryScript))) {
    problems.push(l10n.t('The entry script {0} is not in the source folder {1}.', config.entryScript || l10n.t('(empty)'), config.sourceDir));
  } else if (path.relative(config.sourceDir, path.resolve(config.sourceDir, config.entryScript)).startsWith('..')) {
    problems.push(l10n.t('The entry script {0} must be inside the source folder {1}.', config.entryScript, config.sourceDir));
  }
  if (config.modelPath && !fs.existsSync(config.modelPath)) problems.push(l10n.t('The model path {0} does not exist.', config.modelPath));
  if (config.condaFile && !fs.existsSync(config.condaFile)) problems.push(l10n.t('The conda environment file {0} does not exist.', config.condaFile));
  const env = config.environment;
  if (!config.baseImage?.trim() && !env?.image && !env?.build && !env?.azureml) problems.push(l10n.t('No base image: set environment.image in the deployment YAML, or amlDoctor.localDeploy.baseImage.'));
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) problems.push(l10n.t('The port {0} is not 0 (any free port) or 1-65535.', config.port));
  if (config.memoryGb !== undefined && !(config.memoryGb >= 0.01)) problems.push(l10n.t('memory_gb {0} is too small to start anything (minimum 0.01).', config.memoryGb));
  return problems;
}

/** Stable hash of what a container was created from: a different hash means "update" must recreate. */
export function configHash(config: LocalDeployConfig): string {
  const { sourceDir: _s, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest, Object.keys(rest).sort())).digest('hex').slice(0, 16);
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`;
}

export class LocalDeployer {
  private readonly readinessTimeoutMs: number;
  private readonly pollMs: number;
  /** A worker restart takes well under a second: poll faster than for a cold start. */
  private readonly reloadPollMs: number;
  private readonly maxSourceBytes: number;
  /** One builder per deployer: it remembers which base images have conda. */
  readonly environments: EnvironmentBuilder;

  constructor(
    private readonly docker: DockerClient,
    private readonly log: Logger,
    private readonly options: DeployerOptions,
  ) {
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 120000;
    this.pollMs = options.pollMs ?? 250;
    this.reloadPollMs = Math.min(this.pollMs, 50);
    this.maxSourceBytes = options.maxSourceBytes ?? 256 * 1024 ** 2;
    this.environments = new EnvironmentBuilder(docker, log, options.environment);
  }

  /** The image of a configuration: resolved (azureml:), pulled, found by hash or built. */
  async prepareImage(config: LocalDeployConfig, progress: Progress, signal: AbortSignal | undefined, output: (text: string) => void): Promise<PreparedImage> {
    const sink: BuildSink = { progress, output };
    try {
      const spec = await resolveAzureEnvironment(environmentOf(config), this.options.environmentLookup, signal);
      return await this.environments.prepare(spec, config.baseImage, sink, signal);
    } catch (err) {
      if (!(err instanceof EnvironmentError)) throw err;
      const kind = err.kind === 'pull' ? 'image-missing' : err.kind === 'build' ? 'build-failed' : err.kind === 'cancelled' ? 'cancelled' : 'invalid-config';
      throw new LocalDeployError(err.message, kind, '', undefined, err);
    }
  }

  /**
   * The archive placed at / in the container: harness, code, model, conda file, and the manifest of
   * the code. Only names and sizes are collected here; packArchive() streams the bytes later.
   */
  async buildArchive(config: LocalDeployConfig, what: { code: boolean; model: boolean; harness: boolean }, signal?: AbortSignal): Promise<ArchivePlan> {
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
        add([{ ...(await fileEntry(path.join(this.options.harnessDir, f), `${harnessRoot}/${f}`)), mode: 0o755 }]);
      }
      if (config.condaFile) add([await fileEntry(config.condaFile, `${harnessRoot}/conda.yml`)]);
    }
    if (what.code) {
      add(parentDirs(APP_ROOT));
      const code = await walkFolder(config.sourceDir, APP_ROOT.slice(1), {
        skipDirs: SKIP_DIRS,
        maxBytes: this.maxSourceBytes,
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
    if (manifest) add([this.manifestEntry(manifest)]);
    // Directories first, once each: tar extraction needs parents before children.
    return { entries: dedupeDirs(entries), bytes, skipped, manifest };
  }

  private remember(id: string, manifest: CodeManifest): void {
    const copied = this.options.copied;
    if (!copied) return;
    copied.delete(id);
    copied.set(id, manifest);
    // A few dozen containers at most: forget the oldest beyond that.
    for (const old of copied.keys()) if (copied.size > 32) copied.delete(old);
  }

  private manifestEntry(manifest: CodeManifest): ArchiveEntry {
    const data = Buffer.from(JSON.stringify(manifest));
    return { name: MANIFEST_PATH.slice(1), type: 'file', size: data.length, mode: 0o644, mtimeMs: Date.now(), data };
  }

  /** Streams the planned archive into the container, reporting progress; cancellable. */
  private async copyIn(id: string, plan: ArchivePlan, what: string, progress: Progress, signal: AbortSignal | undefined): Promise<void> {
    for (const s of plan.skipped) this.log.warn(`not copied into the container: ${s.path} (${s.why})`);
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
      await this.docker.putArchive(id, '/', packArchive(plan.entries, { signal, onBytes }), { signal });
      if (plan.manifest) this.remember(id, plan.manifest);
    } catch (err) {
      // Half-copied: what the container holds is unknown, read it back next time.
      this.options.copied?.delete(id);
      if (err instanceof DockerAbortError || err instanceof ArchiveAbortedError || signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled while copying {0} into the container.', what), 'cancelled', '', id);
      if (err instanceof FileChangedError) throw new LocalDeployError(err.message, 'invalid-config', '', id);
      throw err;
    }
  }

  /** Containers of one local deployment (normally one). */
  async find(endpoint: string, deployment: string): Promise<ContainerSummary[]> {
    const all = await this.docker.listContainers();
    return all.filter((c) => c.labels[AML_DOCTOR_LABEL] === deployment && c.labels[ENDPOINT_LABEL] === endpoint);
  }

  /**
   * `prepared`: the image prepareImage() already made for this configuration (Run Doctor's step 4): run as
   * it is, nothing resolved, pulled or built again; the configuration keeps describing the environment.
   */
  async deploy(config: LocalDeployConfig, progress: Progress = () => undefined, signal?: AbortSignal, hooks: DeployHooks = {}, prepared?: Pick<PreparedImage, 'image' | 'runPrefix'>): Promise<DeployedInfo> {
    const problems = validateConfig(config);
    if (problems.length) throw new LocalDeployError(problems.join(' '), 'invalid-config');
    if (!prepared) {
      // The image first: a build that fails leaves the previous container serving.
      const made = await this.prepareImage(config, progress, signal, hooks.output ?? (() => undefined));
      hooks.image?.(made);
      prepared = made;
    }
    if (signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled before the container was created.'), 'cancelled');
    const plan = await this.buildArchive(config, { code: true, model: true, harness: true }, signal);
    if (signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled before the container was created.'), 'cancelled');
    const name = containerNameFor(config.endpoint, config.deployment);
    for (const old of await this.find(config.endpoint, config.deployment)) {
      progress(l10n.t('Removing the previous container {0}', old.name));
      await this.docker.remove(old.id, { force: true, volumes: true });
    }
    const modelDir = modelDirFor(config);
    progress(l10n.t('Creating {0}', name));
    let id: string;
    try {
      id = await this.docker.createContainer({
        name,
        image: prepared.image,
        // In a conda environment image the server runs inside it, as Azure ML's local endpoints run it.
        cmd: [...(prepared.runPrefix ?? []), '/bin/sh', `${HARNESS_ROOT}/start.sh`],
        workingDir: APP_ROOT,
        env: {
          AML_APP_ROOT: APP_ROOT,
          AZUREML_ENTRY_SCRIPT: config.entryScript.replace(/\\/g, '/'),
          AZUREML_MODEL_DIR: modelDir,
          AML_DOCTOR_PORT: String(SCORING_PORT),
          PYTHONUNBUFFERED: '1',
          ...(config.debug ? { AML_DOCTOR_DEBUGPY: '1', AML_DOCTOR_DEBUG: '1' } : {}),
          ...config.env,
        },
        labels: {
          [AML_DOCTOR_LABEL]: config.deployment,
          [ENDPOINT_LABEL]: config.endpoint,
          [SOURCE_LABEL]: config.sourceDir,
          'aml-doctor.entry-script': config.entryScript,
          'aml-doctor.model-dir': modelDir,
          [CONFIG_LABEL]: configHash(config),
          [ENV_IMAGE_LABEL]: prepared.image,
          [CONFIG_JSON_LABEL]: JSON.stringify({ ...config, env: undefined }),
        },
        ports: {
          [`${SCORING_PORT}/tcp`]: { hostIp: this.scoringBindIp(), hostPort: config.port },
          ...(config.debug ? { [`${DEBUGPY_PORT}/tcp`]: { hostIp: '127.0.0.1', hostPort: 0 } } : {}),
        },
        memoryBytes: config.memoryGb ? Math.round(config.memoryGb * 1024 ** 3) : undefined,
        healthcheck: {
          test: ['CMD-SHELL', `"$(command -v python3 || command -v python)" ${HARNESS_ROOT}/healthcheck.py`],
          intervalMs: 10000,
          timeoutMs: 5000,
          retries: 3,
          startPeriodMs: 60000,
        },
      });
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 409) {
        throw new LocalDeployError(l10n.t('A container named {0} already exists and is not one of this extension\'s deployments: rename the endpoint/deployment or remove that container.', name), 'invalid-config');
      }
      throw err;
    }
    try {
      await this.copyIn(id, plan, l10n.t('code and model'), progress, signal);
    } catch (err) {
      // Cancelled or failed half-way: the half-filled container goes.
      await this.docker.remove(id, { force: true, volumes: true }).catch(() => undefined);
      if (err instanceof LocalDeployError) throw new LocalDeployError(err.message, err.kind, err.logTail);
      throw err;
    }
    progress(l10n.t('Starting the scoring server'));
    try {
      await this.docker.start(id);
    } catch (err) {
      // A container that cannot start (port taken, bad mount...) is removed: nothing half-made stays.
      await this.docker.remove(id, { force: true, volumes: true }).catch(() => undefined);
      if (err instanceof DockerApiError && /address already in use|port is already allocated/i.test(err.message)) {
        throw new LocalDeployError(l10n.t('Port {0} on 127.0.0.1 is already in use: choose another amlDoctor.localDeploy.port, or 0 for any free port.', config.port), 'invalid-config');
      }
      throw err;
    }
    const info = await this.waitReady(id, undefined, progress, signal, config.memoryGb);
    this.log.info(`local deployment ${name} answers at ${info.scoringUri}`);
    return info;
  }

  /**
   * The code changed: copy only what changed since the last copy (new and changed files; files deleted
   * on the host are removed in the container) and restart the worker (gunicorn HUP), not the container.
   * Resolves once GET / answers from the new worker. `sourceDir` comes from the caller (what this extension
   * recorded, or the user's choice), never from the container's labels: any image can set them.
   */
  async reload(endpoint: string, deployment: string, sourceDir: string, progress: Progress = () => undefined, signal?: AbortSignal): Promise<ReloadInfo> {
    const [c] = await this.find(endpoint, deployment);
    if (!c) throw new LocalDeployError(l10n.t('No local deployment {0}/{1}: deploy it first.', endpoint, deployment), 'not-found');
    const details = await this.docker.inspectContainer(c.id);
    const entryScript = details.labels['aml-doctor.entry-script'] ?? 'score.py';
    if (!sourceDir || !fs.existsSync(sourceDir)) throw new LocalDeployError(l10n.t('The source folder {0} of {1} is gone: use update (recreate) instead.', sourceDir || l10n.t('(unknown)'), c.name), 'invalid-config');
    const [before, plan] = await Promise.all([
      this.options.copied?.get(c.id) ?? this.docker.readFile(c.id, MANIFEST_PATH, MAX_MANIFEST_BYTES).then(parseManifest, () => undefined),
      this.buildArchive({ sourceDir, entryScript } as LocalDeployConfig, { code: true, model: false, harness: false }, signal),
    ]);
    const codeEntries = plan.entries.filter((e) => e.name.startsWith(`${APP_ROOT.slice(1)}/`));
    const diff = diffCode(before, codeEntries, APP_ROOT.slice(1));
    if (diff.remove.length) {
      progress(diff.remove.length === 1 ? l10n.t('Removing 1 deleted path in {0}', c.name) : l10n.t('Removing {0} deleted paths in {1}', diff.remove.length, c.name));
      await this.removeInContainer(c.id, diff.remove);
    }
    if (diff.send.length || diff.remove.length) {
      // The changed entries and the new manifest, in one archive.
      const send = [...parentDirs(APP_ROOT), ...diff.send, ...plan.entries.filter((e) => e.name === MANIFEST_PATH.slice(1))];
      const sendPlan: ArchivePlan = { entries: dedupeDirs(send), bytes: diff.send.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0), skipped: plan.skipped, manifest: plan.manifest };
      await this.copyIn(c.id, sendPlan, diff.changedFiles === 1 ? l10n.t('1 changed file') : l10n.t('{0} changed files', diff.changedFiles), progress, signal);
    } else if (plan.manifest) {
      progress(l10n.t('No file changed since the last copy'));
      this.remember(c.id, plan.manifest);
    }
    const summary = { changedFiles: diff.changedFiles, removed: diff.remove.length };
    const memoryGb = details.memoryBytes ? details.memoryBytes / 1024 ** 3 : undefined;
    if (!details.state.running) {
      progress(l10n.t('Starting {0}', c.name));
      await this.docker.start(c.id);
      return { ...(await this.waitReady(c.id, undefined, progress, signal, memoryGb)), ...summary, restart: 'container' };
    }
    const uri = this.uriFrom(details);
    const worker = uri ? await this.workerId(uri) : undefined;
    if (worker && (worker.server === 'gunicorn' || (worker.server === undefined && (await this.pid1IsGunicorn(c.id))))) {
      progress(l10n.t('Restarting the worker (gunicorn HUP)'));
      await this.docker.kill(c.id, 'SIGHUP');
      return { ...(await this.waitReady(c.id, worker.id, progress, signal, memoryGb, this.reloadPollMs)), ...summary, restart: 'worker' };
    }
    progress(l10n.t('Restarting {0}', c.name));
    await this.docker.restart(c.id, 5);
    return { ...(await this.waitReady(c.id, undefined, progress, signal, memoryGb)), ...summary, restart: 'container' };
  }

  /** Removes paths (relative to APP_ROOT) in the container; argv only, no shell, in bounded batches. */
  private async removeInContainer(id: string, rel: string[]): Promise<void> {
    for (let i = 0; i < rel.length; i += 500) {
      const r = await this.docker.exec(id, ['rm', '-rf', '--', ...rel.slice(i, i + 500).map((p) => `${APP_ROOT}/${p}`)], { timeoutMs: 30000, maxOutputBytes: 64 * 1024 });
      if (r.exitCode !== 0) this.log.warn(`removing deleted files in the container: ${r.stderr.trim() || `exit code ${r.exitCode}`}`);
    }
  }

  /** Containers deployed before the harness named its server: look at PID 1. */
  private async pid1IsGunicorn(id: string): Promise<boolean> {
    const r = await this.docker.exec(id, ['cat', '/proc/1/cmdline'], { timeoutMs: 10000, maxOutputBytes: 64 * 1024 }).catch(() => undefined);
    return !!r && /gunicorn/.test(r.stdout);
  }

  /** Local engine: the scoring port on 127.0.0.1 only. Remote engine: on its interfaces, or nothing here could reach it. */
  private scoringBindIp(): string {
    return portReach(this.docker.endpoint).remote ? '0.0.0.0' : '127.0.0.1';
  }

  /** Model, environment, image or settings changed: recreate the container (keeping its port when it was chosen freely). */
  /** Recreates; the image is rebuilt only when the environment's content hash changed. */
  async update(config: LocalDeployConfig, progress: Progress = () => undefined, signal?: AbortSignal, hooks: DeployHooks = {}): Promise<DeployedInfo> {
    const [old] = await this.find(config.endpoint, config.deployment);
    let port = config.port;
    if (old && port === 0) {
      const d = await this.docker.inspectContainer(old.id).catch(() => undefined);
      port = d?.ports.find((p) => p.privatePort === SCORING_PORT)?.publicPort ?? 0;
    }
    return this.deploy({ ...config, port }, progress, signal, hooks);
  }

  /** Removes the deployment's containers and their anonymous volumes. Returns how many were removed. */
  async delete(endpoint: string, deployment: string): Promise<number> {
    const list = await this.find(endpoint, deployment);
    for (const c of list) await this.docker.remove(c.id, { force: true, volumes: true });
    return list.length;
  }

  private uriFrom(details: ContainerDetails): string | undefined {
    const p = details.ports.find((x) => x.privatePort === SCORING_PORT && x.publicPort);
    const host = p?.publicPort ? reachableHost(p.ip, portReach(this.docker.endpoint)) : undefined;
    if (!host) return undefined;
    return `http://${host.includes(':') ? `[${host}]` : host}:${p!.publicPort}/score`;
  }

  /** The harness's worker id and server (gunicorn, werkzeug...) from GET /; undefined without the harness. */
  private async workerId(scoringUri: string): Promise<{ id: string; server?: string } | undefined> {
    try {
      const r = await httpRequest(scoringUri.replace(/\/score$/, '/'), { timeoutMs: 2000 });
      const id = r.headers['x-aml-doctor-worker'];
      return r.status === 200 && id ? { id, server: r.headers['x-aml-doctor-server'] } : undefined;
    } catch {
      return undefined;
    }
  }

  private async logTail(id: string, lines = 40): Promise<string> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of this.docker.logs(id, { tail: lines })) chunks.push(c);
    } catch {
      /* the container may be gone */
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Waits until GET / answers 200 (from a new worker when previousWorker is given), or names why not. */
  private async waitReady(id: string, previousWorker: string | undefined, progress: Progress, signal: AbortSignal | undefined, memoryGb: number | undefined, pollMs = this.pollMs): Promise<DeployedInfo> {
    progress(l10n.t('Waiting for GET / to answer'));
    const deadline = Date.now() + this.readinessTimeoutMs;
    for (;;) {
      if (signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled while waiting for the scoring server; the container is left running for its logs.'), 'cancelled', '', id);
      const d = await this.docker.inspectContainer(id);
      // Docker flags OOMKilled only when the main process dies; OOM-killed gunicorn workers show as oom events.
      const startedSec = Date.parse(d.state.startedAt) / 1000;
      const oom = d.state.oomKilled || (startedSec > 0 && (await this.docker.pastEvents(startedSec - 1, Date.now() / 1000, ['oom'])).some((e) => e.id === id));
      if (oom) {
        const limit = memoryGb ? `memory_gb=${+memoryGb.toFixed(3)} (${Math.round(memoryGb * 1024)} MB)` : l10n.t('the memory limit');
        throw new LocalDeployError(
          l10n.t('The scoring server ran out of memory: the kernel killed it (OOMKilled) under {0}. init() or the model needs more memory: raise memory_gb (amlDoctor.localDeploy.memoryGb) or load a smaller model.', limit),
          'oom',
          await this.logTail(id),
          id,
        );
      }
      if (!d.state.running && !d.state.restarting) {
        const tail = await this.logTail(id);
        throw new LocalDeployError(l10n.t('The container {0} exited with code {1} before it served: {2}', d.name, d.state.exitCode, describeCrash(tail, d.state.exitCode)), 'exited', tail, id);
      }
      const uri = this.uriFrom(d);
      if (uri) {
        try {
          const r = await httpRequest(uri.replace(/\/score$/, '/'), { timeoutMs: 2000 });
          const worker = r.headers['x-aml-doctor-worker'];
          if (r.status === 200 && (previousWorker === undefined || (worker && worker !== previousWorker))) {
            const debugPort = d.ports.find((p) => p.privatePort === DEBUGPY_PORT)?.publicPort;
            return { id, name: d.name, scoringUri: uri, port: Number(new URL(uri).port), debugPort };
          }
        } catch {
          /* not listening yet */
        }
      }
      if (Date.now() > deadline) {
        const tail = await this.logTail(id);
        throw new LocalDeployError(
          l10n.t('The scoring server did not answer GET / within {0} s (the container is {1}). {2}', Math.round(this.readinessTimeoutMs / 1000), d.state.status, describeCrash(tail, undefined) || l10n.t('A slow init() (large model download or load) is the usual cause: see the container logs.')),
          'timeout',
          tail,
          id,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

/** One sentence on why a scoring server died, from its last log lines. */
export function describeCrash(logTail: string, exitCode: number | undefined): string {
  const lines = logTail.split('\n').map((l) => l.trim()).filter(Boolean);
  const exc = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b(:|$)/.test(l));
  if (lines.some((l) => /User's init function failed|init\(\) raised/.test(l)) || (exc && lines.some((l) => /Worker failed to boot/.test(l)))) {
    return exc ? l10n.t('init() in the entry script raised {0}.', exc) : l10n.t('init() in the entry script raised an exception.');
  }
  if (lines.some((l) => /Entry script not found|has no run\(\) function/.test(l))) return lines.find((l) => /Entry script not found|has no run\(\) function/.test(l))!;
  if (exc) return l10n.t('the scoring server failed with {0}.', exc);
  if (exitCode === 137) return l10n.t('it was killed (SIGKILL, exit 137): usually out of memory.');
  if (exitCode === 127) return l10n.t('a command was not found (exit 127): the image lacks Python or the server.');
  return exitCode !== undefined ? l10n.t('exit code {0}; see the container logs.', exitCode) : '';
}
