// Which processes in a scoring container serve requests, i.e. where a debugger must attach.
import * as path from 'node:path';
import type { ProbeProcess } from './probe';

export interface ScoringProcesses {
  /** The processes that run score.py (gunicorn workers, or the single server process). */
  workers: ProbeProcess[];
  /** The gunicorn master, when there is one (not a target: it never runs score.py). */
  master?: ProbeProcess;
  server: 'gunicorn' | 'azmlinfsrv' | 'python';
}

const isPython = (p: ProbeProcess) => /python/.test(path.basename(p.exe)) || /python/.test(path.basename(p.cmdline[0] ?? ''));
const mentions = (p: ProbeProcess, word: string) => p.cmdline.some((a) => a.includes(word));
const isDebugTooling = (p: ProbeProcess) => p.cmdline.some((a) => /debugpy[./](adapter|launcher)|pydevd/.test(a));

export function findScoringProcesses(processes: ProbeProcess[]): ScoringProcesses {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const candidates = processes.filter((p) => !isDebugTooling(p));
  const gunicorns = candidates.filter((p) => mentions(p, 'gunicorn'));
  if (gunicorns.length > 0) {
    // Workers are gunicorn processes whose parent is also gunicorn; the master's parent is not.
    const master = gunicorns.find((p) => !gunicorns.some((q) => q.pid === p.ppid));
    const workers = gunicorns.filter((p) => byPid.get(p.ppid) && gunicorns.some((q) => q.pid === p.ppid));
    const server = gunicorns.some((p) => mentions(p, 'azureml_inference_server_http') || mentions(p, 'azmlinfsrv')) ? 'azmlinfsrv' : 'gunicorn';
    return { workers: workers.sort((a, b) => a.pid - b.pid), master, server };
  }
  // A single-process server (the harness on Flask's server, azmlinfsrv on Windows-style runs, a custom app).
  const pythons = candidates.filter(isPython);
  const scoring = pythons.filter((p) => p.env.AML_APP_ROOT !== undefined || p.env.AZUREML_ENTRY_SCRIPT !== undefined || mentions(p, 'azml') || mentions(p, 'score'));
  return { workers: (scoring.length ? scoring : pythons).sort((a, b) => a.pid - b.pid), server: 'python' };
}
