// Docker access behind a small interface. The dockerode implementation reaches the engine named by
// the setting, DOCKER_HOST or the default socket (endpoint.ts), bounds every call with a timeout, and
// turns connection failures into typed reasons.
import * as l10n from '../common/l10n';
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type * as TarStream from 'tar-stream';
import { lazyRequire } from '../common/lazyRequire';
import { DockerHostError, engineConnection, resolveDockerEndpoint, type EngineConnection } from './endpoint';

/** dockerode (with its grpc/ssh2 dependencies, ~700 KB) is its own bundle, loaded on the first Docker call. */
function loadDockerode(): typeof Docker {
  return lazyRequire<typeof Docker>('dockerode.js', 'dockerode');
}
import { DockerStreamDemuxer, HeadTailCapture, JsonLineSplitter } from './streams';

export { resolveDockerEndpoint };

/** bad-host: the host setting cannot be used (unsupported scheme, missing TLS files). */
export type DockerUnavailableReason = 'not-running' | 'permission-denied' | 'timeout' | 'bad-host' | 'error';

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
  /** Only what was written from this time on (seconds since the epoch, fractions allowed): one run's log. */
  since?: number;
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
  /** Captured output, head and tail kept when longer than the cap (the text says how much was cut). */
  stdout: string;
  stderr: string;
  /** True when the output was longer than the cap. */
  truncated?: boolean;
}

export interface ExecOptions {
  /** The command is killed (inside the container) after this long; default 60 s. */
  timeoutMs?: number;
  /** Bytes of stdout and of stderr kept (first half + last half); default 1 MiB each. */
  maxOutputBytes?: number;
}

/** A command run with exec() did not finish in time: its connection was closed and the process killed. */
export class ExecTimeoutError extends Error {
  constructor(
    message: string,
    /** What it printed until then (capped). */
    readonly stdout: string,
    readonly stderr: string,
    /** False when the process could not be killed inside the container (no sh/grep/kill there). */
    readonly killed: boolean,
  ) {
    super(message);
    this.name = 'ExecTimeoutError';
  }
}

/** A copy into the container was cancelled through its AbortSignal. */
export class DockerAbortError extends Error {
  constructor(what: string) {
    super(l10n.t('{0} was cancelled.', what));
    this.name = 'DockerAbortError';
  }
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
  /** Extracts a tar stream at containerPath; the signal aborts the upload (DockerAbortError). */
  putArchive(id: string, containerPath: string, tar: Readable, options?: { signal?: AbortSignal }): Promise<void>;
  /** One regular file from the container (undefined when it is not there); refused over maxBytes. */
  readFile(id: string, containerPath: string, maxBytes: number): Promise<Buffer | undefined>;
  exec(id: string, cmd: string[], options?: ExecOptions): Promise<ExecResult>;
  /** `env` is added to the process's environment (e.g. a mark to find the process and its children again). */
  execInteractive(id: string, cmd: string[], options?: { env?: Record<string, string> }): Promise<InteractiveExec>;
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
  /** unix://, npipe://, tcp:// (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), https://, ssh://; empty = DOCKER_HOST, then the default socket. */
  host?: string;
  /** Bound for quick calls (ping, list, inspect); slow calls (stop, create, archive) get a larger bound. */
  timeoutMs?: number;
  /** The environment DOCKER_* and SSH_AUTH_SOCK are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The home folder holding .docker/ and .ssh/ (default os.homedir()). */
  home?: string;
}

const TLS_CODES = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_SIGNATURE_FAILURE)$/;

