// Local deployments, what SDK v1's LocalWebservice gave users: deploy / reload / update / delete a
// scoring container from a project folder. The code goes to /var/azureml-app (AML_APP_ROOT), the model
// to /var/azureml-app/azureml-models/<name>/<version> (AZUREML_MODEL_DIR); the container serves GET /
// and POST /score on port 5001 through azmlinfsrv when the image has it, else the bundled harness.
// Files are copied into the container (not bind-mounted): works with remote engines and never writes
// into the user's folder. Pure: takes a DockerClient and a Logger.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import { redactSecrets } from '../common/redact';
import { DockerApiError, publishedHost, type ContainerDetails, type ContainerSummary, type DockerClient } from './client';
import { AML_DOCTOR_LABEL } from './discovery';
import { httpRequest } from './http';
import { createTar, type TarEntry } from './streams';

export const ENDPOINT_LABEL = 'aml-doctor.endpoint';
export const SOURCE_LABEL = 'aml-doctor.source-dir';
export const CONFIG_LABEL = 'aml-doctor.config-hash';
/** The full configuration the container was created from (host paths, names, limits): update re-reads it. */
export const CONFIG_JSON_LABEL = 'aml-doctor.config';
export const APP_ROOT = '/var/azureml-app';
export const HARNESS_ROOT = '/var/aml-doctor';
export const SCORING_PORT = 5001;
export const DEBUGPY_PORT = 5678;

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
  /** Conda environment file: copied for reference; the base image's Python runs the code. */
  condaFile?: string;
  baseImage: string;
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

export class LocalDeployError extends Error {
  /** The container's last log lines, redacted (they reach the log channel's file on disk). */
  readonly logTail: string;

  constructor(
    message: string,
    readonly kind: 'invalid-config' | 'image-missing' | 'oom' | 'exited' | 'timeout' | 'not-found' | 'cancelled',
    logTail = '',
    readonly containerId?: string,
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
}

export type Progress = (message: string) => void;

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints', '.vscode', '.idea']);

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
  if (!config.endpoint?.trim()) problems.push('The endpoint name is empty.');
  if (!config.deployment?.trim()) problems.push('The deployment name is empty.');
  if (!config.sourceDir || !fs.existsSync(config.sourceDir) || !fs.statSync(config.sourceDir).isDirectory()) {
    problems.push(`The source folder ${config.sourceDir || '(empty)'} does not exist.`);
  } else if (!config.entryScript || !fs.existsSync(path.join(config.sourceDir, config.entryScript))) {
    problems.push(`The entry script ${config.entryScript || '(empty)'} is not in the source folder ${config.sourceDir}.`);
  } else if (path.relative(config.sourceDir, path.resolve(config.sourceDir, config.entryScript)).startsWith('..')) {
    problems.push(`The entry script ${config.entryScript} must be inside the source folder ${config.sourceDir}.`);
  }
  if (config.modelPath && !fs.existsSync(config.modelPath)) problems.push(`The model path ${config.modelPath} does not exist.`);
  if (config.condaFile && !fs.existsSync(config.condaFile)) problems.push(`The conda environment file ${config.condaFile} does not exist.`);
  if (!config.baseImage?.trim()) problems.push('No base image: set amlDoctor.localDeploy.baseImage or environment.image in the deployment YAML.');
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) problems.push(`The port ${config.port} is not 0 (any free port) or 1-65535.`);
  if (config.memoryGb !== undefined && !(config.memoryGb >= 0.01)) problems.push(`memory_gb ${config.memoryGb} is too small to start anything (minimum 0.01).`);
  return problems;
}

/** Reads an Azure ML online-deployment YAML (the CLI v2 schema) into a local deployment configuration. */
export function configFromDeploymentYaml(text: string, yamlPath: string, defaults: { baseImage: string; port?: number; memoryGb?: number }): LocalDeployConfig {
  let doc: any;
  try {
    // Required here, not at the top: the YAML library initialises on the first deployment, not at activation.
    const { parse: parseYaml } = require('yaml') as typeof import('yaml');
    doc = parseYaml(text);
  } catch (err) {
    throw new LocalDeployError(`${yamlPath} is not valid YAML: ${(err as Error).message}`, 'invalid-config');
  }
  if (!doc || typeof doc !== 'object') throw new LocalDeployError(`${yamlPath} is empty or not a mapping.`, 'invalid-config');
  const dir = path.dirname(yamlPath);
  const rel = (p: unknown) => (typeof p === 'string' && p ? path.resolve(dir, p) : undefined);
  const code = doc.code_configuration ?? {};
  const model = typeof doc.model === 'object' && doc.model ? doc.model : {};
  const env = typeof doc.environment === 'object' && doc.environment ? doc.environment : {};
  const sourceDir = rel(code.code) ?? dir;
  if (!code.scoring_script) throw new LocalDeployError(`${yamlPath} has no code_configuration.scoring_script.`, 'invalid-config');
  return {
    endpoint: String(doc.endpoint_name ?? 'local-endpoint'),
    deployment: String(doc.name ?? 'blue'),
    sourceDir,
    entryScript: String(code.scoring_script),
    modelPath: rel(model.path),
    modelName: model.name ? String(model.name) : undefined,
    modelVersion: model.version !== undefined ? String(model.version) : undefined,
    condaFile: rel(env.conda_file),
    baseImage: defaults.baseImage || String(env.image ?? ''),
    port: defaults.port ?? 0,
    memoryGb: defaults.memoryGb,
  };
}

