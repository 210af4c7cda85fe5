// Where the Docker engine is and how to reach it: amlDoctor.docker.host, else DOCKER_HOST, else the
// default socket; TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH as the docker CLI reads them, https://,
// ssh:// (docker-modem runs `docker system dial-stdio` over ssh2, host key checked against known_hosts),
// unix:// and npipe://. Every option is given explicitly: docker-modem would otherwise fill the gaps
// from DOCKER_HOST and friends, and a setting pointing at one engine could reach another.
import * as l10n from '../common/l10n';
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

/** The host setting cannot be used as it is (unsupported scheme, missing certificate...). */
export class DockerHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerHostError';
  }
}

/** What dockerode's constructor takes (a subset of Docker.DockerOptions, every key set). */
export interface ModemOptions {
  socketPath: string | undefined;
  host: string | undefined;
  port: number | undefined;
  protocol: 'http' | 'https' | 'ssh' | undefined;
  pathPrefix: string | undefined;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  username: string | undefined;
  sshOptions: Record<string, unknown> | undefined;
  timeout: number | undefined;
}

export interface EngineConnection {
  /** The endpoint as shown to the user (no credentials). */
  endpoint: string;
  options: ModemOptions;
  /** Things the user should know about the connection (logged once). */
  notes: string[];
}

export interface ConnectionInputs {
  env?: NodeJS.ProcessEnv;
  home?: string;
  readFile?: (file: string) => Buffer;
  exists?: (file: string) => boolean;
}

export function resolveDockerEndpoint(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const h = host?.trim() || env.DOCKER_HOST?.trim();
  return h || DEFAULT_SOCKET;
}

const NONE: ModemOptions = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  pathPrefix: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  username: undefined,
  sshOptions: undefined,
  timeout: undefined,
};

const SUPPORTED = 'unix://, npipe://, tcp://, http://, https:// or ssh://';

function parseUrl(endpoint: string, scheme: string): URL {
  try {
    return new URL(endpoint);
  } catch {
    throw new DockerHostError(l10n.t('The Docker host "{0}" is not a valid {1} address (expected e.g. {1}//host:port).', endpoint, scheme));
  }
}