/** Maps a low-level error to a reason and a sentence a user can act on. */
export function classifyDockerError(err: unknown, endpoint: string): DockerUnavailableError {
  if (err instanceof DockerUnavailableError) return err;
  const e = err as NodeJS.ErrnoException & { message?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (TLS_CODES.test(code)) {
    return new DockerUnavailableError('error', l10n.t('The TLS certificate of the Docker engine at {0} could not be verified ({1}: {2}). Check that DOCKER_CERT_PATH holds the engine\'s ca.pem and that the certificate names this host.', endpoint, code, msg), endpoint);
  }
  if (/alert certificate required|alert bad certificate|alert unknown ca|handshake failure/i.test(msg)) {
    return new DockerUnavailableError('error', l10n.t('The Docker engine at {0} refused the TLS client certificate ({1}): DOCKER_CERT_PATH needs the cert.pem/key.pem the engine trusts.', endpoint, msg.trim()), endpoint);
  }
  if (/Host denied \(verification failed\)/.test(msg)) {
    return new DockerUnavailableError('error', l10n.t('The SSH host key of {0} is not in ~/.ssh/known_hosts (or does not match it): connect once with ssh to check and accept it, then refresh.', endpoint), endpoint);
  }
  if (/All configured authentication methods failed/.test(msg)) {
    return new DockerUnavailableError('error', l10n.t('SSH login to {0} failed: load your key into ssh-agent (SSH_AUTH_SOCK) or put it in ~/.ssh/id_ed25519, and check the user name.', endpoint), endpoint);
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || /ENOENT|ECONNREFUSED/.test(msg)) {
    return new DockerUnavailableError('not-running', l10n.t('The Docker engine is not running (nothing answers at {0}).', endpoint), endpoint);
  }
  if (code === 'EACCES' || /EACCES|permission denied/i.test(msg)) {
    return new DockerUnavailableError(
      'permission-denied',
      l10n.t('Permission denied on the Docker socket {0}. Add your user to the "docker" group (sudo usermod -aG docker $USER, then sign out and in) or use rootless Docker.', endpoint),
      endpoint,
    );
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(msg)) {
    return new DockerUnavailableError('timeout', l10n.t('The Docker engine at {0} did not answer in time.', endpoint), endpoint);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|ECONNRESET|EPIPE/.test(msg)) {
    return new DockerUnavailableError('not-running', l10n.t('The connection to the Docker engine at {0} was closed (is it stopping?).', endpoint), endpoint);
  }
  return new DockerUnavailableError('error', l10n.t('Docker at {0} failed: {1}', endpoint, msg), endpoint);
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
  /** Things worth a log line about the connection (TLS verification source, no SSH key...). */
  readonly notes: string[] = [];
  private readonly timeoutMs: number;
  private readonly connection: EngineConnection | undefined;
  private readonly hostError: DockerHostError | undefined;
  private modems?: { quick: Docker; slow: Docker; streaming: Docker; upload: Docker };

  constructor(options: DockerClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    try {
      this.connection = engineConnection(options.host, { env: options.env, home: options.home });
      this.endpoint = this.connection.endpoint;
      this.notes.push(...this.connection.notes);
    } catch (err) {
      if (!(err instanceof DockerHostError)) throw err;
      this.hostError = err;
      this.endpoint = resolveDockerEndpoint(options.host, options.env ?? process.env);
    }
  }

  private connections(): { quick: Docker; slow: Docker; streaming: Docker; upload: Docker } {
    if (!this.connection) throw new DockerUnavailableError('bad-host', this.hostError!.message, this.endpoint);
    if (!this.modems) {
      const DockerCtor = loadDockerode();
      const base = this.connection.options as Docker.DockerOptions;
      const t = this.timeoutMs;
      const make = (bounds: { timeout?: number; connectionTimeout?: number }) => new DockerCtor({ ...base, timeout: undefined, connectionTimeout: undefined, ...bounds } as Docker.DockerOptions);
      // docker-modem's `timeout` is a socket idle bound; `connectionTimeout` bounds the wait for the
      // answer to start. An ssh2 channel has no setTimeout, so over ssh calls are bounded until their
      // answer starts, and dead connections are found by ssh keepalives (endpoint.ts).
      const ssh = this.connection.options.protocol === 'ssh';
      const slow = Math.max(t, 120000);
      this.modems = {
        quick: make(ssh ? { connectionTimeout: t } : { timeout: t }),
        slow: make(ssh ? { connectionTimeout: slow } : { timeout: slow }),
        // Streams carry no idle bound, but the wait for their start is bounded.
        streaming: make({ connectionTimeout: t }),
        // An upload answers only once every byte is sent: only an idle socket is an engine that hangs.
        upload: make(ssh ? {} : { timeout: slow }),
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
    if (!signal.aborted) throw new DockerUnavailableError('not-running', l10n.t('The Docker engine at {0} closed the event stream.', this.endpoint), this.endpoint);
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
    const opts = {
      stdout: true,
      stderr: true,
      follow: options.follow ?? false,
      tail: options.tail ?? 'all',
      timestamps: options.timestamps ?? false,
      ...(options.since !== undefined ? { since: options.since.toFixed(9) } : {}),
    } as const;
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

  async putArchive(id: string, containerPath: string, tar: Readable, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) {
      tar.destroy();
      throw new DockerAbortError(l10n.t('The copy into the container'));
    }
    // One controller ends the request (docker-modem's abortSignal) and the archive (its reads stop):
    // on the caller's abort, and when the archive fails on our side (a file changed, unreadable),
    // even before docker-modem has attached to it.
    const request = new AbortController();
    let archiveError: Error | undefined;
    const onAbort = () => {
      request.abort();
      tar.destroy();
    };
    const onArchiveError = (err: Error) => {
      archiveError ??= err;
      request.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    tar.on('error', onArchiveError);
    try {
      await this.call(() => (this.connections().upload.getContainer(id).putArchive as any)(tar, { path: containerPath, abortSignal: request.signal }) as Promise<unknown>);
    } catch (err) {
      if (signal?.aborted) throw new DockerAbortError(l10n.t('The copy into the container'));
      if (archiveError) throw archiveError;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      tar.destroy();
      tar.off('error', onArchiveError);
    }
  }

  async readFile(id: string, containerPath: string, maxBytes: number): Promise<Buffer | undefined> {
    let stream: NodeJS.ReadableStream & { destroy(): void };
    try {
      stream = (await this.call(() => (this.quick.getContainer(id).getArchive as any)({ path: containerPath }) as Promise<unknown>)) as typeof stream;
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 404) return undefined;
      throw err;
    }
    const tar = (lazyRequire<typeof TarStream & { tarStream?: typeof TarStream }>('dockerode.js', 'tar-stream'));
    const extract = (tar.tarStream ?? tar).extract();
    return new Promise<Buffer | undefined>((resolve, reject) => {
      let result: Buffer | undefined;
      let settled = false;
      const finish = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        stream.destroy();
        extract.destroy();
        if (err) reject(err);
        else resolve(result);
      };
      extract.on('entry', (header, body, next) => {
        if (result !== undefined || header.type !== 'file') {
          body.resume();
          body.on('end', next);
          return;
        }
        if ((header.size ?? 0) > maxBytes) return finish(new Error(l10n.t('{0} in the container is {1} bytes, more than the {2} expected.', containerPath, header.size ?? 0, maxBytes)));
        const parts: Buffer[] = [];
        let size = 0;
        body.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) return finish(new Error(l10n.t('{0} in the container is larger than {1} bytes.', containerPath, maxBytes)));
          parts.push(c);
        });
        body.on('end', () => {
          result = Buffer.concat(parts);
          // The first file is all we want: stop reading the rest of the archive.
          finish(undefined);
        });
      });
      extract.on('finish', () => finish(undefined));
      extract.on('error', (err: Error) => finish(err));
      stream.on('error', (err: Error) => finish(classifyDockerError(err, this.endpoint)));
      stream.pipe(extract);
    });
  }

  async exec(id: string, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 60000;
    const container = this.slow.getContainer(id);
    // A marker in the process's environment: on timeout, the process and its children are found by
    // it inside the container and killed (the Docker API has no way to stop an exec).
    const marker = `AML_DOCTOR_EXEC=${randomUUID()}`;
    const exec = await this.call(() => container.exec({ Cmd: cmd, Env: [marker], AttachStdout: true, AttachStderr: true }));
    const stream = (await this.call(() => exec.start({ hijack: true, stdin: false }))) as NodeJS.ReadableStream & { destroy(): void };
    const demux = new DockerStreamDemuxer();
    const out = new HeadTailCapture(options.maxOutputBytes);
    const errs = new HeadTailCapture(options.maxOutputBytes);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stream.destroy();
    }, timeoutMs);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const f of demux.push(chunk)) (f.stream === 'stderr' ? errs : out).push(f.data);
      }
    } catch {
      /* a destroyed socket ends the output */
    } finally {
      clearTimeout(timer);
      stream.destroy();
    }
    const info = timedOut ? undefined : await this.call(() => exec.inspect());
    if (!info || info.Running) {
      const killed = await this.killMarked(id, marker);
      throw new ExecTimeoutError(
        killed
          ? l10n.t('"{0}" did not finish within {1} ms and was stopped.', cmd.join(' '), timeoutMs)
          : l10n.t('"{0}" did not finish within {1} ms: it could not be stopped inside the container (no sh, grep or kill there) and may still run.', cmd.join(' '), timeoutMs),
        out.text(),
        errs.text(),
        killed,
      );
    }
    return { exitCode: info.ExitCode ?? -1, stdout: out.text(), stderr: errs.text(), truncated: out.truncated || errs.truncated };
  }

  /** Kills (SIGKILL) every process in the container whose environment holds the marker; true when none is left. */
  private async killMarked(id: string, marker: string): Promise<boolean> {
    // Up to five passes: a process may fork between a scan and its kill. Exit 0 when none is left.
    const script =
      'i=0; while [ $i -lt 5 ]; do found=0; for f in /proc/[0-9]*/environ; do ' +
      'if grep -q -a -F -- "$1" "$f" 2>/dev/null; then p=${f#/proc/}; kill -9 "${p%/environ}" 2>/dev/null && found=1; fi; done; ' +
      '[ $found = 0 ] && exit 0; i=$((i+1)); done; exit 3';
    try {
      const container = this.slow.getContainer(id);
      const killer = await container.exec({ Cmd: ['sh', '-c', script, 'sh', marker], AttachStdout: true, AttachStderr: true });
      const s = (await killer.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy(): void };
      const t = setTimeout(() => s.destroy(), 10000);
      try {
        for await (const _ of s as AsyncIterable<Buffer>) {
          /* drain */
        }
      } catch {
        /* destroyed */
      } finally {
        clearTimeout(t);
        s.destroy();
      }
      const info = await killer.inspect();
      return !info.Running && info.ExitCode === 0;
    } catch {
      return false;
    }
  }

  async execInteractive(id: string, cmd: string[], options: { env?: Record<string, string> } = {}): Promise<InteractiveExec> {
    // The streaming modem: a debug session stays idle for long, only connecting is bounded.
    const container = this.streaming.getContainer(id);
    const Env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const exec = await this.call(() => container.exec({ Cmd: cmd, Env, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false }));
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
