// What an Azure ML environment is made of, however the user described it (deployment YAML, environment
// YAML, a registered azureml: environment, an SDK v1 script, step by step). Pure data.

/** A registered environment named by reference (`azureml:<name>:<version>` / `azureml:<name>@latest`). */
export interface AzureEnvironmentRef {
  /** As written, for messages. */
  raw: string;
  name: string;
  version?: string;
  /** `latest` for `@latest`. */
  label?: string;
}

export interface EnvironmentSpec {
  /** Where the description came from, for messages (e.g. "deployment.yml (environment)"). */
  origin: string;
  /** The base image (before the image map is applied). */
  image?: string;
  /** Conda environment file on the host (absolute). */
  condaFile?: string;
  /** Conda environment text without a host file (a registered Azure environment's condaFile). */
  condaText?: string;
  /** pip requirements file on the host (absolute). */
  requirementsFile?: string;
  /** The user's own Docker build context (absolute folder) and Dockerfile path inside it. */
  build?: { context: string; dockerfile: string };
  /** A registered environment still to be resolved through Azure. */
  azureml?: AzureEnvironmentRef;
}

/** What a registered environment version holds (from ARM), the shape resolveAzureEnvironment needs. */
export interface AzureEnvironmentVersion {
  name: string;
  version: string;
  image?: string;
  condaFile?: string;
  build?: { contextUri: string; dockerfilePath?: string };
}

/** Reads registered environment versions (implemented over the Azure SDK in src/azure). */
export interface EnvironmentLookup {
  /** version undefined: the latest version. */
  getEnvironmentVersion(name: string, version: string | undefined, signal?: AbortSignal): Promise<AzureEnvironmentVersion>;
  /** The workspace it reads from, for messages. */
  readonly workspace: string;
}

/** Parses `azureml:<name>:<version>`, `azureml:<name>@latest` (and `azureml:<name>` = latest). */
export function parseAzureEnvironmentRef(text: string): AzureEnvironmentRef | undefined {
  const m = /^azureml:([A-Za-z0-9][A-Za-z0-9._-]{0,254})(?::([A-Za-z0-9._-]{1,64})|@([A-Za-z0-9._-]{1,64}))?$/.exec(text.trim());
  if (!m) return undefined;
  return { raw: text.trim(), name: m[1]!, version: m[2], label: m[3] ?? (m[2] ? undefined : 'latest') };
}
