// Docker access behind a small interface. The dockerode implementation honours DOCKER_HOST and the
// default socket, bounds every call with a timeout, and turns connection failures into typed reasons.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { lazyRequire } from '../common/lazyRequire';

/** dockerode (with its grpc/ssh2 dependencies, ~700 KB) is its own bundle, loaded on the first Docker call. */
function loadDockerode(): typeof Docker {
  return lazyRequire<typeof Docker>('dockerode.js', 'dockerode');
}
import { DockerStreamDemuxer, JsonLineSplitter } from './streams';

export type DockerUnavailableReason = 'not-running' | 'permission-denied' | 'timeout' | 'error';

export class DockerUnavailableError extends Error {
  constructor(readonly reason: DockerUnavailableReason, message: string, readonly endpoint: string) {
    super(message);
    this.name = 'DockerUnavailableError';
  }
}

/** The engine answered with an HTTP error (404 no such container, 409 conflict...). */
export class DockerApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'DockerApiError';
  }
}

export interface PortMapping {
  privatePort: number;
  publicPort?: number;
  ip?: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  labels: Record<string, string>;
  ports: PortMapping[];
  created: number;
  /** The container's command line as `docker ps` shows it. */
  command?: string;
}

export interface ContainerState {
  status: string; // created | running | paused | restarting | removing | exited | dead
  running: boolean;
  restarting: boolean;
  oomKilled: boolean;
  exitCode: number;
  error: string;
  startedAt: string;
  finishedAt: string;
  health?: { status: string; failingStreak: number; lastOutput?: string };
}

export interface ContainerDetails {
  id: string;
  name: string;
  image: string;
  created: string;
  labels: Record<string, string>;
  env: string[];
  state: ContainerState;
  restartCount: number;
  ports: PortMapping[];
  memoryBytes: number;
  /** The engine's full inspect document (for the read-only "Inspect" view). */
  raw: unknown;
}

