// What state a scoring container is in, told apart the way a user needs it: running, healthy,
// unhealthy, restarting, exited (with its code), OOM-killed. Pure: from list + inspect data.
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
    if (dockerState === 'running') return make('oom-killed', `OOM-killed${times} (out of memory), running`);
    if (dockerState === 'restarting') return make('oom-killed', `OOM-killed${times} (out of memory), restarting (${restartCount})`);
    return make('oom-killed', `OOM-killed${times} (out of memory), exited (${exitCode ?? '?'})`);
  }
  switch (dockerState) {
    case 'restarting':
      return make('restarting', restartCount ? `restarting (${restartCount} restarts)` : 'restarting');
    case 'running':
      if (health === 'healthy') return make('healthy', 'running, healthy');
      if (health === 'unhealthy') return make('unhealthy', 'running, unhealthy');
      if (health === 'starting') return make('starting', 'running, starting');
      return make('running', 'running');
    case 'paused':
      return make('paused', 'paused');
    case 'created':
      return make('created', 'created (not started)');
    case 'dead':
      return make('dead', 'dead');
    case 'exited':
      return exitCode === 0 || exitCode === undefined ? make('exited', `exited (${exitCode ?? '?'})`) : make('crashed', `exited (${exitCode})`);
    default:
      return make('exited', dockerState);
  }
}
