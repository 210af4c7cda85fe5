// The Local Docker part of the Deployments tree as plain data (labels, icons, tooltips, menu keys),
// built from discovered scoring containers. The VS Code view only turns these into TreeItems.
import type { ContainerDetails } from './client';
import { AML_DOCTOR_LABEL, type ScoringContainer, type ScoringKind } from './discovery';
import { reachableHost, type PortReach } from './endpoint';
import { containerStatus, type ContainerStatus } from './status';

/** Ports a scoring server listens on inside the container: the inference server's 5001, azmlinfsrv's dev default 31311. */
const SCORING_PORTS = [5001, 31311, 8080, 80];

export interface ContainerNodeModel {
  id: string;
  name: string;
  label: string;
  description: string;
  status: ContainerStatus;
  tooltip: string;
  /** Space-separated keys matched by menu regexes: "<dockerState>Container", "localDeploy", condition. */
  contextValue: string;
  scoringUri?: string;
  kind: ScoringKind;
  container: ScoringContainer;
  /** When the container last started (inspect data; undefined before it arrived or when it never ran). */
  startedAt?: string;
}

export interface GroupNodeModel {
  name: string;
  kind: ScoringKind;
  containers: ContainerNodeModel[];
}

/** A plain host name stands for a local engine whose published ports are reached at that name. */
function reachOf(host: string | PortReach): PortReach {
  return typeof host === 'string' ? { remote: false, publishHost: host } : host;
}

/** The scoring port the container publishes (5001 first), and the URI it is reached at from here. */
function scoringPort(c: ScoringContainer, details: ContainerDetails | undefined, host: string | PortReach): { uri?: string; unreachable?: string } {
  const ports = details?.ports.length ? details.ports : c.ports;
  const published = ports.filter((p) => p.publicPort);
  const labelled = Number(c.labels['azureml-port']);
  const pick =
    SCORING_PORTS.map((sp) => published.find((p) => p.privatePort === sp)).find(Boolean) ??
    (labelled ? published.find((p) => p.publicPort === labelled) : undefined) ??
    published[0];
  if (!pick?.publicPort) return {};
  const reach = reachOf(host);
  const ip = reachableHost(pick.ip, reach);
  if (!ip) return { unreachable: `published on ${pick.ip}:${pick.publicPort} of the engine's machine ${reach.publishHost}, which is not reachable from here (publish it on 0.0.0.0, or forward the port with ssh -L)` };
  return { uri: `http://${ip.includes(':') ? `[${ip}]` : ip}:${pick.publicPort}/score` };
}

export function scoringUri(c: ScoringContainer, details: ContainerDetails | undefined, host: string | PortReach): string | undefined {
  return scoringPort(c, details, host).uri;
}

const KIND_LABEL: Record<ScoringKind, string> = {
  'v2-local-endpoint': 'Azure ML CLI/SDK v2 local endpoint',
  'v1-local-webservice': 'SDK v1 LocalWebservice',
  'aml-doctor': 'AML Deploy Doctor local deployment',
  'scoring-like': 'looks like an Azure ML scoring container (no Azure ML labels)',
};

export function containerNode(c: ScoringContainer, details: ContainerDetails | undefined, host: string | PortReach, oomKills = 0): ContainerNodeModel {
  const status = containerStatus(c, details, oomKills);
  const { uri, unreachable } = scoringPort(c, details, host);
  const ports = (details?.ports.length ? details.ports : c.ports)
    .filter((p) => p.publicPort)
    .map((p) => `${p.ip ?? '0.0.0.0'}:${p.publicPort}->${p.privatePort}`)
    .join(', ');
  const started = details?.state.startedAt && !details.state.startedAt.startsWith('0001') ? details.state.startedAt : undefined;
  const lines = [
    `${c.name} (${KIND_LABEL[c.kind]})`,
    `status: ${status.label}`,
    `image: ${c.image}`,
    `ports: ${ports || 'none published'}`,
    `scoring URI: ${uri ?? (unreachable ? `none: ${unreachable}` : 'none (no published port)')}`,
    `started: ${started ?? 'never'}`,
    `restart count: ${status.restartCount}`,
  ];
  if (status.oomKills) lines.push(`out-of-memory kills since start: ${status.oomKills}`);
  if (details?.memoryBytes) lines.push(`memory limit: ${(details.memoryBytes / 1024 ** 3).toFixed(2)} GB`);
  if (details?.state.health?.status === 'unhealthy' && details.state.health.lastOutput) lines.push(`last health check: ${details.state.health.lastOutput.trim().slice(0, 200)}`);
  if (details?.state.error) lines.push(`error: ${details.state.error}`);
  const keys = [`${status.dockerState}Container`, status.condition];
  if (c.labels[AML_DOCTOR_LABEL]) keys.push('localDeploy');
  if (uri) keys.push('scoring');
  return {
    id: c.id,
    name: c.name,
    label: c.deployment,
    description: status.label,
    status,
    tooltip: lines.join('\n'),
    contextValue: keys.join(' '),
    scoringUri: uri,
    kind: c.kind,
    container: c,
    startedAt: started,
  };
}

export function buildDockerTree(
  containers: ScoringContainer[],
  details: ReadonlyMap<string, ContainerDetails>,
  host: string | PortReach,
  oomKills: ReadonlyMap<string, number> = new Map(),
): GroupNodeModel[] {
  const groups = new Map<string, GroupNodeModel>();
  for (const c of containers) {
    let g = groups.get(c.group);
    if (!g) groups.set(c.group, (g = { name: c.group, kind: c.kind, containers: [] }));
    g.containers.push(containerNode(c, details.get(c.id), host, oomKills.get(c.id) ?? 0));
  }
  const out = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const g of out) g.containers.sort((a, b) => a.label.localeCompare(b.label));
  return out;
}
