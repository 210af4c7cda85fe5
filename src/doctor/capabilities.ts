// The capabilities the doctor's runtime steps use, as small interfaces with the implementations the CLI and
// VS Code plug in (localCapabilities):
// - ImageStep (step 4): EnvironmentImageStep, the deployment's environment as Deploy Locally makes it
//   (LocalDeployer.prepareImage: azureml: resolved, base image pulled, environment image built or found by
//   its content hash), build output streamed to the step's progress, a bounded tail kept for the diagnosis.
// - ContainerRunner (step 5): LocalDeployer.deploy() with exactly the image step 4 made (nothing built twice).
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import type { DockerClient, DockerUnavailableError } from '../docker/client';
import { LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../docker/localDeploy';
import type { BuildDiagnosis } from '../environment/buildFailure';
import type { EnvironmentOptions, PreparedImage } from '../environment/builder';
import type { EnvironmentLookup } from '../environment/types';
import { RingBuffer } from '../logs/ringBuffer';

export type StepProgress = (message: string) => void;

export interface ImageResult {
  /** The image the container runs. */
  image: string;
  /** True when this run built it. */
  built: boolean;
  /** True when the image was already there: found by its content hash, or the base image used as it is. */
  fromCache: boolean;
  /** True when the base image was missing and this run pulled it. */
  pulled?: boolean;
  /** The base image (after the image map). */
  baseImage?: string;
  /** The base image as it is, an image built from the conda file / requirements.txt, or the user's build context. */
  kind?: PreparedImage['kind'];
  /** Runs the server in the image's environment (`conda run ... -n inf-conda-env`); step 5 starts it so. */
  runPrefix?: string[];
  /** Build or pull output, for the log diagnosis of a failure. */
  log?: string;
}

/**
 * Why an image could not be had, with the fix; `log` (the tail of the build or pull output) goes through the
 * log classifier; `diagnosis` is the build's own (the whole output classified with the build signatures as it
 * streamed, the packages named and their lines in the conda file / requirements.txt).
 */
export class ImageStepError extends Error {
  constructor(
    message: string,
    readonly fix: string[],
    readonly log?: string,
    readonly diagnosis?: BuildDiagnosis,
  ) {
    super(message);
    this.name = 'ImageStepError';
  }
}

export interface ImageStep {
  ensureImage(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal): Promise<ImageResult>;
}

/** The tail of the build output kept for a failure's diagnosis (the whole output is classified as it streams). */
export const BUILD_TAIL_BYTES = 64 * 1024;
const MAX_TAIL_LINE = 8 * 1024;
const PROGRESS_EVERY_MS = 250;

/** Build or pull output as it streams: the last lines, bounded by count and bytes (lines cut at 8 KB). */
export class OutputTail {
  private readonly lines = new RingBuffer<string>(2000, { maxWeight: BUILD_TAIL_BYTES, weigh: (l) => l.length + 1 });
  private partial = '';

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!.slice(0, MAX_TAIL_LINE);
    for (const line of parts) this.lines.push(line.replace(/\r$/, '').slice(0, MAX_TAIL_LINE));
  }

  /** The newest complete line that is not blank. */
  lastLine(): string | undefined {
    return this.lines.lastMatching(1, (l) => l.trim() !== '')[0]?.trim();
  }

  text(): string {
    return [...this.lines.toArray(), ...(this.partial ? [this.partial] : [])].join('\n');
  }
}

/**
 * Step 4: the deployment's environment as Deploy Locally builds it. The builder's step messages ("Step 3/7:
 * RUN pip install ...") and the newest output line go to the step's progress; a failure keeps the output's
 * tail and the build's diagnosis.
 */
export class EnvironmentImageStep implements ImageStep {
  constructor(private readonly deployer: LocalDeployer) {}

  async ensureImage(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal): Promise<ImageResult> {
    const tail = new OutputTail();
    let stage = '';
    let shown = 0;
    const onProgress = (message: string) => {
      stage = message;
      progress(message);
    };
    const onOutput = (text: string) => {
      tail.push(text);
      const now = Date.now();
      if (now - shown < PROGRESS_EVERY_MS) return;
      const line = tail.lastLine();
      if (!line) return;
      shown = now;
      progress(`${stage ? `${stage}: ` : ''}${line.slice(0, 160)}`);
    };
    try {
      const p = await this.deployer.prepareImage(config, onProgress, signal, onOutput);
      const fromCache = !p.built && (p.kind !== 'as-is' || !p.pulled);
      return { image: p.image, built: p.built, fromCache, pulled: !!p.pulled, baseImage: p.baseImage, kind: p.kind, runPrefix: p.runPrefix };
    } catch (err) {
      const unavailable = asDockerUnavailable(err);
      if (unavailable) throw new ImageStepError(unavailable.message, dockerFix(unavailable));
      if ((err as Error)?.name !== 'LocalDeployError') throw err;
      const e = err as LocalDeployError;
      if (e.kind === 'cancelled') throw e;
      const log = tail.text() || undefined;
      const diagnosis = e.environment?.details.diagnosis;
      throw new ImageStepError(e.message, imageFix(e, config), log, diagnosis);
    }
  }
}

