// What a local deployment is made of, without Docker: its configuration and how it is checked, the names
// and labels of its container, where the code and the model go in it, and how a failure is told. Used by the
// deployer (localDeploy.ts), the archive planner (deployArchive.ts), readiness (readiness.ts), the views and
// Run Doctor.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import { redactSecrets } from '../common/redact';
import type { EnvironmentError } from '../environment/builder';
import type { EnvironmentSpec } from '../environment/types';

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

/** The environment a configuration describes: its own, else the legacy fields (base image + conda file). */
export function environmentOf(config: LocalDeployConfig): EnvironmentSpec {
  return config.environment ?? { origin: `${config.endpoint}/${config.deployment}`, image: config.baseImage, condaFile: config.condaFile };
}

export type Progress = (message: string) => void;

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
