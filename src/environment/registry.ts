// Image references, the image map (registry or image -> mirror), registry credentials from the user's
// Docker config (`auths`, `credsStore`, `credHelpers`: e.g. an Azure Container Registry after
// `az acr login`) and one clear message per pull failure. Credentials are only handed to the engine,
// never logged.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import type { RegistryAuth } from '../docker/client';

export interface ImageRef {
  /** Registry host ("docker.io" when none is written). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isHost = first && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { registry: isHost ? first : 'docker.io', repository: isHost ? rest.slice(slash + 1) : rest, tag, digest };
}

/**
 * Applies the image map: the longest key that is the whole image, or a prefix of it ending at "/" or ":",
 * is replaced by its value ("mcr.microsoft.com/azureml/" -> "mirror.corp/azureml/").
 */
export function applyImageMap(image: string, map: Record<string, string> | undefined): string {
  if (!map) return image;
  let best: string | undefined;
  for (const key of Object.keys(map)) {
    if (!key || typeof map[key] !== 'string' || !map[key]) continue;
    const whole = image === key;
    const prefix = image.startsWith(key) && (key.endsWith('/') || key.endsWith(':') || image[key.length] === '/' || image[key.length] === ':');
    if ((whole || prefix) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? image : map[best]! + image.slice(best.length);
}

/**
 * The FROM lines of a user's Dockerfile with the image map applied: the build reaches the mirror, as a
 * generated Dockerfile does. Left as written: a build stage named by an earlier `AS`, an image written with a
 * build argument (`$BASE`), `scratch`. `images` are the images the build pulls, after the map (their
 * registries get credentials). A line scan, no regular expression: the file is the workspace's.
 */
export function mapDockerfileFrom(text: string, map: Record<string, string> | undefined): { text: string; images: string[]; changed: { from: string; to: string }[] } {
  const stages = new Set<string>();
  const images: string[] = [];
  const changed: { from: string; to: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const words = line.trim().split(/[ \t]+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    let k = 1;
    while (words[k]?.startsWith('--')) k++;
    const image = words[k];
    if (!image) continue;
    const isStage = stages.has(image.toLowerCase());
    if (words[k + 1]?.toUpperCase() === 'AS' && words[k + 2]) stages.add(words[k + 2]!.toLowerCase());
    if (isStage || image.includes('$') || image === 'scratch') continue;
    const mapped = applyImageMap(image, map);
    images.push(mapped);
    if (mapped === image) continue;
    // Only the image word changes: flags, the stage name, the spacing and a trailing \r stay as written.
    const at = line.indexOf(image, line.toUpperCase().indexOf('FROM') + 4);
    lines[i] = line.slice(0, at) + mapped + line.slice(at + image.length);
    changed.push({ from: image, to: mapped });
  }
  return { text: changed.length ? lines.join('\n') : text, images, changed };
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Keys Docker writes for Docker Hub. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function configKeysFor(registry: string): string[] {
  if (registry === 'docker.io') return HUB_KEYS;
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

export type HelperRunner = (helper: string, serverUrl: string) => Promise<{ Username?: string; Secret?: string } | undefined>;

/** Runs docker-credential-<helper> get (the Docker credential-helper protocol), bounded in time and output. */
export const runCredentialHelper: HelperRunner = (helper, serverUrl) =>
  new Promise((resolve) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return resolve(undefined);
    let out = '';
    let done = false;
    const finish = (v: { Username?: string; Secret?: string } | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    const child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(undefined);
    }, 15000);
    child.on('error', () => finish(undefined));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.length > 65536) child.kill('SIGKILL');
    });
    child.on('close', (code) => {
      if (code !== 0) return finish(undefined);
      try {
        finish(JSON.parse(out) as { Username?: string; Secret?: string });
      } catch {
        finish(undefined);
      }
    });
    child.stdin.end(serverUrl);
  });

/** The Docker config folder: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG?.trim() || path.join(os.homedir(), '.docker');
}

/** Credentials for a registry from the user's Docker config (undefined: pull anonymously). */
export async function registryAuth(registry: string, options: { configDir?: string; runHelper?: HelperRunner } = {}): Promise<RegistryAuth | undefined> {
  const file = path.join(options.configDir ?? dockerConfigDir(), 'config.json');
  let config: DockerConfigFile;
  try {
    const st = fs.statSync(file);
    if (st.size > 4 * 1024 * 1024) return undefined;
    config = JSON.parse(fs.readFileSync(file, 'utf8')) as DockerConfigFile;
  } catch {
    return undefined;
  }
  const run = options.runHelper ?? runCredentialHelper;
  const keys = configKeysFor(registry);
  const serverUrl = registry === 'docker.io' ? HUB_KEYS[0]! : registry;
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? undefined;
  const fromHelper = async (name: string): Promise<RegistryAuth | undefined> => {
    const r = await run(name, serverUrl);
    if (!r?.Secret) return undefined;
    // "<token>" as the user name means the secret is an identity (refresh) token, as ACR's helper returns.
    return r.Username === '<token>' ? { identitytoken: r.Secret, serveraddress: serverUrl } : { username: r.Username, password: r.Secret, serveraddress: serverUrl };
  };
  if (helper) return fromHelper(helper);
  for (const k of keys) {
    const a = config.auths?.[k];
    if (!a) continue;
    if (a.identitytoken) return { identitytoken: a.identitytoken, serveraddress: serverUrl };
    if (a.auth) {
      const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1), serveraddress: serverUrl };
    }
    if (a.username && a.password) return { username: a.username, password: a.password, serveraddress: serverUrl };
  }
  if (config.credsStore) return fromHelper(config.credsStore);
  return undefined;
}

