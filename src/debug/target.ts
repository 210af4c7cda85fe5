// Resolves "this container" into everything an attach needs: the process to attach to, the Python
// that runs it (for debugpy's adapter), how to reach debugpy, and the path mappings.
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import { DockerApiError, type ContainerDetails, type DockerClient } from '../docker/client';
import { computePathMappings, type PathMapping } from './pathMappings';
import { findScoringProcesses, type ScoringProcesses } from './processes';
import { parseProbe, PROBE_COMMAND, type ProbeProcess, type ProbeResult } from './probe';

export class AttachError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message);
    this.name = 'AttachError';
  }
}

export interface AttachRequestArgs {
  /** Container name or id. */
  container: string;
  /** Attach to this process (a gunicorn worker pid inside the container). */
  processId?: number;
  pathMappings?: PathMapping[];
  justMyCode?: boolean;
  /** The local entry script the user is looking at (helps the path mapping). */
  localEntryScript?: string;
}

export interface DebugTarget {
  containerId: string;
  containerName: string;
  /** The Python that runs the worker: debugpy's adapter runs with it. */
  python: string;
  /** 'connect': debugpy already listens in the worker (local deploy debug mode); 'pid': inject into the worker. */
  mode: { kind: 'connect'; port: number } | { kind: 'pid'; processId: number };
  workers: ProbeProcess[];
  pathMappings: PathMapping[];
  notes: string[];
}

export const debugpyFix = (): string =>
  l10n.t('Add debugpy to the environment (conda/pip dependency "debugpy") and redeploy, or deploy the script locally in debug mode (AML Deploy Doctor: Deploy Locally (Docker)..., with amlDoctor.localDeploy.debug on) whose harness starts debugpy for you.');

export interface ContainerProbe {
  details: ContainerDetails;
  name: string;
  info: ProbeResult;
  scoring: ScoringProcesses;
}

/** Inspects the container and looks inside it (one exec): the scoring processes and their Python. */
export async function probeContainer(docker: DockerClient, container: string, log: Logger): Promise<ContainerProbe> {
  let details: ContainerDetails;
  try {
    details = await docker.inspectContainer(container);
  } catch (err) {
    if (err instanceof DockerApiError && err.statusCode === 404) {
      throw new AttachError(l10n.t('There is no container "{0}" on {1}.', container, docker.endpoint), l10n.t('Pick a running scoring container from the Deployments view, or fix "container" in launch.json.'));
    }
    throw err;
  }
  const name = details.name.replace(/^\//, '');
  if (!details.state.running) {
    const what = details.state.oomKilled
      ? l10n.t('Container {0} was killed for running out of memory: there is nothing to attach to.', name)
      : l10n.t('Container {0} is {1} (exit code {2}): there is nothing to attach to.', name, details.state.status, details.state.exitCode);
    throw new AttachError(what, l10n.t('Start the container (or redeploy), then attach again.'));
  }
  const probe = await docker.exec(details.id, PROBE_COMMAND, { timeoutMs: 30000 });
  if (probe.exitCode !== 0) {
    throw new AttachError(l10n.t('Could not look inside {0}: {1}', name, probe.stderr.trim() || l10n.t('exit code {0}', probe.exitCode)), l10n.t('The container needs a Python interpreter (every Azure ML inference image has one).'));
  }
  const info = parseProbe(probe.stdout);
  const scoring = findScoringProcesses(info.processes);
  log.debug(`debug: ${name}: server ${scoring.server}, workers ${scoring.workers.map((w) => w.pid).join(', ') || 'none'}, listening ${info.listening.join(', ')}`);
  if (scoring.workers.length === 0) {
    throw new AttachError(l10n.t('No scoring process runs in {0} (no gunicorn worker or Python server found).', name), l10n.t('Check the container logs: the server may have crashed while booting (init() raised).'));
  }
  return { details, name, info, scoring };
}

/** True when the worker already runs debugpy.listen (the local deployment's debug mode). */
export function listeningDebugPort(p: ContainerProbe): number | undefined {
  const env = { ...envOf(p.details), ...p.scoring.workers[0]?.env };
  const port = Number(env.AML_DOCTOR_DEBUGPY_PORT || 5678);
  return env.AML_DOCTOR_DEBUGPY === '1' && p.info.listening.includes(port) ? port : undefined;
}

function envOf(details: ContainerDetails): Record<string, string> {
  return Object.fromEntries(details.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

export async function resolveDebugTarget(docker: DockerClient, args: AttachRequestArgs, workspaceFolders: string[], log: Logger): Promise<DebugTarget> {
  const probe = await probeContainer(docker, args.container, log);
  const { details, name, scoring } = probe;
  let workers = scoring.workers;
  if (args.processId !== undefined) {
    workers = scoring.workers.filter((w) => w.pid === args.processId);
    if (workers.length === 0) {
      throw new AttachError(l10n.t('Process {0} is not a scoring worker in {1} (workers: {2}).', args.processId, name, scoring.workers.map((w) => w.pid).join(', ')), l10n.t('Gunicorn replaces workers that crash or time out: attach again to pick the current ones.'));
    }
  }
  const worker = workers[0]!;
  const python = worker.exe;
  const notes: string[] = [];
  const env = { ...envOf(details), ...worker.env };
  const debugPort = listeningDebugPort(probe);
  let mode: DebugTarget['mode'];
  if (debugPort !== undefined) {
    mode = { kind: 'connect', port: debugPort };
    notes.push(l10n.t('debugpy already listens on port {0} in the worker (debug mode): connecting to it', debugPort));
  } else {
    if (workers.length > 1) {
      throw new AttachError(
        l10n.t('{0} runs {1} gunicorn workers (pids {2}); a debugger attached to one would miss the requests the others serve.', name, workers.length, workers.map((w) => w.pid).join(', ')),
        l10n.t('Use "Attach Debugger to Container" (it attaches to every worker), set "processId" in launch.json, or run one worker (WORKER_COUNT=1).'),
      );
    }
    mode = { kind: 'pid', processId: worker.pid };
    notes.push(l10n.t('injecting debugpy into worker pid {0} ({1})', worker.pid, scoring.server));
  }
  const raw = details.raw as { Mounts?: { Type?: string; Source?: string; Destination?: string }[] };
  const mapped = computePathMappings({
    env,
    labels: details.labels,
    mounts: raw?.Mounts ?? [],
    workspaceFolders,
    localEntryScript: args.localEntryScript,
    overrides: args.pathMappings,
  });
  notes.push(...mapped.reasons.map((r) => l10n.t('path mapping {0}', r)));
  return { containerId: details.id, containerName: name, python, mode, workers: scoring.workers, pathMappings: mapped.mappings, notes };
}
