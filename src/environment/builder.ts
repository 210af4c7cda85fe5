// From an environment description to an image on the engine: the image map, a pull of a missing base image
// (credentials from the Docker config, per-layer progress), and a build through the Docker API (generated
// Dockerfile, or the user's build context) tagged by a content hash so an unchanged environment is never
// rebuilt. Build output streams to the sink line by line; a failed build is explained. Pure: takes a
// DockerClient and a Logger.
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import { redactSecrets, type Logger } from '../common/logger';
import { readCapped } from '../common/readCapped';
import { DockerApiError, type DockerClient, type EngineMessage, type ImageDetails } from '../docker/client';
import { packArchive } from '../docker/archive';
import { BuildOutputReader, type BuildDiagnosis, type EnvironmentFiles } from './buildFailure';
import { EnvironmentFileError, parseCondaFile, parseRequirements, type CondaDependencies } from './condaFile';
import { BuildContextError, packBuildContext } from './context';
import { LABELS, environmentHash, environmentTag, generateDockerfile, type CondaTool, type NetworkSettings } from './dockerfile';
import { applyImageMap, explainPullFailure, mapDockerfileFrom, parseImageRef, registryAuth, type HelperRunner, type PullFailureKind } from './registry';
import type { EnvironmentSpec } from './types';

export interface BuildSink {
  /** Short status for the notification ("Step 3/7: RUN pip install ..."). */
  progress(message: string): void;
  /** Build and pull output as it comes (may hold partial lines). */
  output(text: string): void;
}

export const nullSink: BuildSink = { progress() {}, output() {} };

/** A Dockerfile larger than this is not read for its FROM lines (the engine still gets it as it is). */
const MAX_DOCKERFILE_BYTES = 1024 * 1024;

function withPreamble(sink: BuildSink, preamble: string): BuildSink {
  let said = false;
  return {
    progress: (m) => sink.progress(m),
    output: (t) => {
      if (!said) {
        said = true;
        sink.output(preamble);
      }
      sink.output(t);
    },
  };
}

export interface EnvironmentOptions {
  network?: NetworkSettings;
  imageMap?: Record<string, string>;
  /** Docker config folder for registry credentials (default $DOCKER_CONFIG or ~/.docker). */
  dockerConfigDir?: string;
  runCredentialHelper?: HelperRunner;
  /** e.g. linux/amd64: asked of the registry when pulling. */
  platform?: string;
}

export type EnvironmentErrorKind = 'invalid-environment' | 'pull' | 'build' | 'cancelled';

