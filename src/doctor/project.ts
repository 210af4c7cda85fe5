// What the doctor examines: a deployment read from where the user described it. Each source has a reader:
// a CLI v2 deployment YAML, an SDK v1 deployment script (InferenceConfig), an entry script alone (step by
// step: the conda file / requirements.txt, model folder and sample found next to it), or the recorded
// configuration of a local deployment. Readers are the seam where richer environment resolution plugs in
// (see ARCHITECTURE.md, "Run Doctor"). Pure: files in, a DoctorProject out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCondaEnvDocument } from '../analysis/conda';
import { pythonReferences, resolveReference } from '../analysis/references';
import { LocalDeployError, type LocalDeployConfig } from '../docker/localDeploy';
import { configFromDeploymentYaml } from '../environment/deploymentYaml';
import { readSdkV1Deployment } from '../environment/sdkv1';
import type { EnvironmentSpec } from '../environment/types';
import type { TargetKind } from './report';

/** Azure ML managed online endpoints' defaults (request_settings). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 1;

export interface DoctorProject {
  target: { kind: TargetKind; file?: string; name: string };
  /** The local deployment the runtime steps start (today's LocalDeployer configuration). */
  config: LocalDeployConfig;
  /** Absolute path of the entry script. */
  entryScript: string;
  requirementsFile?: string;
  /** `azureml:<name>:<version>` when the deployment names a registered environment instead of files. */
  environmentRef?: string;
  /** A Docker build context (environment.build.path) instead of a conda file. */
  environmentBuild?: string;
  /** `azureml:<name>:<version>` when the deployment names a registered model instead of a local path. */
  modelRef?: string;
  sampleFile?: string;
  requestTimeoutMs: number;
  maxConcurrentRequests: number;
  instanceType?: string;
  instanceCount?: number;
  /** How the parts were found, for the report. */
  notes: string[];
}

export interface ProjectDefaults {
  /**
   * Image override (aml-doctor doctor --image): the image the environment starts from instead of the one the
   * deployment names (its conda file / requirements.txt are still built on it); a Docker build context or a
   * registered environment is replaced by this image as it is. Empty: what the deployment names.
   */
  baseImage?: string;
  /** Image when neither the override nor the deployment names one (the amlDoctor.localDeploy.baseImage setting). */
  fallbackImage?: string;
  modelPath?: string;
  sampleFile?: string;
  requestTimeoutMs?: number;
  memoryGb?: number;
}

/** A target the doctor cannot read: a clear message, before any step runs. */
export class DoctorInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DoctorInputError';
  }
}

const SAMPLE_NAME = /sample|request|payload|input|example/i;
const MODEL_DIRS = ['model', 'models'];

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(file: string): string {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new DoctorInputError(`${file} is not a file.`);
    if (st.size > 5 * 1024 * 1024) throw new DoctorInputError(`${file} is larger than 5 MB: not a deployment description or an entry script.`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof DoctorInputError) throw err;
    throw new DoctorInputError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** A JSON request sample in one of the folders (names like sample-request.json first). */
export function findSample(dirs: string[]): string | undefined {
  const seen = new Set<string>();
  const candidates: string[] = [];
  for (const dir of dirs) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const name of listDir(dir)) if (/\.json$/i.test(name) && SAMPLE_NAME.test(name) && isFile(path.join(dir, name))) candidates.push(path.join(dir, name));
  }
  const rank = (f: string) => (/sample/i.test(path.basename(f)) ? 0 : /request/i.test(path.basename(f)) ? 1 : 2);
  return candidates.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
}

/** The conda file next to an entry script: a YAML with a top-level dependencies list (in the folder or an environment/ subfolder). */
export function findCondaFile(dir: string): string | undefined {
  const { parseDocument } = require('yaml') as typeof import('yaml');
  for (const sub of ['', 'environment', 'env']) {
    const d = path.join(dir, sub);
    for (const name of listDir(d)) {
      if (!/\.ya?ml$/i.test(name)) continue;
      const file = path.join(d, name);
      try {
        if (fs.statSync(file).size > 1024 * 1024) continue;
        if (isCondaEnvDocument(parseDocument(fs.readFileSync(file, 'utf8')))) return file;
      } catch {
        /* unreadable: not ours */
      }
    }
  }
  return undefined;
}

