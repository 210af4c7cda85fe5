// The capabilities the doctor's runtime steps use, as small interfaces with today's implementations.
// They are the seams where other work plugs in without touching the engine:
// - ImageStep (step 4): today "the base image is on the engine"; the environment build (generated
//   Dockerfile, content-hash tag, pull) replaces BaseImageStep with a few lines in the callers.
// - ContainerRunner (step 5): today LocalDeployer.deploy() with the image step's image.
import type { Logger } from '../common/logger';
import type { DockerClient, DockerUnavailableError } from '../docker/client';
import { LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../docker/localDeploy';

export type StepProgress = (message: string) => void;

export interface ImageResult {
  /** The image the container runs. */
  image: string;
  /** True when this run built it. */
  built: boolean;
  /** True when an image made from the same inputs was already there. */
  fromCache: boolean;
  /** Build or pull output, for the log diagnosis of a failure. */
  log?: string;
}

/** Why an image could not be had, with the fix; `log` (build output) goes through the log classifier. */
export class ImageStepError extends Error {
  constructor(message: string, readonly fix: string[], readonly log?: string) {
    super(message);
    this.name = 'ImageStepError';
  }
}

export interface ImageStep {
  ensureImage(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal): Promise<ImageResult>;
}

/** Today's image step: the deployment's base image must already be on the engine (nothing is built or pulled). */
export class BaseImageStep implements ImageStep {
  constructor(private readonly docker: DockerClient) {}

  async ensureImage(config: LocalDeployConfig, progress: StepProgress): Promise<ImageResult> {
    const image = config.baseImage?.trim();
    if (!image) {
      throw new ImageStepError('The deployment names no image: neither environment.image in the YAML nor the amlDoctor.localDeploy.baseImage setting (--image) gives one.', [
        'Set environment.image in the deployment YAML, or the amlDoctor.localDeploy.baseImage setting (aml-doctor doctor --image IMAGE).',
      ]);
    }
    progress(`Looking for ${image} on the Docker engine`);
    let exists: boolean;
    try {
      exists = await this.docker.imageExists(image);
    } catch (err) {
      const unavailable = asDockerUnavailable(err);
      if (unavailable) throw new ImageStepError(unavailable.message, dockerFix(unavailable));
      throw err;
    }
    if (!exists) {
      throw new ImageStepError(`The image ${image} is not on the Docker engine (${this.docker.endpoint}).`, [
        `Pull it: docker pull ${image}`,
        'Or point environment.image (or the amlDoctor.localDeploy.baseImage setting, --image) at an image this engine has.',
      ]);
    }
    return { image, built: false, fromCache: true };
  }
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
  /** Throws LocalDeployError (kind, containerId, logTail) when the container does not become ready. */
  start(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal): Promise<StartedContainer>;
  /** The container's log (stdout and stderr), the last `tail` lines. */
  logs(id: string, tail: number): AsyncIterable<Buffer | string>;
  remove(id: string): Promise<void>;
}

/** Today's container runner: a local deployment through LocalDeployer (code and model copied in, harness or azmlinfsrv). */
export class LocalContainerRunner implements ContainerRunner {
  private readonly deployer: LocalDeployer;

  constructor(private readonly docker: DockerClient, log: Logger, options: { harnessDir: string; readinessTimeoutMs: number }) {
    this.deployer = new LocalDeployer(docker, log, { harnessDir: options.harnessDir, readinessTimeoutMs: options.readinessTimeoutMs });
  }

  async start(config: LocalDeployConfig, progress: StepProgress, signal: AbortSignal): Promise<StartedContainer> {
    try {
      const info = await this.deployer.deploy(config, progress, signal);
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
