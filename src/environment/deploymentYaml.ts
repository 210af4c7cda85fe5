// CLI v2 YAML: an online-deployment YAML -> a local deployment configuration, with its environment in
// every form the CLI accepts: inline `{image, conda_file}`, inline `{build: {path, dockerfile_path}}`, a
// reference to an environment YAML file (`file:env.yml` or a relative path), or a registered environment
// (`azureml:<name>:<version>`, `azureml:<name>@latest`) left for resolveAzureEnvironment. Pure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../common/l10n';
import { readCapped } from '../common/readCapped';
import { LocalDeployError, type LocalDeployConfig } from '../docker/localDeploy';
import { parseAzureEnvironmentRef, type EnvironmentSpec } from './types';

function parseYamlText(text: string, file: string): any {
  try {
    // Required here, not at the top: the YAML library initialises on the first deployment, not at activation.
    const { parse } = require('yaml') as typeof import('yaml');
    return parse(text);
  } catch (err) {
    throw new LocalDeployError(l10n.t('{0} is not valid YAML: {1}', file, (err as Error).message), 'invalid-config');
  }
}

const MAX_ENV_FILE_BYTES = 1024 * 1024;

/** A workspace file that describes a deployment or its environment: at most 1 MB, read once. */
export function readSmall(file: string, what: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new LocalDeployError(l10n.t('The {0} {1} does not exist.', what, file), 'invalid-config');
  }
  if (!st.isFile()) throw new LocalDeployError(l10n.t('The {0} {1} is not a file.', what, file), 'invalid-config');
  const text = readCapped(file, MAX_ENV_FILE_BYTES);
  if (text === undefined) throw new LocalDeployError(l10n.t('The {0} {1} is larger than 1 MB: that is not an environment description.', what, file), 'invalid-config');
  return text;
}

/**
 * The environment of a mapping (an inline `environment:` or an environment YAML file), paths relative to
 * dir. `origin` names it in messages.
 */
export function environmentFromMapping(env: Record<string, unknown>, dir: string, origin: string): EnvironmentSpec {
  const rel = (p: unknown) => (typeof p === 'string' && p.trim() ? path.resolve(dir, p.trim()) : undefined);
  const spec: EnvironmentSpec = { origin };
  if (typeof env.image === 'string' && env.image.trim()) spec.image = env.image.trim();
  if (typeof env.conda_file === 'string') spec.condaFile = rel(env.conda_file);
  else if (env.conda_file && typeof env.conda_file === 'object') {
    // An inline conda specification (the Python SDK's dict form, written out in YAML).
    const { stringify } = require('yaml') as typeof import('yaml');
    spec.condaText = stringify(env.conda_file);
  }
  const build = env.build as Record<string, unknown> | undefined;
  if (build && typeof build === 'object') {
    const context = rel(build.path);
    if (!context) throw new LocalDeployError(l10n.t('{0}: build has no path (the Docker build context folder).', origin), 'invalid-config');
    if (/^(https?|azureml|wasbs?|abfss?):/.test(String(build.path))) {
      throw new LocalDeployError(l10n.t('{0}: the build context {1} is remote; download it and point build.path at the local folder.', origin, String(build.path)), 'invalid-config');
    }
    spec.build = { context, dockerfile: typeof build.dockerfile_path === 'string' && build.dockerfile_path.trim() ? build.dockerfile_path.trim() : 'Dockerfile' };
  }
  if (spec.build && (spec.image || spec.condaFile || spec.condaText)) {
    throw new LocalDeployError(l10n.t('{0} has both build and image/conda_file: Azure ML accepts one or the other. Keep build (your Dockerfile) or image + conda_file.', origin), 'invalid-config');
  }
  return spec;
}

/** Reads an environment YAML file (`az ml environment create --file`). */
export function environmentFromFile(file: string): EnvironmentSpec {
  const doc = parseYamlText(readSmall(file, l10n.t('environment file')), file);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new LocalDeployError(l10n.t('{0} is empty or not a mapping.', file), 'invalid-config');
  if (Array.isArray((doc as any).dependencies)) {
    throw new LocalDeployError(l10n.t('{0} is a conda file, not an environment YAML: use it as environment.conda_file (with environment.image).', file), 'invalid-config');
  }
  const spec = environmentFromMapping(doc, path.dirname(file), path.basename(file));
  if (!spec.image && !spec.build) throw new LocalDeployError(l10n.t('{0} names neither an image nor a build context.', file), 'invalid-config');
  return spec;
}

/** The `environment:` value of a deployment YAML in any of its forms. */
export function environmentOfDeployment(value: unknown, yamlPath: string): EnvironmentSpec | undefined {
  const dir = path.dirname(yamlPath);
  const origin = `${path.basename(yamlPath)} (environment)`;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    const ref = parseAzureEnvironmentRef(text);
    if (ref) return { origin, azureml: ref };
    if (/^azureml:\/\//.test(text)) {
      throw new LocalDeployError(l10n.t('{0}: {1} is an environment in an Azure ML registry. Local deployments resolve workspace environments (azureml:<name>:<version>); put its image and conda_file in the YAML instead.', origin, text), 'invalid-config');
    }
    if (/^azureml:/.test(text)) throw new LocalDeployError(l10n.t('{0}: "{1}" is not azureml:<name>:<version> or azureml:<name>@latest.', origin, text), 'invalid-config');
    const file = path.resolve(dir, text.replace(/^file:/, ''));
    return environmentFromFile(file);
  }
  if (typeof value === 'object' && !Array.isArray(value)) return environmentFromMapping(value as Record<string, unknown>, dir, origin);
  throw new LocalDeployError(l10n.t('{0} is neither a reference nor a mapping.', origin), 'invalid-config');
}

/** Reads an Azure ML online-deployment YAML (the CLI v2 schema) into a local deployment configuration. */
export function configFromDeploymentYaml(text: string, yamlPath: string, defaults: { baseImage: string; port?: number; memoryGb?: number }): LocalDeployConfig {
  const doc = parseYamlText(text, yamlPath);
  if (!doc || typeof doc !== 'object') throw new LocalDeployError(l10n.t('{0} is empty or not a mapping.', yamlPath), 'invalid-config');
  const dir = path.dirname(yamlPath);
  const rel = (p: unknown) => (typeof p === 'string' && p ? path.resolve(dir, p) : undefined);
  const code = doc.code_configuration ?? {};
  const model = typeof doc.model === 'object' && doc.model ? doc.model : {};
  const sourceDir = rel(code.code) ?? dir;
  if (!code.scoring_script) throw new LocalDeployError(l10n.t('{0} has no code_configuration.scoring_script.', yamlPath), 'invalid-config');
  const environment = environmentOfDeployment(doc.environment, yamlPath);
  const env: Record<string, string> = {};
  if (doc.environment_variables && typeof doc.environment_variables === 'object') {
    for (const [k, v] of Object.entries(doc.environment_variables as Record<string, unknown>)) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && v != null) env[k] = String(v);
  }
  return {
    endpoint: String(doc.endpoint_name ?? 'local-endpoint'),
    deployment: String(doc.name ?? 'blue'),
    sourceDir,
    entryScript: String(code.scoring_script),
    modelPath: rel(model.path),
    modelName: model.name ? String(model.name) : undefined,
    modelVersion: model.version !== undefined ? String(model.version) : undefined,
    condaFile: environment?.condaFile,
    // What the deployment names wins; the setting is only the fallback.
    baseImage: environment?.image || defaults.baseImage,
    environment,
    port: defaults.port ?? 0,
    memoryGb: defaults.memoryGb,
    ...(Object.keys(env).length ? { env } : {}),
  };
}