/** What to do besides what the message and the build diagnosis say. */
function imageFix(e: LocalDeployError, config: LocalDeployConfig): string[] {
  if (e.kind === 'build-failed') {
    const file = e.environment?.details.files?.conda?.file ?? e.environment?.details.files?.requirements?.file ?? config.condaFile;
    return [`Fix the environment${file ? ` (${path.basename(file)})` : ''} and run the doctor again: an unchanged environment is never rebuilt, a changed one rebuilds from the changed layer.`];
  }
  if (e.kind === 'image-missing') {
    return [
      'Make the base image reachable (docker login to its registry, or docker pull it), or map it to a mirror: amlDoctor.localDeploy.imageMap in VS Code, aml-doctor doctor --image-map FROM=TO in CI.',
    ];
  }
  if (config.environment?.azureml) {
    return [`With aml-doctor doctor: --azure-workspace RESOURCE_ID (after az login) reads ${config.environment.azureml.raw} from that workspace; --image IMAGE runs another image instead.`];
  }
  return [];
}

export interface LocalCapabilityOptions {
  /** media/harness (start.sh, aml_harness.py...). */
  harnessDir: string;
  readinessTimeoutMs: number;
  /** Image map, package mirrors, proxies: the same firewall settings Deploy Locally uses. */
  environment?: EnvironmentOptions;
  /** Reads registered `azureml:` environments (signed in to Azure, workspace known). */
  environmentLookup?: EnvironmentLookup;
}

/** Steps 4 and 5 over one LocalDeployer (its builder remembers which base images have conda). */
export function localCapabilities(docker: DockerClient, log: Logger, options: LocalCapabilityOptions): { image: ImageStep; containers: ContainerRunner } {
  const deployer = new LocalDeployer(docker, log, {
    harnessDir: options.harnessDir,
    readinessTimeoutMs: options.readinessTimeoutMs,
    environment: options.environment,
    environmentLookup: options.environmentLookup,
  });
  return { image: new EnvironmentImageStep(deployer), containers: new LocalContainerRunner(docker, deployer) };
}

/**
 * The Docker client may come from another bundle (the extension's) than this code (dist/doctor.js), so its
 * error classes are recognised by name and shape, not instanceof.
 */
export function asDockerUnavailable(err: unknown): DockerUnavailableError | undefined {
  const e = err as DockerUnavailableError | undefined;
  return e?.name === 'DockerUnavailableError' && typeof e.reason === 'string' ? e : undefined;
}

export function dockerFix(err: DockerUnavailableError): string[] {
  switch (err.reason) {
    case 'not-running':
      return ['Start the Docker engine (sudo systemctl start docker, or open Docker Desktop), or point amlDoctor.docker.host / DOCKER_HOST at your engine.'];
    case 'permission-denied':
      return ['Add your user to the docker group (sudo usermod -aG docker $USER, then sign out and in), or use rootless Docker.'];
    case 'timeout':
      return ['Check that the engine is healthy (docker info) and that amlDoctor.docker.host / DOCKER_HOST points at it.'];
    default:
      return ['Read the Docker error above; check the engine with docker info.'];
  }
}

export interface StartedContainer {
  id: string;
  name: string;
  scoringUri: string;
}

/** Step 5's capability: start the deployment as a container and wait until GET / answers; read its log; remove it. */
export interface ContainerRunner {
  /**
   * Runs `image` (what step 4 made for this configuration) as it is. Throws LocalDeployError (kind,
   * containerId, logTail) when the container does not become ready.
   */
  start(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal, image: ImageResult): Promise<StartedContainer>;
  /** The container's log (stdout and stderr), the last `tail` lines. */
  logs(id: string, tail: number): AsyncIterable<Buffer | string>;
  remove(id: string): Promise<void>;
}

/** A local deployment through LocalDeployer (code and model copied in, harness or azmlinfsrv). */
export class LocalContainerRunner implements ContainerRunner {
  constructor(
    private readonly docker: DockerClient,
    private readonly deployer: LocalDeployer,
  ) {}

  async start(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal, image: ImageResult): Promise<StartedContainer> {
    try {
      // The image as step 4 made it, with its conda run prefix: deploy() resolves and builds nothing.
      const info = await this.deployer.deploy(config, progress, signal, {}, { image: image.image, runPrefix: image.runPrefix });
      return { id: info.id, name: info.name, scoringUri: info.scoringUri };
    } catch (err) {
      const unavailable = asDockerUnavailable(err);
      if (unavailable) throw new LocalDeployError(`${unavailable.message} ${dockerFix(unavailable).join(' ')}`, 'invalid-config');
      throw err;
    }
  }

  logs(id: string, tail: number): AsyncIterable<Buffer> {
    return this.docker.logs(id, { tail });
  }

  remove(id: string): Promise<void> {
    return this.docker.remove(id, { force: true, volumes: true });
  }
}