export class EnvironmentError extends Error {
  constructor(
    message: string,
    readonly kind: EnvironmentErrorKind,
    readonly details: { pull?: PullFailureKind; diagnosis?: BuildDiagnosis; files?: EnvironmentFiles; tag?: string } = {},
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

export interface PreparedImage {
  /** The image the container runs. */
  image: string;
  /** True when this call built it (false: found by its hash, or used as it is). */
  built: boolean;
  /** How it was made, for messages. */
  kind: 'as-is' | 'generated' | 'user-build';
  /** Command prefix that runs the server in the environment (`conda run --no-capture-output -n inf-conda-env`). */
  runPrefix?: string[];
  /** Environment files of the build (for the Problems panel: cleared on a good build). */
  files: EnvironmentFiles;
  /** The base image after the image map. */
  baseImage?: string;
  /** True when the base image was missing and this call pulled it. */
  pulled?: boolean;
}

const CONDA_PROBE = 'for t in mamba micromamba conda; do if command -v "$t" >/dev/null 2>&1; then echo "$t"; exit 0; fi; done; echo none';

interface EnvironmentInputs {
  conda?: { file?: string; text: string; deps: CondaDependencies };
  requirements?: { file: string; text: string };
}

function readInputs(spec: EnvironmentSpec): EnvironmentInputs {
  const out: EnvironmentInputs = {};
  const read = (file: string, what: string) => {
    try {
      const text = readCapped(file, 1024 * 1024);
      if (text === undefined) throw new EnvironmentError(l10n.t('The {0} {1} is larger than 1 MB.', what, file), 'invalid-environment');
      return text;
    } catch (err) {
      if (err instanceof EnvironmentError) throw err;
      throw new EnvironmentError(l10n.t('The {0} {1} ({2}) does not exist.', what, file, spec.origin), 'invalid-environment');
    }
  };
  const condaText = spec.condaFile ? read(spec.condaFile, l10n.t('conda file')) : spec.condaText;
  if (condaText !== undefined) {
    try {
      out.conda = { file: spec.condaFile, text: condaText, deps: parseCondaFile(condaText, spec.condaFile ? path.basename(spec.condaFile) : 'the conda file') };
    } catch (err) {
      if (err instanceof EnvironmentFileError) {
        throw new EnvironmentError(`${err.message}${err.line ? ` (line ${err.line})` : ''}`, 'invalid-environment', {
          files: spec.condaFile ? { conda: { file: spec.condaFile, deps: [] } } : {},
        });
      }
      throw err;
    }
  }
  if (spec.requirementsFile) out.requirements = { file: spec.requirementsFile, text: read(spec.requirementsFile, l10n.t('requirements file')) };
  return out;
}

function runPrefixOf(image: ImageDetails): string[] | undefined {
  try {
    const v = JSON.parse(image.labels[LABELS.run] ?? 'null') as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function filesOf(inputs: EnvironmentInputs): EnvironmentFiles {
  const files: EnvironmentFiles = {};
  if (inputs.conda?.file) files.conda = { file: inputs.conda.file, deps: [...inputs.conda.deps.conda, ...inputs.conda.deps.pip] };
  if (inputs.requirements) files.requirements = { file: inputs.requirements.file, deps: parseRequirements(inputs.requirements.text) };
  return files;
}

export class EnvironmentBuilder {
  /** Probe results per base image id: the probe runs a container, once per image. */
  private readonly probes = new Map<string, CondaTool | undefined>();
  private platform?: Promise<{ os: string; architecture: string } | undefined>;

  constructor(
    private readonly docker: DockerClient,
    private readonly log: Logger,
    private readonly options: EnvironmentOptions = {},
  ) {}

  /** The image for an environment: pulled, found by hash, or built. `fallbackImage` is used when the spec names none. */
  async prepare(spec: EnvironmentSpec, fallbackImage: string | undefined, sink: BuildSink = nullSink, signal?: AbortSignal): Promise<PreparedImage> {
    if (spec.azureml) throw new EnvironmentError(l10n.t('{0}: {1} must be resolved through Azure first.', spec.origin, spec.azureml.raw), 'invalid-environment');
    if (spec.build) return this.prepareUserBuild(spec, sink, signal);
    const inputs = readInputs(spec);
    const files = filesOf(inputs);
    const named = spec.image || fallbackImage;
    if (!named) throw new EnvironmentError(l10n.t('{0} names no image: add environment.image, or set amlDoctor.localDeploy.baseImage.', spec.origin), 'invalid-environment', { files });
    const baseImage = applyImageMap(named, this.options.imageMap);
    // Said with the first pull or build output only: a cache hit opens no build log.
    if (baseImage !== named) sink = withPreamble(sink, `Image map: ${named} -> ${baseImage}\n`);
    const { details: base, pulled } = await this.ensureBase(baseImage, sink, signal);
    if (!inputs.conda && !inputs.requirements) return { image: baseImage, built: false, kind: 'as-is', files, baseImage, pulled };

    const hash = environmentHash({ kind: 'generated', baseImageId: base.id, condaText: inputs.conda?.text, requirementsText: inputs.requirements?.text });
    const tag = environmentTag(inputs.conda?.deps.name ?? spec.origin.split(/[ .]/)[0], hash);
    const existing = await this.docker.inspectImage(tag);
    if (existing) {
      sink.progress(l10n.t('Environment image {0} is up to date', tag));
      return { image: tag, built: false, kind: 'generated', runPrefix: runPrefixOf(existing), files, baseImage, pulled };
    }
    sink.progress(l10n.t('Probing {0} for conda', baseImage));
    const tool = await this.probeConda(baseImage, base.id, signal);
    const gen = generateDockerfile({
      baseImage,
      conda: inputs.conda && { text: inputs.conda.text, deps: inputs.conda.deps },
      requirements: inputs.requirements && { text: inputs.requirements.text },
      condaTool: tool,
      network: this.options.network,
    });
    sink.output(`--- Generated Dockerfile (${tool ? `${tool} in the image: conda environment ${gen.condaEnv}` : 'no conda in the image: venv --system-site-packages'}) ---\n${gen.dockerfile}---\n`);
    const inMemory = (name: string, text: string) => {
      const data = Buffer.from(text);
      return { name, type: 'file' as const, size: data.length, mode: 0o644, mtimeMs: 0, data };
    };
    const context = packArchive([inMemory('Dockerfile', gen.dockerfile), ...gen.files.map((f) => inMemory(f.name, f.data))], { signal });
    const labels: Record<string, string> = { [LABELS.hash]: hash, [LABELS.origin]: spec.origin.slice(0, 200) };
    if (gen.runPrefix) labels[LABELS.run] = JSON.stringify(gen.runPrefix);
    await this.build(context, { tag, dockerfile: 'Dockerfile', buildargs: gen.buildargs, labels }, files, sink, signal);
    return { image: tag, built: true, kind: 'generated', runPrefix: gen.runPrefix, files, baseImage, pulled };
  }

  private async prepareUserBuild(spec: EnvironmentSpec, sink: BuildSink, signal: AbortSignal | undefined): Promise<PreparedImage> {
    const { context, dockerfile } = spec.build!;
    let packed;
    try {
      packed = await packBuildContext(context, dockerfile, undefined, signal);
    } catch (err) {
      if (err instanceof BuildContextError) throw new EnvironmentError(`${spec.origin}: ${err.message}`, 'invalid-environment');
      throw err;
    }
    const hash = environmentHash({ kind: 'user-build', contextHash: packed.hash, dockerfile });
    const tag = environmentTag(path.basename(context), hash);
    const files: EnvironmentFiles = {};
    if (await this.docker.inspectImage(tag)) {
      sink.progress(l10n.t('Environment image {0} is up to date', tag));
      return { image: tag, built: false, kind: 'user-build', files };
    }
    sink.output(`--- Building ${context} (${dockerfile}, ${(packed.bytes / 1024 ** 2).toFixed(1)} MB context) ---\n`);
    // The image map applies to the FROM lines as to a generated Dockerfile's: the Dockerfile goes into the
    // archive rewritten (the hash above is the user's own file: mirrors never change it).
    const from = this.mapUserDockerfile(context, dockerfile);
    let entries = packed.entries;
    if (from.changed.length) {
      const rel = path.posix.normalize(dockerfile.replace(/\\/g, '/'));
      const data = Buffer.from(from.text);
      entries = entries.map((e) => (e.name === rel ? { name: e.name, type: 'file' as const, size: data.length, mode: e.mode, mtimeMs: e.mtimeMs, data } : e));
      for (const c of from.changed) sink.output(`FROM ${c.from} -> ${c.to} (amlDoctor.localDeploy.imageMap)\n`);
    }
    const registryAuthFor = from.images.map((i) => parseImageRef(i).registry);
    await this.build(packArchive(entries, { signal }), { tag, dockerfile, buildargs: {}, labels: { [LABELS.hash]: hash, [LABELS.origin]: spec.origin.slice(0, 200) }, registryAuthFor }, files, sink, signal);
    return { image: tag, built: true, kind: 'user-build', files };
  }

  /** A user's Dockerfile with the image map applied to its FROM lines (see mapDockerfileFrom); read up to 1 MB. */
  private mapUserDockerfile(context: string, dockerfile: string): ReturnType<typeof mapDockerfileFrom> {
    let text: string | undefined;
    try {
      text = readCapped(path.join(context, dockerfile), MAX_DOCKERFILE_BYTES);
    } catch {
      /* gone since it was packed: the engine reports it */
    }
    return text === undefined ? { text: '', images: [], changed: [] } : mapDockerfileFrom(text, this.options.imageMap);
  }

  /** The image on the engine, pulled when missing (per-layer progress to the sink), for the engine's platform. */
  async ensureImage(image: string, sink: BuildSink = nullSink, signal?: AbortSignal): Promise<ImageDetails> {
    return (await this.ensureBase(image, sink, signal)).details;
  }

  private async ensureBase(image: string, sink: BuildSink, signal: AbortSignal | undefined): Promise<{ details: ImageDetails; pulled: boolean }> {
    sink.progress(l10n.t('Checking the base image {0}', image));
    let details = await this.docker.inspectImage(image);
    const pulled = !details;
    if (!details) {
      await this.pull(image, sink, signal);
      details = await this.docker.inspectImage(image);
      if (!details) throw new EnvironmentError(l10n.t('Pulling {0} finished but the engine does not list it.', image), 'pull', { pull: 'other' });
    }
    await this.checkPlatform(image, details);
    return { details, pulled };
  }

  /** An amd64-only image on an arm64 engine (or the reverse) would fail later with "exec format error". */
  private async checkPlatform(image: string, details: ImageDetails): Promise<void> {
    this.platform ??= this.docker.enginePlatform().catch(() => undefined);
    const engine = await this.platform;
    if (!engine || !details.architecture) return;
    const norm = (a: string) => ({ x86_64: 'amd64', x64: 'amd64', aarch64: 'arm64' })[a.toLowerCase()] ?? a.toLowerCase();
    if (norm(engine.architecture) !== norm(details.architecture) || (details.os && engine.os && details.os !== engine.os)) {
      const e = explainPullFailure(image, `image operating system/architecture ${details.os}/${details.architecture} does not match the specified platform`, `${engine.os}/${norm(engine.architecture)}`);
      throw new EnvironmentError(e.message, 'pull', { pull: e.kind });
    }
  }

  private async pull(image: string, sink: BuildSink, signal: AbortSignal | undefined): Promise<void> {
    const ref = parseImageRef(image);
    const auth = await registryAuth(ref.registry, { configDir: this.options.dockerConfigDir, runHelper: this.options.runCredentialHelper });
    sink.progress(auth ? l10n.t('Pulling {0} (signed in)', image) : l10n.t('Pulling {0}', image));
    sink.output(`--- Pulling ${image} from ${ref.registry}${auth ? ' with the credentials of your Docker config' : ''} ---\n`);
    const layers = new Map<string, { current: number; total: number; done: boolean }>();
    let lastReport = 0;
    const fail = (message: string): never => {
      const e = explainPullFailure(image, message, this.options.platform);
      this.log.warn(`pull ${image}: ${redactSecrets(message)}`);
      throw new EnvironmentError(e.message, 'pull', { pull: e.kind });
    };
    // At most 4 reports a second, but always when a layer completes and once at the end: a small image pulls
    // in less than one interval, and its progress must still say how far it got.
    const report = (): void => {
      lastReport = Date.now();
      const all = [...layers.values()];
      const total = all.reduce((s, l) => s + l.total, 0);
      const current = all.reduce((s, l) => s + (l.done ? l.total : l.current), 0);
      const done = all.filter((l) => l.done).length;
      sink.progress(total ? l10n.t('Pulling {0}: {1}/{2} layers, {3}/{4} MB', image, done, all.length, (current / 1024 ** 2).toFixed(1), (total / 1024 ** 2).toFixed(1)) : l10n.t('Pulling {0}: {1}/{2} layers', image, done, all.length));
    };
    try {
      for await (const m of this.docker.pullImage(ref.tag || ref.digest ? image : `${image}:latest`, { auth, platform: this.options.platform, signal })) {
        if (m.error) fail(m.errorDetail?.message ?? m.error);
        this.trackLayer(m, layers);
        if (m.status && !m.progressDetail?.current) sink.output(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
        const completed = m.status === 'Download complete' || m.status === 'Pull complete';
        if (layers.size && (completed || Date.now() - lastReport > 250)) report();
      }
      if (layers.size && !signal?.aborted) report();
    } catch (err) {
      if (err instanceof EnvironmentError) throw err;
      if (signal?.aborted) throw new EnvironmentError(l10n.t('Cancelled while pulling {0}.', image), 'cancelled');
      fail(err instanceof DockerApiError || err instanceof Error ? err.message : String(err));
    }
    if (signal?.aborted) throw new EnvironmentError(l10n.t('Cancelled while pulling {0}.', image), 'cancelled');
  }

  private trackLayer(m: EngineMessage, layers: Map<string, { current: number; total: number; done: boolean }>): void {
    if (!m.id || !m.status) return;
    const l = layers.get(m.id) ?? { current: 0, total: 0, done: false };
    if (/^(Pulling fs layer|Waiting|Downloading|Extracting|Verifying Checksum|Download complete|Pull complete|Already exists)/.test(m.status)) layers.set(m.id, l);
    if (m.status === 'Downloading' && m.progressDetail?.total) {
      l.current = m.progressDetail.current ?? 0;
      l.total = m.progressDetail.total;
    }
    if (m.status === 'Pull complete' || m.status === 'Already exists') l.done = true;
  }

  /** Which conda-compatible tool the image has (runs `sh -c` in a throw-away container, once per image id). */
  private async probeConda(image: string, imageId: string, signal: AbortSignal | undefined): Promise<CondaTool | undefined> {
    if (this.probes.has(imageId)) return this.probes.get(imageId);
    const name = `aml-doctor-probe-${imageId.replace(/^sha256:/, '').slice(0, 12)}-${process.pid}-${Date.now().toString(36)}`;
    const id = await this.docker.createContainer({ name, image, entrypoint: ['/bin/sh', '-c'], cmd: [CONDA_PROBE], labels: { 'aml-doctor.probe': '1' } });
    let out = '';
    try {
      await this.docker.start(id);
      for await (const chunk of this.docker.logs(id, { follow: true, signal })) {
        out += chunk.toString('utf8');
        if (out.length > 4096) break;
      }
    } finally {
      await this.docker.remove(id, { force: true }).catch(() => undefined);
    }
    const word = out.trim().split(/\s+/).pop();
    const tool = word === 'mamba' || word === 'micromamba' || word === 'conda' ? word : undefined;
    this.probes.set(imageId, tool);
    return tool;
  }

  private async build(
    context: NodeJS.ReadableStream,
    opts: { tag: string; dockerfile: string; buildargs: Record<string, string>; labels: Record<string, string>; registryAuthFor?: string[] },
    files: EnvironmentFiles,
    sink: BuildSink,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const reader = new BuildOutputReader();
    const registryconfig: Record<string, import('../docker/client').RegistryAuth> = {};
    for (const reg of new Set(opts.registryAuthFor ?? [])) {
      const a = await registryAuth(reg, { configDir: this.options.dockerConfigDir, runHelper: this.options.runCredentialHelper });
      if (a) registryconfig[reg === 'docker.io' ? 'https://index.docker.io/v1/' : reg] = a;
    }
    let error: string | undefined;
    sink.progress(l10n.t('Building {0}', opts.tag));
    try {
      for await (const m of this.docker.buildImage(context, {
        tag: opts.tag,
        dockerfile: opts.dockerfile,
        // RUN steps share the host network: package mirrors on this machine's loopback are reachable.
        networkmode: 'host',
        buildargs: opts.buildargs,
        labels: opts.labels,
        registryconfig: Object.keys(registryconfig).length ? registryconfig : undefined,
        signal,
      })) {
        if (m.stream) {
          const text = redactSecrets(m.stream);
          reader.push(text);
          sink.output(text);
          const step = /^Step (\d+\/\d+) : (.*)/.exec(m.stream);
          if (step) sink.progress(l10n.t('Step {0}: {1}', step[1]!, step[2]!.slice(0, 80)));
        } else if (m.status) {
          sink.output(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
        }
        if (m.error) error = redactSecrets(m.errorDetail?.message ?? m.error);
      }
    } catch (err) {
      if (signal?.aborted) throw new EnvironmentError(l10n.t('Cancelled while building {0}; nothing was tagged.', opts.tag), 'cancelled');
      error = redactSecrets((err as Error).message);
    }
    if (signal?.aborted) throw new EnvironmentError(l10n.t('Cancelled while building {0}; nothing was tagged.', opts.tag), 'cancelled');
    if (error !== undefined) {
      sink.output(`\nERROR: ${error}\n`);
      const diagnosis = reader.explain(files, error);
      this.log.warn(`build ${opts.tag} failed: ${diagnosis.message}`);
      throw new EnvironmentError(l10n.t('Building the environment image failed: {0}', diagnosis.message), 'build', { diagnosis, files, tag: opts.tag });
    }
  }
}
