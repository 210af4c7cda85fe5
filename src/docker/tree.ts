// The Local Docker part of the Deployments tree as plain data (labels, icons, tooltips, menu keys),
// built from discovered scoring containers. The VS Code view only turns these into TreeItems.
import * as l10n from '../common/l10n';
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
  if (!ip) return { unreachable: l10n.t('published on {0}:{1} of the engine\'s machine {2}, which is not reachable from here (publish it on 0.0.0.0, or forward the port with ssh -L)', pick.ip ?? '', pick.publicPort, reach.publishHost) };
  return { uri: `http://${ip.includes(':') ? `[${ip}]` : ip}:${pick.publicPort}/score` };
}

export function scoringUri(c: ScoringContainer, details: ContainerDetails | undefined, host: string | PortReach): string | undefined {
  return scoringPort(c, details, host).uri;
}

const kindLabel = (kind: ScoringKind): string =>
  ({
    'v2-local-endpoint': l10n.t('Azure ML CLI/SDK v2 local endpoint'),
    'v1-local-webservice': l10n.t('SDK v1 LocalWebservice'),
    'aml-doctor': l10n.t('AML Deploy Doctor local deployment'),
    'scoring-like': l10n.t('looks like an Azure ML scoring container (no Azure ML labels)'),
  })[kind];

export function containerNode(c: ScoringContainer, details: ContainerDetails | undefined, host: string | PortReach, oomKills = 0): ContainerNodeModel {
  const status = containerStatus(c, details, oomKills);
  const { uri, unreachable } = scoringPort(c, details, host);
  const ports = (details?.ports.length ? details.ports : c.ports)
    .filter((p) => p.publicPort)
    .map((p) => `${p.ip ?? '0.0.0.0'}:${p.publicPort}->${p.privatePort}`)
    .join(', ');
  const started = details?.state.startedAt && !details.state.startedAt.startsWith('0001') ? details.state.startedAt : undefined;
  const lines = [
    `${c.name} (${kindLabel(c.kind)})`,
    l10n.t('status: {0}', status.label),
    l10n.t('image: {0}', c.image),
    l10n.t('ports: {0}', ports || l10n.t('none published')),
    l10n.t('scoring URI: {0}', uri ?? (unreachable ? l10n.t('none: {0}', unreachable) : l10n.t('none (no published port)'))),
    l10n.t('started: {0}', started ?? l10n.t('never')),
    l10n.t('restart count: {0}', status.restartCount),
  ];
  if (status.oomKills) lines.push(l10n.t('out-of-memory kills since start: {0}', status.oomKills));
  if (details?.memoryBytes) lines.push(l10n.t('memory limit: {0} GB', (details.memoryBytes / 1024 ** 3).toFixed(2)));
  if (details?.state.health?.status === 'unhealthy' && details.state.health.lastOutput) lines.push(l10n.t('last health check: {0}', details.state.health.lastOutput.trim().slice(0, 200)));
  if (details?.state.error) lines.push(l10n.t('error: {0}', details.state.error));
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