/** Stable hash of what a container was created from: a different hash means "update" must recreate. */
export function configHash(config: LocalDeployConfig): string {
  const { sourceDir: _s, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest, Object.keys(rest).sort())).digest('hex').slice(0, 16);
}

function walk(root: string, rel: string, out: TarEntry[], budget: { bytes: number; max: number }, prefix: string): void {
  const abs = path.join(root, rel);
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(root, r);
    let st: fs.Stats;
    try {
      st = fs.statSync(full); // follows symlinks; a dangling link is skipped
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || e.isSymbolicLink()) continue;
      out.push({ path: `${prefix}/${r}/` });
      walk(root, r, out, budget, prefix);
    } else if (st.isFile()) {
      budget.bytes += st.size;
      if (budget.bytes > budget.max) {
        throw new LocalDeployError(`The source folder ${root} holds more than ${Math.round(budget.max / 1024 ** 2)} MB: point the deployment at a smaller code folder (move data and models out of it).`, 'invalid-config');
      }
      out.push({ path: `${prefix}/${r}`, data: fs.readFileSync(full), mode: st.mode & 0o111 ? 0o755 : 0o644 });
    }
  }
}

function dirEntries(dir: string): TarEntry[] {
  const parts = dir.replace(/^\//, '').split('/');
  return parts.map((_, i) => ({ path: `${parts.slice(0, i + 1).join('/')}/` }));
}

export class LocalDeployer {
  private readonly readinessTimeoutMs: number;
  private readonly pollMs: number;
  private readonly maxSourceBytes: number;

  constructor(
    private readonly docker: DockerClient,
    private readonly log: Logger,
    private readonly options: DeployerOptions,
  ) {
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 120000;
    this.pollMs = options.pollMs ?? 250;
    this.maxSourceBytes = options.maxSourceBytes ?? 256 * 1024 ** 2;
  }

  /** The archive placed at / in the container: harness, code, model, conda file. */
  buildArchive(config: LocalDeployConfig, what: { code: boolean; model: boolean; harness: boolean }): Buffer {
    const entries: TarEntry[] = [];
    if (what.harness) {
      entries.push(...dirEntries(HARNESS_ROOT));
      for (const f of ['start.sh', 'aml_harness.py', 'gunicorn_conf.py', 'healthcheck.py']) {
        entries.push({ path: `${HARNESS_ROOT.slice(1)}/${f}`, data: fs.readFileSync(path.join(this.options.harnessDir, f)), mode: 0o755 });
      }
      if (config.condaFile) entries.push({ path: `${HARNESS_ROOT.slice(1)}/conda.yml`, data: fs.readFileSync(config.condaFile) });
    }
    if (what.code) {
      entries.push(...dirEntries(APP_ROOT));
      walk(config.sourceDir, '', entries, { bytes: 0, max: this.maxSourceBytes }, APP_ROOT.slice(1));
    }
    if (what.model && config.modelPath) {
      const modelDir = modelDirFor(config);
      entries.push(...dirEntries(modelDir));
      const st = fs.statSync(config.modelPath);
      if (st.isDirectory()) walk(config.modelPath, '', entries, { bytes: 0, max: 64 * 1024 ** 3 }, modelDir.slice(1));
      else entries.push({ path: `${modelDir.slice(1)}/${path.basename(config.modelPath)}`, data: fs.readFileSync(config.modelPath) });
    }
    // Directories first, once each: tar extraction needs parents before children.
    const seen = new Set<string>();
    return createTar(entries.filter((e) => (e.path.endsWith('/') ? !seen.has(e.path) && seen.add(e.path) : true)));
  }

  /** Containers of one local deployment (normally one). */
  async find(endpoint: string, deployment: string): Promise<ContainerSummary[]> {
    const all = await this.docker.listContainers();
    return all.filter((c) => c.labels[AML_DOCTOR_LABEL] === deployment && c.labels[ENDPOINT_LABEL] === endpoint);
  }

  async deploy(config: LocalDeployConfig, progress: Progress = () => undefined, signal?: AbortSignal): Promise<DeployedInfo> {
    const problems = validateConfig(config);
    if (problems.length) throw new LocalDeployError(problems.join(' '), 'invalid-config');
    progress(`Checking the base image ${config.baseImage}`);
    if (!(await this.docker.imageExists(config.baseImage))) {
      throw new LocalDeployError(
        `The base image ${config.baseImage} is not on this Docker engine (${this.docker.endpoint}). Pull it first (docker pull ${config.baseImage}) or set amlDoctor.localDeploy.baseImage to an image you have.`,
        'image-missing',
      );
    }
    const archive = this.buildArchive(config, { code: true, model: true, harness: true });
    const name = containerNameFor(config.endpoint, config.deployment);
    for (const old of await this.find(config.endpoint, config.deployment)) {
      progress(`Removing the previous container ${old.name}`);
      await this.docker.remove(old.id, { force: true, volumes: true });
    }
    const modelDir = modelDirFor(config);
    progress(`Creating ${name}`);
    let id: string;
    try {
      id = await this.docker.createContainer({
        name,
        image: config.baseImage,
        cmd: ['/bin/sh', `${HARNESS_ROOT}/start.sh`],
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
          [CONFIG_JSON_LABEL]: JSON.stringify({ ...config, env: undefined }),
        },
        ports: {
          [`${SCORING_PORT}/tcp`]: { hostIp: '127.0.0.1', hostPort: config.port },
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
        throw new LocalDeployError(`A container named ${name} already exists and is not one of this extension's deployments: rename the endpoint/deployment or remove that container.`, 'invalid-config');
      }
      throw err;
    }
    progress(`Copying code and model (${(archive.length / 1024 ** 2).toFixed(1)} MB)`);
    await this.docker.putArchive(id, '/', archive);
    progress('Starting the scoring server');
    try {
      await this.docker.start(id);
    } catch (err) {
      // A container that cannot start (port taken, bad mount...) is removed: nothing half-made stays.
      await this.docker.remove(id, { force: true, volumes: true }).catch(() => undefined);
      if (err instanceof DockerApiError && /address already in use|port is already allocated/i.test(err.message)) {
        throw new LocalDeployError(`Port ${config.port} on 127.0.0.1 is already in use: choose another amlDoctor.localDeploy.port, or 0 for any free port.`, 'invalid-config');
      }
      throw err;
    }
    const info = await this.waitReady(id, undefined, progress, signal, config.memoryGb);
    this.log.info(`local deployment ${name} answers at ${info.scoringUri}`);
    return info;
  }

  /** score.py changed: copy the code again and restart the worker (gunicorn HUP), no new container. */
  async reload(endpoint: string, deployment: string, progress: Progress = () => undefined, signal?: AbortSignal): Promise<DeployedInfo> {
    const [c] = await this.find(endpoint, deployment);
    if (!c) throw new LocalDeployError(`No local deployment ${endpoint}/${deployment}: deploy it first.`, 'not-found');
    const details = await this.docker.inspectContainer(c.id);
    const sourceDir = details.labels[SOURCE_LABEL];
    const entryScript = details.labels['aml-doctor.entry-script'] ?? 'score.py';
    if (!sourceDir || !fs.existsSync(sourceDir)) throw new LocalDeployError(`The source folder ${sourceDir ?? '(unknown)'} of ${c.name} is gone: use update (recreate) instead.`, 'invalid-config');
    progress(`Copying ${sourceDir} into ${c.name}`);
    const archive = this.buildArchive({ sourceDir, entryScript } as LocalDeployConfig, { code: true, model: false, harness: false });
    await this.docker.putArchive(c.id, '/', archive);
    const memoryGb = details.memoryBytes ? details.memoryBytes / 1024 ** 3 : undefined;
    if (!details.state.running) {
      progress(`Starting ${c.name}`);
      await this.docker.start(c.id);
      return this.waitReady(c.id, undefined, progress, signal, memoryGb);
    }
    const pid1 = await this.docker.exec(c.id, ['cat', '/proc/1/cmdline'], { timeoutMs: 10000 }).catch(() => ({ exitCode: 1, stdout: '', stderr: '' }));
    const uri = this.uriFrom(details);
    const before = uri ? await this.workerId(uri) : undefined;
    if (/gunicorn/.test(pid1.stdout) && before) {
      progress('Restarting the worker (gunicorn HUP)');
      await this.docker.kill(c.id, 'SIGHUP');
      return this.waitReady(c.id, before, progress, signal, memoryGb);
    }
    progress(`Restarting ${c.name}`);
    await this.docker.restart(c.id, 5);
    return this.waitReady(c.id, undefined, progress, signal, memoryGb);
  }

  /** Model, environment, image or settings changed: recreate the container (keeping its port when it was chosen freely). */
  async update(config: LocalDeployConfig, progress: Progress = () => undefined, signal?: AbortSignal): Promise<DeployedInfo> {
    const [old] = await this.find(config.endpoint, config.deployment);
    let port = config.port;
    if (old && port === 0) {
      const d = await this.docker.inspectContainer(old.id).catch(() => undefined);
      port = d?.ports.find((p) => p.privatePort === SCORING_PORT)?.publicPort ?? 0;
    }
    return this.deploy({ ...config, port }, progress, signal);
  }

  /** The configuration a deployment was created with (from its label), for "update" from the tree. */
  async configOf(endpoint: string, deployment: string): Promise<LocalDeployConfig | undefined> {
    const [c] = await this.find(endpoint, deployment);
    const raw = c?.labels[CONFIG_JSON_LABEL];
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as LocalDeployConfig;
    } catch {
      return undefined;
    }
  }

  /** Removes the deployment's containers and their anonymous volumes. Returns how many were removed. */
  async delete(endpoint: string, deployment: string): Promise<number> {
    const list = await this.find(endpoint, deployment);
    for (const c of list) await this.docker.remove(c.id, { force: true, volumes: true });
    return list.length;
  }

  private uriFrom(details: ContainerDetails): string | undefined {
    const p = details.ports.find((x) => x.privatePort === SCORING_PORT && x.publicPort);
    if (!p?.publicPort) return undefined;
    const host = p.ip && p.ip !== '0.0.0.0' ? p.ip : publishedHost(this.docker.endpoint);
    return `http://${host}:${p.publicPort}/score`;
  }

  private async workerId(scoringUri: string): Promise<string | undefined> {
    try {
      const r = await httpRequest(scoringUri.replace(/\/score$/, '/'), { timeoutMs: 2000 });
      return r.status === 200 ? r.headers['x-aml-doctor-worker'] ?? '' : undefined;
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
  private async waitReady(id: string, previousWorker: string | undefined, progress: Progress, signal: AbortSignal | undefined, memoryGb: number | undefined): Promise<DeployedInfo> {
    progress('Waiting for GET / to answer');
    const deadline = Date.now() + this.readinessTimeoutMs;
    for (;;) {
      if (signal?.aborted) throw new LocalDeployError('Cancelled while waiting for the scoring server; the container is left running for its logs.', 'cancelled', '', id);
      const d = await this.docker.inspectContainer(id);
      // Docker flags OOMKilled only when the main process dies; OOM-killed gunicorn workers show as oom events.
      const startedSec = Date.parse(d.state.startedAt) / 1000;
      const oom = d.state.oomKilled || (startedSec > 0 && (await this.docker.pastEvents(startedSec - 1, Date.now() / 1000, ['oom'])).some((e) => e.id === id));
      if (oom) {
        const limit = memoryGb ? `memory_gb=${+memoryGb.toFixed(3)} (${Math.round(memoryGb * 1024)} MB)` : 'the memory limit';
        throw new LocalDeployError(
          `The scoring server ran out of memory: the kernel killed it (OOMKilled) under ${limit}. init() or the model needs more memory: raise memory_gb (amlDoctor.localDeploy.memoryGb) or load a smaller model.`,
          'oom',
          await this.logTail(id),
          id,
        );
      }
      if (!d.state.running && !d.state.restarting) {
        const tail = await this.logTail(id);
        throw new LocalDeployError(`The container ${d.name} exited with code ${d.state.exitCode} before it served: ${describeCrash(tail, d.state.exitCode)}`, 'exited', tail, id);
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
          `The scoring server did not answer GET / within ${Math.round(this.readinessTimeoutMs / 1000)} s (the container is ${d.state.status}). ${describeCrash(tail, undefined) || 'A slow init() (large model download or load) is the usual cause: see the container logs.'}`,
          'timeout',
          tail,
          id,
        );
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}

/** One sentence on why a scoring server died, from its last log lines. */
export function describeCrash(logTail: string, exitCode: number | undefined): string {
  const lines = logTail.split('\n').map((l) => l.trim()).filter(Boolean);
  const exc = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b(:|$)/.test(l));
  if (lines.some((l) => /User's init function failed|init\(\) raised/.test(l)) || (exc && lines.some((l) => /Worker failed to boot/.test(l)))) {
    return `init() in the entry script raised ${exc ?? 'an exception'}.`;
  }
  if (lines.some((l) => /Entry script not found|has no run\(\) function/.test(l))) return lines.find((l) => /Entry script not found|has no run\(\) function/.test(l))!;
  if (exc) return `the scoring server failed with ${exc}.`;
  if (exitCode === 137) return 'it was killed (SIGKILL, exit 137): usually out of memory.';
  if (exitCode === 127) return 'a command was not found (exit 127): the image lacks Python or the server.';
  return exitCode !== undefined ? `exit code ${exitCode}; see the container logs.` : '';
}