export interface DockerEvent {
  type: string;
  action: string;
  id: string;
  labels: Record<string, string>;
  time: number;
  /** Nanosecond timestamp: identifies an event across a replay and the live stream. */
  timeNano: number;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd?: string[];
  /** Overrides the image's ENTRYPOINT ([] clears it). */
  entrypoint?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workingDir?: string;
  /** containerPort ("5001/tcp") -> host binding; hostPort 0 = let the engine choose. */
  ports?: Record<string, { hostIp: string; hostPort: number }>;
  memoryBytes?: number;
  healthcheck?: { test: string[]; intervalMs: number; timeoutMs: number; retries: number; startPeriodMs: number };
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A process started in a container with stdin attached (e.g. debugpy's adapter speaking DAP on stdio). */
export interface InteractiveExec {
  write(data: string | Buffer): void;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves with the exit code (undefined when unknown) once the process or the connection ends. */
  exited: Promise<number | undefined>;
  close(): void;
}

export interface DockerClient {
  readonly endpoint: string;
  ping(): Promise<void>;
  listContainers(): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerDetails>;
  /** Container events until the signal aborts (iteration ends) or the engine goes away (iteration throws). */
  events(signal: AbortSignal): AsyncIterable<DockerEvent>;
  /** Replays past container events from the engine's buffer (seconds since epoch; until must not be in the future). */
  pastEvents(sinceSec: number, untilSec: number, actions?: string[]): Promise<DockerEvent[]>;
  /** Demultiplexed stdout+stderr; with follow, ends when the container stops or is removed. */
  logs(id: string, options?: LogOptions): AsyncIterable<Buffer>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds?: number): Promise<void>;
  restart(id: string, timeoutSeconds?: number): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  remove(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  putArchive(id: string, containerPath: string, tar: Buffer): Promise<void>;
  exec(id: string, cmd: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  execInteractive(id: string, cmd: string[]): Promise<InteractiveExec>;
  imageExists(image: string): Promise<boolean>;
  /** Image metadata, or undefined when the engine does not have it. */
  inspectImage(image: string): Promise<ImageDetails | undefined>;
  /** The engine's platform (GET /version): which images its containers can run. */
  enginePlatform(): Promise<{ os: string; architecture: string }>;
  /** POST /build with a tar context: the engine's JSON messages as they come; aborting the signal cancels the build. */
  buildImage(context: Buffer | NodeJS.ReadableStream, options: BuildOptions): AsyncIterable<EngineMessage>;
  /** POST /images/create: the engine's JSON progress messages; aborting the signal cancels the pull. */
  pullImage(image: string, options?: PullOptions): AsyncIterable<EngineMessage>;
}

export interface ImageDetails {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  env: string[];
  os: string;
  architecture: string;
  size: number;
}

/** One JSON message of a build or pull stream (Docker's jsonmessage). */
export interface EngineMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

export interface BuildOptions {
  tag: string;
  /** Path of the Dockerfile inside the context (default "Dockerfile"). */
  dockerfile?: string;
  /** "host": RUN steps share the host's network (they reach servers on its loopback). */
  networkmode?: string;
  buildargs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Registry credentials for FROM images, by registry host. */
  registryconfig?: Record<string, RegistryAuth>;
  signal?: AbortSignal;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress?: string;
}

export interface PullOptions {
  auth?: RegistryAuth;
  /** e.g. linux/amd64 */
  platform?: string;
  signal?: AbortSignal;
}

export interface DockerClientOptions {
  /** e.g. unix:///var/run/docker.sock, tcp://host:2375; empty = DOCKER_HOST, then the default socket. */
  host?: string;
  /** Bound for quick calls (ping, list, inspect); slow calls (stop, create, archive) get a larger bound. */
  timeoutMs?: number;
}

export function resolveDockerEndpoint(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const h = host?.trim() || env.DOCKER_HOST?.trim();
  return h || 'unix:///var/run/docker.sock';
}

function modemOptions(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  if (endpoint.startsWith('npipe://')) return { socketPath: endpoint.slice('npipe://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/** The host where published ports are reachable: the engine's host for tcp://, else this machine. */
export function publishedHost(endpoint: string): string {
  if (endpoint.startsWith('tcp://') || endpoint.startsWith('http')) {
    try {
      return new URL(endpoint.replace(/^tcp:/, 'http:')).hostname || '127.0.0.1';
    } catch {
      return '127.0.0.1';
    }
  }
  return '127.0.0.1';
}

/** Maps a low-level error to a reason and a sentence a user can act on. */
export function classifyDockerError(err: unknown, endpoint: string): DockerUnavailableError {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || /ENOENT|ECONNREFUSED/.test(msg)) {
    return new DockerUnavailableError('not-running', `The Docker engine is not running (nothing answers at ${endpoint}).`, endpoint);
  }
  if (code === 'EACCES' || /EACCES|permission denied/i.test(msg)) {
    return new DockerUnavailableError(
      'permission-denied',
      `Permission denied on the Docker socket ${endpoint}. Add your user to the "docker" group (sudo usermod -aG docker $USER, then sign out and in) or use rootless Docker.`,
      endpoint,
    );
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(msg)) {
    return new DockerUnavailableError('timeout', `The Docker engine at ${endpoint} did not answer in time.`, endpoint);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|ECONNRESET|EPIPE/.test(msg)) {
    return new DockerUnavailableError('not-running', `The connection to the Docker engine at ${endpoint} was closed (is it stopping?).`, endpoint);
  }
  return new DockerUnavailableError('error', `Docker at ${endpoint} failed: ${msg}`, endpoint);
}

function apiMessage(err: { statusCode?: number; json?: { message?: string }; reason?: string; message?: string }): string {
  // Streaming calls (pull, build) carry the engine's text only in docker-modem's message: "(HTTP code 500) server error - <text>".
  const detail = /^\(HTTP code \d+\) [^\n]*? - ([\s\S]+)$/.exec(err.message ?? '')?.[1]?.trim();
  return err.json?.message ?? (detail || undefined) ?? err.reason ?? err.message ?? `HTTP ${err.statusCode}`;
}

function mapPorts(ports: Record<string, { HostIp: string; HostPort: string }[] | null> | undefined): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const privatePort = Number(key.split('/')[0]);
    if (!bindings || bindings.length === 0) out.push({ privatePort });
    else for (const b of bindings) out.push({ privatePort, publicPort: Number(b.HostPort) || undefined, ip: b.HostIp || undefined });
  }
  return out;
}

function toEvent(raw: any): DockerEvent {
  return {
    type: raw.Type ?? raw.type ?? '',
    action: raw.Action ?? raw.status ?? '',
    id: raw.Actor?.ID ?? raw.id ?? '',
    labels: raw.Actor?.Attributes ?? {},
    time: raw.time ?? 0,
    timeNano: raw.timeNano ?? (raw.time ?? 0) * 1e9,
  };
}

export class DockerodeClient implements DockerClient {
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private modems?: { quick: Docker; slow: Docker; streaming: Docker };

  constructor(options: DockerClientOptions = {}) {
    this.endpoint = resolveDockerEndpoint(options.host);
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private connections(): { quick: Docker; slow: Docker; streaming: Docker } {
    if (!this.modems) {
      const DockerCtor = loadDockerode();
      const base = modemOptions(this.endpoint);
      const t = this.timeoutMs;
      this.modems = {
        quick: new DockerCtor({ ...base, timeout: t }),
        slow: new DockerCtor({ ...base, timeout: Math.max(t, 120000) }),
        // Streams carry no idle bound, but connecting is bounded (docker-modem's connectionTimeout).
        streaming: new DockerCtor({ ...base, connectionTimeout: t } as Docker.DockerOptions),
      };
    }
    return this.modems;
  }
  /** Short calls: an idle socket past the bound is an engine that hangs. */
  private get quick(): Docker {
    return this.connections().quick;
  }
  /** Calls that legitimately take long (stop waits for the process, archives upload). */
  private get slow(): Docker {
    return this.connections().slow;
  }
  /** Streams (events, followed logs) stay idle for long: only the connection is bounded. */
  private get streaming(): Docker {
    return this.connections().streaming;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { statusCode?: number };
      if (e?.statusCode) throw new DockerApiError(e.statusCode, apiMessage(err as any)); // the engine answered
      throw classifyDockerError(err, this.endpoint);
    }
  }

  async ping(): Promise<void> {
    await this.call(() => this.quick.ping());
  }

  async listContainers(): Promise<ContainerSummary[]> {
    const list = await this.call(() => this.quick.listContainers({ all: true }));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      status: c.Status,
      labels: c.Labels ?? {},
      ports: (c.Ports ?? []).map((p) => ({ privatePort: p.PrivatePort, publicPort: p.PublicPort, ip: p.IP })),
      created: c.Created,
      command: c.Command,
    }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    const d = await this.call(() => this.quick.getContainer(id).inspect());
    const h = d.State.Health;
    return {
      id: d.Id,
      name: d.Name.replace(/^\//, ''),
      image: d.Config.Image,
      created: d.Created,
      labels: d.Config.Labels ?? {},
      env: d.Config.Env ?? [],
      state: {
        status: d.State.Status,
        running: d.State.Running,
        restarting: d.State.Restarting,
        oomKilled: d.State.OOMKilled,
        exitCode: d.State.ExitCode,
        error: d.State.Error ?? '',
        startedAt: d.State.StartedAt,
        finishedAt: d.State.FinishedAt,
        health: h ? { status: h.Status, failingStreak: h.FailingStreak, lastOutput: h.Log?.[h.Log.length - 1]?.Output } : undefined,
      },
      restartCount: d.RestartCount ?? 0,
      ports: mapPorts(d.NetworkSettings?.Ports as any),
      memoryBytes: d.HostConfig?.Memory ?? 0,
      raw: d,
    };
  }

  async *events(signal: AbortSignal): AsyncIterable<DockerEvent> {
    const stream = (await this.call(() =>
      (this.streaming.getEvents as any)({ filters: { type: ['container'] }, abortSignal: signal }) as Promise<unknown>,
    )) as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const split = new JsonLineSplitter();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const raw of split.push(chunk)) yield toEvent(raw);
      }
    } catch (err) {
      if (signal.aborted) return;
      throw classifyDockerError(err, this.endpoint);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
    if (!signal.aborted) throw new DockerUnavailableError('not-running', `The Docker engine at ${this.endpoint} closed the event stream.`, this.endpoint);
  }

  async pastEvents(sinceSec: number, untilSec: number, actions?: string[]): Promise<DockerEvent[]> {
    const filters: Record<string, string[]> = { type: ['container'] };
    if (actions?.length) filters.event = actions;
    const stream = (await this.call(
      () => (this.quick.getEvents as any)({ since: String(Math.floor(sinceSec)), until: String(Math.floor(untilSec)), filters }) as Promise<unknown>,
    )) as AsyncIterable<Buffer>;
    const split = new JsonLineSplitter();
    const out: DockerEvent[] = [];
    try {
      for await (const chunk of stream) for (const raw of split.push(chunk)) out.push(toEvent(raw));
    } catch (err) {
      throw classifyDockerError(err, this.endpoint);
    }
    return out;
  }

  async *logs(id: string, options: LogOptions = {}): AsyncIterable<Buffer> {
    const container = this.streaming.getContainer(id);
    const opts = { stdout: true, stderr: true, follow: options.follow ?? false, tail: options.tail ?? 'all', timestamps: options.timestamps ?? false } as const;
    const result = await this.call(() => (container.logs as any)(opts) as Promise<unknown>);
    const demux = new DockerStreamDemuxer();
    if (Buffer.isBuffer(result)) {
      for (const f of demux.push(result)) yield f.data;
      return;
    }
    const stream = result as unknown as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = () => stream.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) for (const f of demux.push(chunk)) yield f.data;
    } catch (err) {
      // Aborted by the reader, or the engine dropped the connection: both simply end the stream.
      if (!options.signal?.aborted && !/aborted|premature close|ECONNRESET/i.test(String((err as Error)?.message))) throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async start(id: string): Promise<void> {
    await this.call(() => this.slow.getContainer(id).start());
  }

  async stop(id: string, timeoutSeconds = 10): Promise<void> {
    await this.call(() => this.slow.getContainer(id).stop({ t: timeoutSeconds })).catch((err) => {
      if (err instanceof DockerApiError && err.statusCode === 304) return; // already stopped
      throw err;
    });
  }

  async restart(id: string, timeoutSeconds = 10): Promise<void> {
    await this.call(() => this.slow.getContainer(id).restart({ t: timeoutSeconds }));
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.call(() => this.quick.getContainer(id).kill({ signal }));
  }

  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.call(() => this.slow.getContainer(id).remove({ force: options.force ?? false, v: options.volumes ?? true }));
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const [cport, b] of Object.entries(spec.ports ?? {})) {
      exposed[cport] = {};
      bindings[cport] = [{ HostIp: b.hostIp, HostPort: b.hostPort ? String(b.hostPort) : '' }];
    }
    const hc = spec.healthcheck;
    const ms = 1_000_000; // the API takes nanoseconds
    const c = await this.call(() =>
      this.slow.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.cmd,
        ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        WorkingDir: spec.workingDir,
        ExposedPorts: exposed,
        Healthcheck: hc ? { Test: hc.test, Interval: hc.intervalMs * ms, Timeout: hc.timeoutMs * ms, Retries: hc.retries, StartPeriod: hc.startPeriodMs * ms } : undefined,
        HostConfig: {
          PortBindings: bindings,
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
        },
      }),
    );
    return c.id;
  }

  async putArchive(id: string, containerPath: string, tar: Buffer): Promise<void> {
    await this.call(() => (this.slow.getContainer(id).putArchive as any)(tar, { path: containerPath }) as Promise<unknown>);
  }

  async exec(id: string, cmd: string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const container = this.slow.getContainer(id);
    const exec = await this.call(() => container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true }));
    const stream = (await this.call(() => exec.start({ hijack: true, stdin: false }))) as NodeJS.ReadableStream & { destroy(): void };
    const demux = new DockerStreamDemuxer();
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    const timer = setTimeout(() => stream.destroy(), options.timeoutMs ?? 60000);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const f of demux.push(chunk)) (f.stream === 'stderr' ? errs : out).push(f.data);
      }
    } catch {
      /* a destroyed socket ends the output */
    } finally {
      clearTimeout(timer);
    }
    const info = await this.call(() => exec.inspect());
    if (info.Running) throw new Error(`"${cmd.join(' ')}" did not finish within ${options.timeoutMs ?? 60000} ms`);
    return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString() };
  }

  async execInteractive(id: string, cmd: string[]): Promise<InteractiveExec> {
    // The streaming modem: a debug session stays idle for long, only connecting is bounded.
    const container = this.streaming.getContainer(id);
    const exec = await this.call(() => container.exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false }));
    const socket = (await this.call(() => exec.start({ hijack: true, stdin: true }))) as NodeJS.ReadWriteStream & { destroy(): void };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const demux = new DockerStreamDemuxer();
    socket.on('data', (chunk: Buffer) => {
      for (const f of demux.push(chunk)) (f.stream === 'stderr' ? stderr : stdout).write(f.data);
    });
    const exited = new Promise<number | undefined>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        stdout.end();
        stderr.end();
        exec.inspect().then(
          (info) => resolve(info.ExitCode ?? undefined),
          () => resolve(undefined),
        );
      };
      socket.on('end', finish);
      socket.on('close', finish);
      socket.on('error', finish);
    });
    return {
      write: (data) => void socket.write(data),
      stdout,
      stderr,
      exited,
      close: () => socket.destroy(),
    };
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.call(() => this.quick.getImage(image).inspect());
      return true;
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  async inspectImage(image: string): Promise<ImageDetails | undefined> {
    try {
      const d = await this.call(() => this.quick.getImage(image).inspect());
      return {
        id: d.Id,
        repoTags: d.RepoTags ?? [],
        labels: d.Config?.Labels ?? {},
        env: d.Config?.Env ?? [],
        os: d.Os,
        architecture: d.Architecture,
        size: d.Size,
      };
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async enginePlatform(): Promise<{ os: string; architecture: string }> {
    const v = await this.call(() => this.quick.version());
    return { os: v.Os, architecture: v.Arch };
  }

  buildImage(context: Buffer | NodeJS.ReadableStream, options: BuildOptions): AsyncIterable<EngineMessage> {
    const opts: Record<string, unknown> = { t: options.tag, dockerfile: options.dockerfile ?? 'Dockerfile', rm: true, forcerm: true };
    if (options.networkmode) opts.networkmode = options.networkmode;
    if (options.buildargs) opts.buildargs = options.buildargs;
    if (options.labels) opts.labels = options.labels;
    if (options.registryconfig) opts.registryconfig = options.registryconfig;
    if (options.signal) opts.abortSignal = options.signal;
    // Builds run for minutes with quiet stretches (a long pip install): only connecting is bounded.
    return this.messages(() => this.streaming.buildImage(context as any, opts as Docker.ImageBuildOptions) as Promise<unknown>, options.signal);
  }

  pullImage(image: string, options: PullOptions = {}): AsyncIterable<EngineMessage> {
    const opts: Record<string, unknown> = {};
    if (options.platform) opts.platform = options.platform;
    if (options.signal) opts.abortSignal = options.signal;
    if (options.auth) opts.authconfig = options.auth;
    return this.messages(() => (this.streaming.pull as any)(image, opts) as Promise<unknown>, options.signal);
  }

  /** Reads a JSON-lines progress stream; ends quietly when the signal aborts it. */
  private async *messages(open: () => Promise<unknown>, signal: AbortSignal | undefined): AsyncIterable<EngineMessage> {
    const stream = (await this.call(open)) as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = () => stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    const split = new JsonLineSplitter();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const m of split.push(chunk)) if (m && typeof m === 'object') yield m as EngineMessage;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw classifyDockerError(err, this.endpoint);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }
}
