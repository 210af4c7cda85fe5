// `aml-doctor doctor <deployment.yml|score.py|deploy.py>`: Run Doctor from a terminal or CI. Same engine and
// same JSON as the VS Code command (the schema is docs/doctor-report.schema.json).
// Exit codes: 0 no step failed, 1 a step failed, 2 bad usage or an unreadable target, 130 interrupted.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AzureModule } from '../azure/client';
import { parseWorkspaceId } from '../azure/client';
import { lazyRequire } from '../common/lazyRequire';
import { createStderrLogger } from '../common/logger';
import { DockerodeClient } from '../docker/client';
import type { AzureAccess } from '../doctor/azureStep';
import { BaseImageStep, LocalContainerRunner } from '../doctor/capabilities';
import { runDoctor, type DoctorCapabilities } from '../doctor/engine';
import { DoctorInputError, readTarget } from '../doctor/project';
import { exitCodeFor } from '../doctor/report';
import { toMarkdown, toSarif, toText } from '../doctor/render';

export const DOCTOR_USAGE = `  doctor <deployment.yml|score.py|deploy.py> [options]
                                         Take a deployment apart step by step (entry script, environment,
                                         model, image, container, scoring, capacity, Azure) and say which step
                                         breaks and how to fix it. Exit 0 when no step failed, 1 when one did,
                                         2 on bad usage, 130 when interrupted.
      --format text|json|markdown|sarif  Output (json: docs/doctor-report.schema.json).
      --static                           Steps 1-3 only (no Docker), as in VS Code's Restricted Mode.
      --image IMAGE                      Image to run (default: environment.image of the deployment).
      --model PATH                       Model file or folder (default: model.path, or model/ next to score.py).
      --sample FILE                      Request body for the test request (default: sample*.json nearby,
                                         else the @input_schema sample of run()).
      --request-timeout MS               Default: request_settings.request_timeout_ms, else 5000.
      --init-timeout SECONDS             How long the container may take to answer GET / (default 120).
      --capacity [--target-rps N] [--burst N] [--concurrency N]
                                         Step 7: a short burst against the local container, and the
                                         replicas needed for N requests/s.
      --keep                             Leave the doctor's container running afterwards.
      --docker-host URL                  Docker engine (default: DOCKER_HOST, then the local socket).
      --azure-workspace RESOURCE_ID      Step 8 in this workspace (/subscriptions/.../workspaces/<name>).
      --azure                            Step 8, searching the account's workspaces.
      --azure-credential azureCli|default  How to sign in for step 8 (default azureCli: az login).
      --arm-endpoint URL                 Resource manager (sovereign clouds).`;

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
  return Number.isFinite(n) && n >= min ? n : `aml-doctor doctor: --${name} must be a number >= ${min}, not "${v}"`;
}

export async function runDoctorCli(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, signal?: AbortSignal): Promise<number> {
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
  if (!FORMATS.includes(o.format!)) return usage(`aml-doctor doctor: --format must be text, json, markdown or sarif, not "${o.format}"`);
  if (parsed.positionals.length !== 1) return usage(`aml-doctor doctor: give one deployment YAML or entry script${parsed.positionals.length ? `, not ${parsed.positionals.length}` : ''}`);
  const nums = {
    requestTimeout: number('request-timeout', o['request-timeout'], 1),
    initTimeout: number('init-timeout', o['init-timeout'], 1),
    targetRps: number('target-rps', o['target-rps'], 0.001),
    burst: number('burst', o.burst, 1),
    concurrency: number('concurrency', o.concurrency, 1),
  };
  for (const v of Object.values(nums)) if (typeof v === 'string') return usage(v);
  const n = nums as Record<keyof typeof nums, number | undefined>;
  if (o['azure-credential'] !== 'azureCli' && o['azure-credential'] !== 'default') return usage('aml-doctor doctor: --azure-credential must be azureCli or default');
  const workspace = o['azure-workspace'] ? parseWorkspaceId(o['azure-workspace']) : undefined;
  if (o['azure-workspace'] && !workspace) return usage('aml-doctor doctor: --azure-workspace must be a workspace resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>)');

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
  if (!o.static) {
    const docker = new DockerodeClient({ host: o['docker-host'] });
    caps.image = new BaseImageStep(docker);
    caps.containers = new LocalContainerRunner(docker, log, { harnessDir: harnessDir(), readinessTimeoutMs: (n.initTimeout ?? 120) * 1000 });
  }
  if (!o.static && (workspace || o.azure)) {
    const azure = lazyRequire<AzureModule>('azure.js', '../azure/index');
    const credential = azure.createIdentityCredential(o['azure-credential'] as 'azureCli' | 'default');
    const access: AzureAccess = { client: azure.createAzureClient({ credential, resourceManagerEndpoint: o['arm-endpoint'], logger: log }), workspace };
    caps.azure = access;
  }
  // Ctrl+C cancels the run: the current step stops, the container is removed, the partial report printed.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  if (!signal) process.once('SIGINT', onSigint);
  const report = await runDoctor(project, caps, {
    mode: o.static ? 'static' : 'full',
    staticReason: 'static run (--static): steps 1-3 only, no containers',
    azureUnavailableReason: 'Azure not asked for (--azure-workspace ID or --azure)',
    capacity: o.capacity ? { targetRps: n.targetRps, requests: n.burst, concurrency: n.concurrency } : undefined,
    readinessTimeoutMs: (n.initTimeout ?? 120) * 1000,
    keepContainer: o.keep,
    signal: signal ?? interrupt.signal,
    version: packageVersion(),
    onProgress: (e) => {
      if (o.format === 'text' && e.type === 'start') stderr.write(`[${e.number}/${e.total}] ${e.title}...\n`);
    },
  });
  process.removeListener('SIGINT', onSigint);
  const out = o.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : o.format === 'sarif' ? JSON.stringify(toSarif(report), null, 2) + '\n' : o.format === 'markdown' ? toMarkdown(report) : toText(report);
  stdout.write(out);
  return exitCodeFor(report);
}
