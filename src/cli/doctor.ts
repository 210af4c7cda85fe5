// `aml-doctor doctor <deployment.yml|score.py|deploy.py>`: Run Doctor from a terminal or CI. Same engine and
// same JSON as the VS Code command (the schema is docs/doctor-report.schema.json).
// Exit codes: 0 no step failed, 1 a step failed, 2 bad usage or an unreadable target, 130 interrupted.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AzureModule } from '../azure/client';
import { parseWorkspaceId } from '../azure/client';
import * as l10n from '../common/l10n';
import { lazyRequire } from '../common/lazyRequire';
import { createStderrLogger } from '../common/logger';
import { DockerodeClient } from '../docker/client';
import type { AzureAccess } from '../doctor/azureStep';
import { localCapabilities } from '../doctor/capabilities';
import { runDoctor, type DoctorCapabilities, type DoctorProgress } from '../doctor/engine';
import type { EnvironmentOptions } from '../environment/builder';
import type { EnvironmentLookup } from '../environment/types';
import { DoctorInputError, readTarget } from '../doctor/project';
import { workspaceEnvironmentLookup } from '../environment/azureEnvironment';
import { exitCodeFor } from '../doctor/report';
import { usageEntry } from './args';
import { toMarkdown, toSarif, toText } from '../doctor/render';

/** The doctor's part of `aml-doctor --help`; translated when it is shown (the language is chosen after load). */
export function doctorUsage(): string {
  return [
    usageEntry('doctor <deployment.yml|score.py|deploy.py> [options]', l10n.t('Take a deployment apart step by step (entry script, environment,\nmodel, image, container, scoring, capacity, Azure) and say which step\nbreaks and how to fix it. Exit 0 when no step failed, 1 when one did,\n2 on bad usage, 130 when interrupted.')),
    usageEntry('  --format text|json|markdown|sarif', l10n.t('Output (json: docs/doctor-report.schema.json).')),
    usageEntry('  --static', l10n.t('Steps 1-3 only (no Docker), as in VS Code\'s Restricted Mode.')),
    usageEntry('  --image IMAGE', l10n.t('Base image of the environment instead of environment.image (its conda\nfile / requirements.txt are still built on it; a build context or an\nazureml: environment is replaced by IMAGE as it is).')),
    usageEntry('  --model PATH', l10n.t('Model file or folder (default: model.path, or model/ next to score.py).')),
    usageEntry('  --sample FILE', l10n.t('Request body for the test request (default: sample*.json nearby,\nelse the @input_schema sample of run()).')),
    usageEntry('  --request-timeout MS', l10n.t('Default: request_settings.request_timeout_ms, else 5000.')),
    usageEntry('  --init-timeout SECONDS', l10n.t('How long the container may take to answer GET / (default 120).')),
    usageEntry('  --capacity [--target-rps N] [--burst N] [--concurrency N]', l10n.t('Step 7: a short burst against the local container, and the\nreplicas needed for N requests/s.')),
    usageEntry('  --keep', l10n.t('Leave the doctor\'s container running afterwards.')),
    l10n.t('Step 4 builds the deployment\'s environment as Deploy Locally does (found by its content hash when\nunchanged). Behind a firewall (each also read from the environment variable named after it):').split('\n').map((l) => `    ${l}`).join('\n'),
    usageEntry('  --image-map FROM=TO', l10n.t('Use a mirror for images starting with FROM (repeatable;\nAML_DOCTOR_IMAGE_MAP=\"FROM=TO,FROM2=TO2\").')),
    usageEntry('  --pip-index-url URL', l10n.t('pip index of the build (AML_DOCTOR_PIP_INDEX_URL).')),
    usageEntry('  --pip-extra-index-url URL', l10n.t('Extra pip index (repeatable; AML_DOCTOR_PIP_EXTRA_INDEX_URLS, space-separated).')),
    usageEntry('  --pip-trusted-host HOST', l10n.t('(repeatable; AML_DOCTOR_PIP_TRUSTED_HOSTS, space-separated).')),
    usageEntry('  --conda-channel-alias URL', l10n.t('(AML_DOCTOR_CONDA_CHANNEL_ALIAS).')),
    usageEntry('  --http-proxy URL, --https-proxy URL, --no-proxy LIST', l10n.t('Proxies of the build\'s RUN steps (AML_DOCTOR_HTTP_PROXY,\nAML_DOCTOR_HTTPS_PROXY, AML_DOCTOR_NO_PROXY).\nCredentials inside URLs never reach the output.')),
    usageEntry('  --docker-host URL', l10n.t('Docker engine (default: DOCKER_HOST, then the local socket).')),
    usageEntry('  --azure-workspace RESOURCE_ID', l10n.t('Step 8 in this workspace (/subscriptions/.../workspaces/<name>); also\nwhere step 4 reads an azureml:<name>:<version> environment.')),
    usageEntry('  --azure', l10n.t('Step 8, searching the account\'s workspaces.')),
    usageEntry('  --azure-credential azureCli|default', l10n.t('How to sign in for step 8 (default azureCli: az login).')),
    usageEntry('  --arm-endpoint URL', l10n.t('Resource manager (sovereign clouds).')),
  ].join('\n');
}