/**
 * A model folder next to an entry script (model/ or models/). With a single file in it, that file is the
 * model (as registering the file would make it: AZUREML_MODEL_DIR/<file>); otherwise the folder is
 * (AZUREML_MODEL_DIR/<folder>/...).
 */
function findModel(dir: string): string | undefined {
  for (const name of MODEL_DIRS) {
    const p = path.join(dir, name);
    try {
      if (!fs.statSync(p).isDirectory()) continue;
    } catch {
      continue;
    }
    const entries = fs.readdirSync(p, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
    return entries.length === 1 && entries[0]!.isFile() ? path.join(p, entries[0]!.name) : p;
  }
  return undefined;
}

function positiveNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function rel(root: string, file: string): string {
  return path.relative(root, file) || path.basename(file);
}

/**
 * --image: the environment starts from `image` (its conda file / requirements.txt still built on it); a build
 * context or a registered environment gives way to the image as it is.
 */
function overrideImage(config: LocalDeployConfig, image: string | undefined, notes: string[]): void {
  if (!image) return;
  config.baseImage = image;
  const env = config.environment;
  if (!env) return; // the legacy fields (base image + conda file) are what environmentOf() builds
  if (env.build || env.azureml) {
    notes.push(`image: ${image} (--image) instead of the ${env.build ? 'Docker build context' : `registered environment ${env.azureml!.raw}`}`);
    config.environment = { origin: `${env.origin}, --image`, image };
    config.condaFile = undefined;
  } else {
    if (env.image && env.image !== image) notes.push(`image: ${image} (--image) instead of ${env.image}`);
    config.environment = { ...env, image };
  }
}

/** Reads a CLI v2 online-deployment YAML. */
export function readDeploymentYaml(file: string, defaults: ProjectDefaults = {}): DoctorProject {
  const text = readText(file);
  let config: LocalDeployConfig;
  try {
    // What the deployment names wins over the fallback (as for Deploy Locally); --image overrides both.
    config = configFromDeploymentYaml(text, file, { baseImage: defaults.fallbackImage ?? '', port: 0, memoryGb: defaults.memoryGb });
  } catch (err) {
    if (err instanceof LocalDeployError) throw new DoctorInputError(err.message);
    throw err;
  }
  // The fields the runtime steps need beyond today's local-deploy configuration.
  const { parse } = require('yaml') as typeof import('yaml');
  const doc = (parse(text) ?? {}) as Record<string, any>;
  const req = typeof doc.request_settings === 'object' && doc.request_settings ? doc.request_settings : {};
  const notes: string[] = [];
  const env = doc.environment;
  const model = doc.model;
  // A registered environment (not a path to an environment YAML, which is read like an inline one).
  const environmentRef = config.environment?.azureml?.raw;
  overrideImage(config, defaults.baseImage, notes);
  if (defaults.modelPath) config.modelPath = path.resolve(defaults.modelPath);
  const dir = path.dirname(file);
  const sampleFile = defaults.sampleFile ? path.resolve(defaults.sampleFile) : findSample([dir, config.sourceDir]);
  if (sampleFile && !defaults.sampleFile) notes.push(`sample request: ${rel(dir, sampleFile)} (found next to the deployment)`);
  const project: DoctorProject = {
    target: { kind: 'deployment-yaml', file, name: `${config.endpoint}/${config.deployment}` },
    config,
    entryScript: path.resolve(config.sourceDir, config.entryScript),
    environmentRef,
    environmentBuild: typeof env === 'object' && env && typeof env.build === 'object' && env.build ? path.resolve(dir, String(env.build.path ?? '.')) : undefined,
    modelRef: typeof model === 'string' ? model : undefined,
    sampleFile,
    requestTimeoutMs: defaults.requestTimeoutMs ?? positiveNumber(req.request_timeout_ms) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxConcurrentRequests: positiveNumber(req.max_concurrent_requests_per_instance) ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
    instanceType: typeof doc.instance_type === 'string' ? doc.instance_type : undefined,
    instanceCount: positiveNumber(doc.instance_count),
    notes,
  };
  return project;
}

/** Step by step: an entry script alone, with what lies next to it. */
export function readEntryScript(file: string, defaults: ProjectDefaults = {}, kind: TargetKind = 'entry-script'): DoctorProject {
  readText(file); // a clear message for a missing or unreadable file
  const dir = path.dirname(file);
  const notes: string[] = [];
  const condaFile = findCondaFile(dir);
  const requirements = ['requirements.txt', 'requirements-inference.txt'].map((n) => path.join(dir, n)).find(isFile);
  if (condaFile) notes.push(`conda file: ${rel(dir, condaFile)} (found next to ${path.basename(file)})`);
  else if (requirements) notes.push(`requirements: ${rel(dir, requirements)} (found next to ${path.basename(file)})`);
  const modelPath = defaults.modelPath ? path.resolve(defaults.modelPath) : findModel(dir);
  if (modelPath && !defaults.modelPath) notes.push(`model: ${rel(dir, modelPath)} (found next to ${path.basename(file)})`);
  const sampleFile = defaults.sampleFile ? path.resolve(defaults.sampleFile) : findSample([dir]);
  if (sampleFile && !defaults.sampleFile) notes.push(`sample request: ${rel(dir, sampleFile)} (found next to ${path.basename(file)})`);
  const name = path.basename(dir).replace(/[^a-zA-Z0-9_.-]/g, '-') || 'local-endpoint';
  const baseImage = defaults.baseImage || defaults.fallbackImage || '';
  const requirementsFile = condaFile ? undefined : requirements;
  const config: LocalDeployConfig = {
    endpoint: /^[a-zA-Z0-9]/.test(name) ? name : `ep-${name}`,
    deployment: 'local',
    sourceDir: dir,
    entryScript: path.basename(file),
    modelPath,
    modelName: modelPath ? path.basename(modelPath).replace(/\.[^.]+$/, '') : undefined,
    condaFile,
    baseImage,
    // Step by step, as Deploy Locally asks it: the base image + the conda file or requirements.txt found here.
    environment: { origin: `${path.basename(file)} (step by step)`, image: baseImage || undefined, condaFile, requirementsFile },
    port: 0,
    memoryGb: defaults.memoryGb,
  };
  return {
    target: { kind, file, name: path.basename(file) },
    config,
    entryScript: file,
    requirementsFile,
    sampleFile,
    requestTimeoutMs: defaults.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
    notes,
  };
}

/**
 * SDK v1 deployment script (InferenceConfig(entry_script=..., source_directory=...)): the entry script and
 * source folder the script names (tree-sitter, analysis/references.ts), and its environment as Deploy
 * Locally reads it (environment/sdkv1.ts: Environment.from_conda_specification / from_pip_requirements /
 * from_dockerfile / Environment.get, CondaDependencies.create, env.docker.base_image, conda_file=); what
 * the script does not name is found next to the entry script.
 */
export async function readSdkV1Script(file: string, text: string, defaults: ProjectDefaults = {}): Promise<DoctorProject | undefined> {
  const refs = await pythonReferences(text);
  const ref = refs.scripts[0];
  if (!ref) return undefined;
  const entry = resolveReference(file, ref.script, ref.codeDir);
  if (!entry || !isFile(entry)) throw new DoctorInputError(`${path.basename(file)} names the entry script ${ref.script}${ref.codeDir ? ` in ${ref.codeDir}` : ''}, which is not at ${entry ?? 'a local path'}.`);
  const project = readEntryScript(entry, defaults, 'sdk-v1-script');
  project.target = { kind: 'sdk-v1-script', file, name: `${path.basename(file)} -> ${path.basename(entry)}` };
  if (ref.codeDir) {
    const source = resolveReference(file, ref.codeDir);
    if (source) {
      project.config.sourceDir = source;
      project.config.entryScript = path.relative(source, entry).split(path.sep).join('/');
    }
  }
  const conda = refs.condaFiles.map((c) => resolveReference(file, c)).find((c): c is string => !!c && isFile(c));
  if (conda) {
    project.config.condaFile = conda;
    project.config.environment = { ...project.config.environment!, condaFile: conda, requirementsFile: undefined };
    project.requirementsFile = undefined;
    project.notes = project.notes.filter((n) => !n.startsWith('conda file') && !n.startsWith('requirements'));
    project.notes.unshift(`conda file: ${rel(path.dirname(file), conda)} (named by ${path.basename(file)})`);
  }
  const v1 = (await readSdkV1Deployment(text, file))?.environment;
  if (v1 && (v1.image || v1.condaFile || v1.condaText !== undefined || v1.requirementsFile || v1.build || v1.azureml)) {
    // The script's environment is the deployment's (step 4 builds it; --image still replaces its image). A
    // script that names only a base image keeps the files found next to the entry script.
    const named = !!(v1.condaFile || v1.requirementsFile || v1.condaText !== undefined || v1.build || v1.azureml);
    const spec: EnvironmentSpec = named ? { ...v1 } : { ...project.config.environment!, origin: v1.origin, image: v1.image };
    if (!spec.build && !spec.azureml) spec.image = spec.image || defaults.fallbackImage || undefined;
    const c = project.config;
    c.environment = spec;
    c.condaFile = spec.condaFile;
    c.baseImage = spec.image || defaults.fallbackImage || '';
    project.requirementsFile = spec.requirementsFile;
    project.environmentRef = spec.azureml?.raw;
    project.environmentBuild = spec.build?.context;
    if (named) project.notes = project.notes.filter((n) => !/^(conda file|requirements): .*found next to/.test(n));
    project.notes.push(`environment: ${spec.origin}`);
    overrideImage(c, defaults.baseImage, project.notes);
  }
  project.notes.unshift(`entry script ${rel(path.dirname(file), entry)} named by InferenceConfig in ${path.basename(file)}`);
  return project;
}

/** The configuration a local deployment was created with (its recorded label). */
export function projectFromLocalConfig(config: LocalDeployConfig, defaults: ProjectDefaults = {}): DoctorProject {
  const entry = path.resolve(config.sourceDir, config.entryScript);
  if (!isFile(entry)) throw new DoctorInputError(`The local deployment ${config.endpoint}/${config.deployment} was made from ${entry}, which is gone.`);
  const sampleFile = defaults.sampleFile ? path.resolve(defaults.sampleFile) : findSample([config.sourceDir]);
  const notes = ['configuration recorded by the local deployment'];
  const recorded: LocalDeployConfig = { ...config, baseImage: config.baseImage || defaults.fallbackImage || '', port: 0, debug: false };
  overrideImage(recorded, defaults.baseImage, notes);
  return {
    target: { kind: 'local-deployment', name: `${config.endpoint}/${config.deployment}` },
    config: recorded,
    entryScript: entry,
    sampleFile,
    requestTimeoutMs: defaults.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
    notes,
  };
}

/** Reads whatever the user pointed at: a deployment YAML, an SDK v1 deployment script or an entry script. */
export async function readTarget(file: string, defaults: ProjectDefaults = {}): Promise<DoctorProject> {
  const abs = path.resolve(file);
  if (/\.ya?ml$/i.test(abs)) {
    const text = readText(abs);
    if (!/scoring_script/.test(text)) {
      throw new DoctorInputError(`${path.basename(abs)} is not an online-deployment YAML (no code_configuration.scoring_script): run the doctor on the deployment YAML or on the entry script.`);
    }
    return readDeploymentYaml(abs, defaults);
  }
  if (/\.py$/i.test(abs)) {
    const text = readText(abs);
    const v1 = await readSdkV1Script(abs, text, defaults);
    return v1 ?? readEntryScript(abs, defaults);
  }
  throw new DoctorInputError(`${path.basename(abs)}: give a deployment YAML (deployment.yml), an SDK v1 deployment script or an entry script (score.py).`);
}