/** Turns the host setting (or DOCKER_HOST) into dockerode options; throws DockerHostError with the fix. */
export function engineConnection(hostSetting: string | undefined, inputs: ConnectionInputs = {}): EngineConnection {
  const env = inputs.env ?? process.env;
  const home = inputs.home ?? os.homedir();
  const readFile = inputs.readFile ?? ((f: string) => fs.readFileSync(f));
  const exists = inputs.exists ?? ((f: string) => fs.existsSync(f));
  let raw = resolveDockerEndpoint(hostSetting, env);
  // `host:port` without a scheme is tcp, as for `docker -H`.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    if (/^[^/\s]+:\d+$/.test(raw)) raw = `tcp://${raw}`;
    else throw new DockerHostError(l10n.t('The Docker host "{0}" has no scheme: use {1}.', raw, SUPPORTED));
  }
  const scheme = raw.slice(0, raw.indexOf(':')).toLowerCase();
  const local = (socketPath: string): EngineConnection => ({ endpoint: raw, options: { ...NONE, socketPath }, notes: [] });
  switch (scheme) {
    case 'unix':
      return local(raw.slice('unix://'.length) || '/var/run/docker.sock');
    case 'npipe':
      return local(raw.slice('npipe://'.length) || '//./pipe/docker_engine');
    case 'tcp':
    case 'http':
    case 'https': {
      const url = parseUrl(raw, `${scheme}:`);
      if (!url.hostname) throw new DockerHostError(l10n.t('The Docker host "{0}" names no host.', raw));
      const certDir = env.DOCKER_CERT_PATH?.trim() || path.join(home, '.docker');
      const tlsVerify = !!env.DOCKER_TLS_VERIFY?.trim();
      // Like the docker CLI: tcp:// speaks TLS when DOCKER_TLS_VERIFY or DOCKER_CERT_PATH is set. Unlike
      // it, the server's certificate is always verified (the CLI skips that without DOCKER_TLS_VERIFY).
      const tls = scheme === 'https' || (scheme === 'tcp' && (tlsVerify || !!env.DOCKER_CERT_PATH?.trim()));
      const notes: string[] = [];
      let ca: Buffer | undefined;
      let cert: Buffer | undefined;
      let key: Buffer | undefined;
      if (tls) {
        const file = (name: string) => path.join(certDir, name);
        const need = scheme === 'tcp';
        for (const name of need ? ['ca.pem', 'cert.pem', 'key.pem'] : []) {
          if (!exists(file(name))) {
            throw new DockerHostError(
              l10n.t('TLS to the Docker engine at {0} needs {1} (DOCKER_TLS_VERIFY/DOCKER_CERT_PATH are set), and it is missing: copy the engine\'s ca.pem and your client cert.pem/key.pem there, or set DOCKER_CERT_PATH to the folder that has them.', url.host, file(name)),
            );
          }
        }
        const read = (name: string) => (exists(file(name)) ? readFile(file(name)) : undefined);
        ca = read('ca.pem');
        cert = read('cert.pem');
        key = read('key.pem');
        if (!!cert !== !!key) throw new DockerHostError(cert ? l10n.t('{0} has cert.pem but no key.pem: a client certificate needs both.', certDir) : l10n.t('{0} has key.pem but no cert.pem: a client certificate needs both.', certDir));
        if (scheme === 'tcp' && !tlsVerify) notes.push(l10n.t('DOCKER_CERT_PATH is set without DOCKER_TLS_VERIFY: using TLS and still verifying the engine\'s certificate against {0}.', file('ca.pem')));
        if (scheme === 'https' && !ca) notes.push(l10n.t('No {0}: the engine\'s certificate is verified against the system\'s certificate authorities.', file('ca.pem')));
      }
      const port = Number(url.port) || (tls ? 2376 : 2375);
      return {
        endpoint: `${scheme}://${url.hostname}:${port}${scheme === 'tcp' && tls ? ' (TLS)' : ''}`,
        options: { ...NONE, host: stripBrackets(url.hostname), port, protocol: tls ? 'https' : 'http', pathPrefix: '/', ca, cert, key },
        notes,
      };
    }
    case 'ssh': {
      const url = parseUrl(raw, 'ssh:');
      if (!url.hostname) throw new DockerHostError(l10n.t('The Docker host "{0}" names no host.', raw));
      const host = stripBrackets(url.hostname);
      const port = Number(url.port) || 22;
      const username = decodeURIComponent(url.username) || env.USER || env.LOGNAME || safeUser();
      if (url.password) throw new DockerHostError(l10n.t('Passwords in ssh:// Docker hosts are not supported: use an SSH key (ssh-agent or ~/.ssh/id_*).'));
      const sshOptions: Record<string, unknown> = {
        readyTimeout: 20000,
        // A dead connection is noticed after three unanswered keepalives (no socket idle timeout over ssh).
        keepaliveInterval: 10000,
        keepaliveCountMax: 3,
        hostVerifier: knownHostsVerifier(host, port, [path.join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'], readFile, exists),
      };
      if (env.SSH_AUTH_SOCK) sshOptions.agent = env.SSH_AUTH_SOCK;
      const keyFile = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(home, '.ssh', k)).find(exists);
      if (keyFile) sshOptions.privateKey = readFile(keyFile);
      const notes = !env.SSH_AUTH_SOCK && !keyFile ? [l10n.t('No ssh-agent (SSH_AUTH_SOCK) and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa: the connection to {0} has no key to log in with.', host)] : [];
      return {
        endpoint: `ssh://${username}@${url.hostname}${url.port ? `:${url.port}` : ''}`,
        options: { ...NONE, host, port, protocol: 'ssh', username, sshOptions },
        notes,
      };
    }
    default:
      throw new DockerHostError(l10n.t('The Docker host "{0}" uses the scheme {1}://, which is not supported: use {2}.', raw, scheme, SUPPORTED));
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** How published ports of an engine are reached from this machine. */
export interface PortReach {
  remote: boolean;
  publishHost: string;
}

/** From an endpoint as EngineConnection.endpoint shows it (also a plain DOCKER_HOST value). */
export function portReach(endpoint: string): PortReach {
  const m = /^(tcp|https?|ssh):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/\s]+)/i.exec(endpoint.trim());
  if (!m) return { remote: false, publishHost: '127.0.0.1' };
  const host = stripBrackets(m[2]!);
  return { remote: !isLoopback(host), publishHost: host };
}

export function isLoopback(host: string): boolean {
  const h = stripBrackets(host).toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The address a published port is reached at from this machine: the binding's own address when it is
 * specific, else the engine's host. A port bound to the loopback of a remote engine cannot be reached
 * from here (undefined).
 */
export function reachableHost(bindingIp: string | undefined, conn: PortReach): string | undefined {
  const ip = bindingIp?.trim();
  if (!ip || ip === '0.0.0.0' || ip === '::') return conn.publishHost;
  if (conn.remote && isLoopback(ip)) return undefined;
  return ip;
}

// --- ssh host keys -------------------------------------------------------------------------------

/** A small glob (`*`, `?`) match without regular expressions: linear in the pattern and the host. */
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function hostPatternMatches(field: string, names: string[]): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const want = Buffer.from(hash, 'base64');
    return names.some((n) => {
      const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest();
      return got.length === want.length && timingSafeEqual(got, want);
    });
  }
  let matched = false;
  for (const pat of field.split(',')) {
    const neg = pat.startsWith('!');
    const p = (neg ? pat.slice(1) : pat).toLowerCase();
    if (names.some((n) => globMatch(p, n.toLowerCase()))) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}

/** Checks the server's host key (ssh wire format) against known_hosts files, as OpenSSH does. */
export function knownHostsVerifier(host: string, port: number, files: string[], readFile: (f: string) => Buffer, exists: (f: string) => boolean): (key: Buffer) => boolean {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  return (key: Buffer) => {
    let accepted = false;
    for (const file of files) {
      if (!exists(file)) continue;
      let text: string;
      try {
        text = readFile(file).toString('utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const fields = line.trim().split(/\s+/);
        if (!fields[0] || fields[0].startsWith('#')) continue;
        const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
        if (fields.length < 3 || marker === '@cert-authority') continue;
        if (!hostPatternMatches(fields[0]!, names)) continue;
        const known = Buffer.from(fields[2]!, 'base64');
        if (!known.equals(key)) continue;
        if (marker === '@revoked') return false;
        accepted = true;
      }
    }
    return accepted;
  };
}
