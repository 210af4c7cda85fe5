// Local deployments, what SDK v1's LocalWebservice gave users: deploy / reload / update / delete a
// scoring container from a project folder. The code goes to /var/azureml-app (AML_APP_ROOT), the model
// under /var/azureml-app/azureml-models/<name>/<version> (AZUREML_MODEL_DIR) laid out as Azure ML lays it
// out (a file at <dir>/<file>, a folder at <dir>/<folder>/...); the container serves GET /
// and POST /score on port 5001 through azmlinfsrv when the image has it, else the bundled harness.
// Files are copied into the container (not bind-mounted): works with remote engines and never writes
// into the user's folder. The image comes from the deployment's environment (src/environment: pulled,
// found by its content hash, or built) before anything else is created. Pure: takes a DockerClient and a
// Logger. The configuration and its checks live in localDeployConfig.ts, the archive in deployArchive.ts,
// readiness in readiness.ts.
import * as fs from 'node:fs';
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import { resolveAzureEnvironment } from '../environment/azureEnvironment';
import { EnvironmentBuilder, EnvironmentError, type BuildSink, type EnvironmentOptions, type PreparedImage } from '../environment/builder';
import type { EnvironmentLookup } from '../environment/types';
import { dedupeDirs, parentDirs } from './archive';
import { DockerApiError, type ContainerSummary, type DockerClient } from './client';
import { diffCode, MAX_MANIFEST_BYTES, parseManifest, type CodeManifest } from './codeSync';
import { copyArchive, planArchive, rememberCopy, type ArchivePlan } from './deployArchive';
import { AML_DOCTOR_LABEL } from './discovery';
import { portReach } from './endpoint';
import {
  APP_ROOT,
  CONFIG_JSON_LABEL,
  CONFIG_LABEL,
  configHash,
  containerNameFor,
  DEBUGPY_PORT,
  ENDPOINT_LABEL,
  ENV_IMAGE_LABEL,
  environmentOf,
  HARNESS_ROOT,
  LocalDeployError,
  MANIFEST_PATH,
  modelDirFor,
  SCORING_PORT,
  SOURCE_LABEL,
  validateConfig,
  type DeployedInfo,
  type LocalDeployConfig,
  type Progress,
  type ReloadInfo,
} from './localDeployConfig';
import { Readiness } from './readiness';

// The configuration, its checks, names and labels (localDeployConfig.ts) and the archive plan are part of
// this module's interface: callers import them from here.
export * from './localDeployConfig';
export type { ArchivePlan } from './deployArchive';

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

export class LocalDeployer {
  private readonly pollMs: number;
  /** A worker restart takes well under a second: poll faster than for a cold start. */
  private readonly reloadPollMs: number;
  private readonly maxSourceBytes: number;
  /** One builder per deployer: it remembers which base images have conda. */
  readonly environments: EnvironmentBuilder;
  private readonly readiness: Readiness;

  constructor(
    private readonly docker: DockerClient,
    private readonly log: Logger,
    private readonly options: DeployerOptions,
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.reloadPollMs = Math.min(this.pollMs, 50);
    this.maxSourceBytes = options.maxSourceBytes ?? 256 * 1024 ** 2;
    this.environments = new EnvironmentBuilder(docker, log, options.environment);
    this.readiness = new Readiness(docker, options.readinessTimeoutMs ?? 120000);
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

  /** The archive placed at / in the container (see planArchive). */
  async buildArchive(config: LocalDeployConfig, what: { code: boolean; model: boolean; harness: boolean }, signal?: AbortSignal): Promise<ArchivePlan> {
    return planArchive(config, what, { harnessDir: this.options.harnessDir, maxSourceBytes: this.maxSourceBytes, signal });
  }

  private copyIn(id: string, plan: ArchivePlan, what: string, progress: Progress, signal: AbortSignal | undefined): Promise<void> {
    return copyArchive(this.docker, this.log, id, plan, what, progress, signal, this.options.copied);
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
    const info = await this.readiness.waitReady(id, undefined, progress, signal, config.memoryGb, this.pollMs);
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
      rememberCopy(this.options.copied, c.id, plan.manifest);
    }
    const summary = { changedFiles: diff.changedFiles, removed: diff.remove.length };
    const memoryGb = details.memoryBytes ? details.memoryBytes / 1024 ** 3 : undefined;
    if (!details.state.running) {
      progress(l10n.t('Starting {0}', c.name));
      await this.docker.start(c.id);
      return { ...(await this.readiness.waitReady(c.id, undefined, progress, signal, memoryGb, this.pollMs)), ...summary, restart: 'container' };
    }
    const uri = this.readiness.uriFrom(details);
    const worker = uri ? await this.readiness.workerId(uri) : undefined;
    if (worker && (worker.server === 'gunicorn' || (worker.server === undefined && (await this.pid1IsGunicorn(c.id))))) {
      progress(l10n.t('Restarting the worker (gunicorn HUP)'));
      await this.docker.kill(c.id, 'SIGHUP');
      return { ...(await this.readiness.waitReady(c.id, worker.id, progress, signal, memoryGb, this.reloadPollMs)), ...summary, restart: 'worker' };
    }
    progress(l10n.t('Restarting {0}', c.name));
    await this.docker.restart(c.id, 5);
    return { ...(await this.readiness.waitReady(c.id, undefined, progress, signal, memoryGb, this.pollMs)), ...summary, restart: 'container' };
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
}
