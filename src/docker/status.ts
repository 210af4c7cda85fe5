// What state a scoring container is in, told apart the way a user needs it: running, healthy,
// unhealthy, restarting, exited (with its code), OOM-killed. Pure: from list + inspect data.
import * as l10n from '../common/l10n';
import type { ContainerDetails, ContainerSummary } from './client';

export type ContainerCondition =
  | 'healthy'
  | 'starting'
  | 'unhealthy'
  | 'running'
  | 'restarting'
  | 'oom-killed'
  | 'exited'
  | 'crashed'
  | 'created'
  | 'paused'
  | 'dead';

export interface ContainerStatus {
  condition: ContainerCondition;
  /** Short text for the tree item's description, e.g. "exited (3)", "OOM-killed, restarting". */
  label: string;
  /** Codicon id and theme colour id for the icon. */
  icon: string;
  color?: string;
  /** The engine-level state (running, exited...) used in contextValue for menus. */
  dockerState: string;
  exitCode?: number;
  restartCount: number;
  /** Processes the kernel killed for memory since the container (re)started. */
  oomKills: number;
}

const ICONS: Record<ContainerCondition, { icon: string; color?: string }> = {
  healthy: { icon: 'pass-filled', color: 'charts.green' },
  starting: { icon: 'loading~spin', color: 'charts.blue' },
  unhealthy: { icon: 'warning', color: 'charts.orange' },
  running: { icon: 'play-circle', color: 'charts.green' },
  restarting: { icon: 'debug-restart', color: 'charts.yellow' },
  'oom-killed': { icon: 'flame', color: 'charts.red' },
  exited: { icon: 'circle-outline' },
  crashed: { icon: 'error', color: 'charts.red' },
  created: { icon: 'circle-large-outline' },
  paused: { icon: 'debug-pause', color: 'charts.yellow' },
  dead: { icon: 'close', color: 'charts.red' },
};

/** Exit code from `docker ps` status text ("Exited (3) 5 seconds ago") when no inspect data is at hand. */
export function exitCodeFromStatus(status: string): number | undefined {
  const m = /^Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : undefined;
}

function healthFromStatus(status: string): string | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : m[1];
}

/**
 * @param oomKills `oom` events seen since the container last started. Docker sets State.OOMKilled only when
 * the main process dies; a gunicorn master keeps running while its workers are OOM-killed and re-booted,
 * so the events are the only trace of that loop.
 */
export function containerStatus(summary: Pick<ContainerSummary, 'state' | 'status'>, details?: ContainerDetails, oomKills = 0): ContainerStatus {
  const s = details?.state;
  const dockerState = s?.status ?? summary.state;
  const restartCount = details?.restartCount ?? 0;
  const exitCode = s ? s.exitCode : exitCodeFromStatus(summary.status);
  const health = s?.health?.status ?? healthFromStatus(summary.status);
  const make = (condition: ContainerCondition, label: string): ContainerStatus => ({ condition, label, ...ICONS[condition], dockerState, exitCode, restartCount, oomKills });

  // OOM first: it explains the other symptoms (a worker re-booting, exit 137, a restart loop).
  const live = dockerState === 'running' || dockerState === 'restarting';
  if (s?.oomKilled || (oomKills > 0 && (live || exitCode === 137))) {
    const times = oomKills > 1 ? ` ×${oomKills}` : '';
    if (dockerState === 'running') return make('oom-killed', l10n.t('OOM-killed{0} (out of memory), running', times));
    if (dockerState === 'restarting') return make('oom-killed', l10n.t('OOM-killed{0} (out of memory), restarting ({1})', times, restartCount));
    return make('oom-killed', l10n.t('OOM-killed{0} (out of memory), exited ({1})', times, exitCode ?? '?'));
  }
  switch (dockerState) {
    case 'restarting':
      return make('restarting', restartCount ? l10n.t('restarting ({0} restarts)', restartCount) : l10n.t('restarting'));
    case 'running':
      if (health === 'healthy') return make('healthy', l10n.t('running, healthy'));
      if (health === 'unhealthy') return make('unhealthy', l10n.t('running, unhealthy'));
      if (health === 'starting') return make('starting', l10n.t('running, starting'));
      return make('running', l10n.t('running'));
    case 'paused':
      return make('paused', l10n.t('paused'));
    case 'created':
      return make('created', l10n.t('created (not started)'));
    case 'dead':
      return make('dead', l10n.t('dead'));
    case 'exited':
      return exitCode === 0 || exitCode === undefined ? make('exited', l10n.t('exited ({0})', exitCode ?? '?')) : make('crashed', l10n.t('exited ({0})', exitCode));
    default:
      return make('exited', dockerState);
  }
}