export type PullFailureKind = 'unreachable' | 'unauthorized' | 'unknown-tag' | 'platform' | 'other';

/** One sentence a user can act on, for each way a pull fails. */
export function explainPullFailure(image: string, engineMessage: string, platform?: string): { kind: PullFailureKind; message: string } {
  const ref = parseImageRef(image);
  const msg = engineMessage.slice(0, 2000);
  const login = ref.registry.endsWith('.azurecr.io') ? `az acr login --name ${ref.registry.split('.')[0]}` : `docker login ${ref.registry === 'docker.io' ? '' : ref.registry}`.trim();
  if (/no matching manifest for|does not match the specified platform|image operating system .* cannot be used on this platform|exec format error/i.test(msg)) {
    return {
      kind: 'platform',
      message: l10n.t("The image {0} is not published for this machine's platform{1}: {2}. Use a multi-platform tag, build the image for this platform, or map it to one that has it (amlDoctor.localDeploy.imageMap).", image, platform ? ` (${platform})` : '', firstLine(msg)),
    };
  }
  if (/unauthorized|authentication required|denied|access forbidden|401 Unauthorized|no basic auth credentials|pull access denied/i.test(msg) && !/manifest unknown/i.test(msg)) {
    return {
      kind: 'unauthorized',
      message: l10n.t('The registry {0} refused to give {1} to this engine (unauthorized): sign in with `{2}` (the engine uses the credentials in your Docker config, including credential helpers), or check that the repository name is right.', ref.registry, image, login),
    };
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|tag .* not found|repository .* not found|name unknown/i.test(msg)) {
    return {
      kind: 'unknown-tag',
      message: l10n.t('{0} has no image {1} (unknown repository or tag): check the name and tag in the environment (the tags of the repository are listed by the registry).', ref.registry, `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}`),
    };
  }
  if (/connection refused|no such host|i\/o timeout|network is unreachable|dial tcp|TLS handshake timeout|server misbehaving|request canceled while waiting for connection|context deadline exceeded|Client\.Timeout/i.test(msg)) {
    return {
      kind: 'unreachable',
      message: l10n.t("The registry {0} cannot be reached from the Docker engine ({1}). Behind a firewall: map the image to a registry you can reach (amlDoctor.localDeploy.imageMap), or configure the engine's proxy.", ref.registry, firstLine(msg)),
    };
  }
  return { kind: 'other', message: l10n.t('Pulling {0} failed: {1}', image, firstLine(msg)) };
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim().slice(0, 400);
}
