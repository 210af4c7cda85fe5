// Docker access behind a small interface. The dockerode implementation honours DOCKER_HOST and the
// default socket, bounds every call with a timeout, and turns connection failures into typed reasons.
import Docker from 'dockerode';

export type DockerUnavailableReason = 'not-running' | 'permission-denied' | 'timeout' | 'error';

export class DockerUnavailableError extends Error {
  constructor(readonly reason: DockerUnavailableReason, message: string, readonly endpoint: string) {
    super(message);
    this.name = 'DockerUnavailableError';
  }
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  labels: Record<string, string>;
  ports: { privatePort: number; publicPort?: number; ip?: string }[];
  created: number;
}

export interface DockerClient {
  readonly endpoint: string;
  ping(): Promise<void>;
  listContainers(): Promise<ContainerSummary[]>;
}

export interface DockerClientOptions {
  /** e.g. unix:///var/run/docker.sock, tcp://host:2375; empty = DOCKER_HOST, then the default socket. */
  host?: string;
  timeoutMs?: number;
}

export function resolveDockerEndpoint(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const h = host?.trim() || env.DOCKER_HOST?.trim();
  return h || 'unix:///var/run/docker.sock';
}

function modemOptions(endpoint: string, timeoutMs: number): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length), timeout: timeoutMs };
  if (endpoint.startsWith('npipe://')) return { socketPath: endpoint.slice('npipe://'.length), timeout: timeoutMs };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http', timeout: timeoutMs };
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
  return new DockerUnavailableError('error', `Docker at ${endpoint} failed: ${msg}`, endpoint);
}

export class DockerodeClient implements DockerClient {
  readonly endpoint: string;
  private readonly docker: Docker;

  constructor(options: DockerClientOptions = {}) {
    this.endpoint = resolveDockerEndpoint(options.host);
    this.docker = new Docker(modemOptions(this.endpoint, options.timeoutMs ?? 5000));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode) throw err; // the engine answered: not a connectivity problem
      throw classifyDockerError(err, this.endpoint);
    }
  }

  async ping(): Promise<void> {
    await this.call(() => this.docker.ping());
  }

  async listContainers(): Promise<ContainerSummary[]> {
    const list = await this.call(() => this.docker.listContainers({ all: true }));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      status: c.Status,
      labels: c.Labels ?? {},
      ports: (c.Ports ?? []).map((p) => ({ privatePort: p.PrivatePort, publicPort: p.PublicPort, ip: p.IP })),
      created: c.Created,
    }));
  }
}