const FORMATS = ['text', 'json', 'markdown', 'sarif'];

function packageVersion(): string {
  for (const p of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aml-deploy-doctor' && pkg.version) return pkg.version;
    } catch {
      /* next */
    }
  }
  return '0.0.0';
}

/** media/harness next to the bundle (dist/cli.js) or the sources. */
export function harnessDir(): string {
  const candidates = [path.join(__dirname, '..', 'media', 'harness'), path.join(__dirname, '..', '..', 'media', 'harness')];
  return candidates.find((d) => existsSync(path.join(d, 'start.sh'))) ?? candidates[0]!;
}

function number(name: string, v: string | undefined, min: number): number | string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= min ? n : `aml-doctor doctor: ${l10n.t('--{0} must be a number >= {1}, not "{2}"', name, min, v)}`;
}

const FIREWALL_OPTIONS = {
  'image-map': { type: 'string', multiple: true },
  'pip-index-url': { type: 'string' },
  'pip-extra-index-url': { type: 'string', multiple: true },
  'pip-trusted-host': { type: 'string', multiple: true },
  'conda-channel-alias': { type: 'string' },
  'http-proxy': { type: 'string' },
  'https-proxy': { type: 'string' },
  'no-proxy': { type: 'string' },
} as const;

type FirewallValues = { [K in keyof typeof FIREWALL_OPTIONS]?: (typeof FIREWALL_OPTIONS)[K] extends { multiple: true } ? string[] : string };

/**
 * The firewall settings of the build (as amlDoctor.localDeploy.* in VS Code): options, else the environment
 * variable named after each. A bad image map entry is a usage error (its text holds no credentials).
 */
export function environmentOptions(values: FirewallValues, env: NodeJS.ProcessEnv): EnvironmentOptions | { error: string } {
  const one = (option: string | undefined, name: string) => (option ?? env[name] ?? '').trim() || undefined;
  const many = (option: string[] | undefined, name: string, sep: RegExp) => (option?.length ? option : (env[name] ?? '').split(sep)).map((x) => x.trim()).filter(Boolean);
  const imageMap: Record<string, string> = {};
  for (const entry of many(values['image-map'], 'AML_DOCTOR_IMAGE_MAP', /,/)) {
    const at = entry.indexOf('=');
    const from = entry.slice(0, at).trim();
    const to = entry.slice(at + 1).trim();
    if (at < 1 || !from || !to) return { error: `aml-doctor doctor: ${l10n.t('--image-map takes FROM=TO (e.g. mcr.microsoft.com/azureml/=mirror.corp/azureml/), not "{0}"', entry)}` };
    imageMap[from] = to;
  }
  return {
    imageMap,
    network: {
      pipIndexUrl: one(values['pip-index-url'], 'AML_DOCTOR_PIP_INDEX_URL'),
      pipExtraIndexUrls: many(values['pip-extra-index-url'], 'AML_DOCTOR_PIP_EXTRA_INDEX_URLS', /\s+/),
      pipTrustedHosts: many(values['pip-trusted-host'], 'AML_DOCTOR_PIP_TRUSTED_HOSTS', /\s+/),
      condaChannelAlias: one(values['conda-channel-alias'], 'AML_DOCTOR_CONDA_CHANNEL_ALIAS'),
      httpProxy: one(values['http-proxy'], 'AML_DOCTOR_HTTP_PROXY'),
      httpsProxy: one(values['https-proxy'], 'AML_DOCTOR_HTTPS_PROXY'),
      noProxy: one(values['no-proxy'], 'AML_DOCTOR_NO_PROXY'),
    },
  };
}

/**
 * What the terminal shows of step 4 while it runs: a build takes minutes, so its stages show that it moves, but
 * not every output line or layer update (which extend the stage's message). Told apart by the progress event,
 * not by the words, which are in the user's language.
 */
export function buildStageFilter(): (e: DoctorProgress) => string | undefined {
  let stage = '';
  return (e) => {
    if (e.type !== 'message' || e.step !== 'image' || e.output || (stage && e.message.startsWith(stage))) return undefined;
    stage = e.message;
    return e.message.slice(0, 160);
  };
}

export async function runDoctorCli(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, signal?: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f', default: 'text' },
        static: { type: 'boolean', default: false },
        image: { type: 'string' },
        model: { type: 'string' },
        sample: { type: 'string' },
        'request-timeout': { type: 'string' },
        'init-timeout': { type: 'string' },
        capacity: { type: 'boolean', default: false },
        'target-rps': { type: 'string' },
        burst: { type: 'string' },
        concurrency: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'docker-host': { type: 'string' },
        'azure-workspace': { type: 'string' },
        azure: { type: 'boolean', default: false },
        'azure-credential': { type: 'string', default: 'azureCli' },
        'arm-endpoint': { type: 'string' },
        ...FIREWALL_OPTIONS,
      },
    });
  } catch (err) {
    stderr.write(`aml-doctor doctor: ${(err as Error).message}\n`);
    return 2;
  }
  const o = parsed.values;
  const usage = (msg: string) => {
    stderr.write(`${msg}\n`);
    return 2;
  };
  // The same message as lint's and explain's (cli/args.ts).
  if (!FORMATS.includes(o.format!)) {
    const list = l10n.t('{0} or {1}', FORMATS.slice(0, -1).join(', '), FORMATS.at(-1)!);
    return usage(`aml-doctor doctor: ${l10n.t('--format must be {0}, not "{1}"', list, o.format!)}`);
  }
  if (parsed.positionals.length !== 1) {
    return usage(`aml-doctor doctor: ${parsed.positionals.length ? l10n.t('give one deployment YAML or entry script, not {0}', parsed.positionals.length) : l10n.t('give one deployment YAML or entry script')}`);
  }
  const nums = {
    requestTimeout: number('request-timeout', o['request-timeout'], 1),
    initTimeout: number('init-timeout', o['init-timeout'], 1),
    targetRps: number('target-rps', o['target-rps'], 0.001),
    burst: number('burst', o.burst, 1),
    concurrency: number('concurrency', o.concurrency, 1),
  };
  for (const v of Object.values(nums)) if (typeof v === 'string') return usage(v);
  const n = nums as Record<keyof typeof nums, number | undefined>;
  if (o['azure-credential'] !== 'azureCli' && o['azure-credential'] !== 'default') return usage(`aml-doctor doctor: ${l10n.t('--azure-credential must be azureCli or default')}`);
  const workspace = o['azure-workspace'] ? parseWorkspaceId(o['azure-workspace']) : undefined;
  if (o['azure-workspace'] && !workspace) return usage(`aml-doctor doctor: ${l10n.t('--azure-workspace must be a workspace resource id ({0})', '/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>')}`);
  const environment = environmentOptions(o, env);
  if ('error' in environment) return usage(environment.error);

  let project;
  try {
    project = await readTarget(parsed.positionals[0]!, {
      baseImage: o.image,
      fallbackImage: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      modelPath: o.model,
      sampleFile: o.sample,
      requestTimeoutMs: n.requestTimeout,
    });
  } catch (err) {
    if (err instanceof DoctorInputError) return usage(`aml-doctor doctor: ${err.message}`);
    throw err;
  }

  const log = createStderrLogger('warn');
  const caps: DoctorCapabilities = { log };
  let environmentLookup: EnvironmentLookup | undefined;
  if (!o.static && (workspace || o.azure)) {
    const azure = lazyRequire<AzureModule>('azure.js', '../azure/index');
    const credential = azure.createIdentityCredential(o['azure-credential'] as 'azureCli' | 'default');
    const access: AzureAccess = { client: azure.createAzureClient({ credential, resourceManagerEndpoint: o['arm-endpoint'], logger: log }), workspace };
    caps.azure = access;
    // An azureml: environment is read from the workspace named (a search could find it in the wrong one).
    if (workspace) environmentLookup = workspaceEnvironmentLookup(access.client, workspace);
  }
  if (!o.static) {
    const docker = new DockerodeClient({ host: o['docker-host'] });
    Object.assign(caps, localCapabilities(docker, log, { harnessDir: harnessDir(), readinessTimeoutMs: (n.initTimeout ?? 120) * 1000, environment, environmentLookup }));
  }
  // Ctrl+C cancels the run: the current step stops, the container is removed, the partial report printed.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  if (!signal) process.once('SIGINT', onSigint);
  const buildStage = buildStageFilter();
  const report = await runDoctor(project, caps, {
    mode: o.static ? 'static' : 'full',
    staticReason: l10n.t('static run (--static): steps 1-3 only, no containers'),
    azureUnavailableReason: l10n.t('Azure not asked for (--azure-workspace ID or --azure)'),
    capacity: o.capacity ? { targetRps: n.targetRps, requests: n.burst, concurrency: n.concurrency } : undefined,
    readinessTimeoutMs: (n.initTimeout ?? 120) * 1000,
    keepContainer: o.keep,
    signal: signal ?? interrupt.signal,
    version: packageVersion(),
    onProgress: (e) => {
      if (o.format !== 'text') return;
      if (e.type === 'start') stderr.write(`[${e.number}/${e.total}] ${e.title}...\n`);
      else {
        const line = buildStage(e);
        if (line !== undefined) stderr.write(`      ${line}\n`);
      }
    },
  });
  process.removeListener('SIGINT', onSigint);
  const out = o.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : o.format === 'sarif' ? JSON.stringify(toSarif(report), null, 2) + '\n' : o.format === 'markdown' ? toMarkdown(report) : toText(report);
  stdout.write(out);
  return exitCodeFor(report);
}
