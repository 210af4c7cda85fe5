// When a scoring container is ready, and why it is not: GET / answering 200 (from a new worker after a
// reload), or the kernel's OOM kill, an exit before serving, a timeout, each named from the container's
// last log lines.
import * as l10n from '../common/l10n';
import type { ContainerDetails, DockerClient } from './client';
import { portReach, reachableHost } from './endpoint';
import { httpRequest } from './http';
import { DEBUGPY_PORT, describeCrash, LocalDeployError, SCORING_PORT, type DeployedInfo, type Progress } from './localDeployConfig';

export class Readiness {
  constructor(
    private readonly docker: DockerClient,
    private readonly timeoutMs: number,
  ) {}

  /** The scoring URI a container publishes, as this machine reaches it; undefined before its port is bound. */
  uriFrom(details: ContainerDetails): string | undefined {
    const p = details.ports.find((x) => x.privatePort === SCORING_PORT && x.publicPort);
    const host = p?.publicPort ? reachableHost(p.ip, portReach(this.docker.endpoint)) : undefined;
    if (!host) return undefined;
    return `http://${host.includes(':') ? `[${host}]` : host}:${p!.publicPort}/score`;
  }

  /** The harness's worker id and server (gunicorn, werkzeug...) from GET /; undefined without the harness. */
  async workerId(scoringUri: string): Promise<{ id: string; server?: string } | undefined> {
    try {
      const r = await httpRequest(scoringUri.replace(/\/score$/, '/'), { timeoutMs: 2000 });
      const id = r.headers['x-aml-doctor-worker'];
      return r.status === 200 && id ? { id, server: r.headers['x-aml-doctor-server'] } : undefined;
    } catch {
      return undefined;
    }
  }

  private async logTail(id: string, lines = 40): Promise<string> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of this.docker.logs(id, { tail: lines })) chunks.push(c);
    } catch {
      /* the container may be gone */
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Waits until GET / answers 200 (from a new worker when previousWorker is given), or names why not. */
  async waitReady(id: string, previousWorker: string | undefined, progress: Progress, signal: AbortSignal | undefined, memoryGb: number | undefined, pollMs: number): Promise<DeployedInfo> {
    progress(l10n.t('Waiting for GET / to answer'));
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new LocalDeployError(l10n.t('Cancelled while waiting for the scoring server; the container is left running for its logs.'), 'cancelled', '', id);
      const d = await this.docker.inspectContainer(id);
      // Docker flags OOMKilled only when the main process dies; OOM-killed gunicorn workers show as oom events.
      const startedSec = Date.parse(d.state.startedAt) / 1000;
      const oom = d.state.oomKilled || (startedSec > 0 && (await this.docker.pastEvents(startedSec - 1, Date.now() / 1000, ['oom'])).some((e) => e.id === id));
      if (oom) {
        const limit = memoryGb ? `memory_gb=${+memoryGb.toFixed(3)} (${Math.round(memoryGb * 1024)} MB)` : l10n.t('the memory limit');
        throw new LocalDeployError(
          l10n.t('The scoring server ran out of memory: the kernel killed it (OOMKilled) under {0}. init() or the model needs more memory: raise memory_gb (amlDoctor.localDeploy.memoryGb) or load a smaller model.', limit),
          'oom',
          await this.logTail(id),
          id,
        );
      }
      if (!d.state.running && !d.state.restarting) {
        const tail = await this.logTail(id);
        throw new LocalDeployError(l10n.t('The container {0} exited with code {1} before it served: {2}', d.name, d.state.exitCode, describeCrash(tail, d.state.exitCode)), 'exited', tail, id);
      }
      const uri = this.uriFrom(d);
      if (uri) {
        try {
          const r = await httpRequest(uri.replace(/\/score$/, '/'), { timeoutMs: 2000 });
          const worker = r.headers['x-aml-doctor-worker'];
          if (r.status === 200 && (previousWorker === undefined || (worker && worker !== previousWorker))) {
            const debugPort = d.ports.find((p) => p.privatePort === DEBUGPY_PORT)?.publicPort;
            return { id, name: d.name, scoringUri: uri, port: Number(new URL(uri).port), debugPort };
          }
        } catch {
          /* not listening yet */
        }
      }
      if (Date.now() > deadline) {
        const tail = await this.logTail(id);
        throw new LocalDeployError(
          l10n.t('The scoring server did not answer GET / within {0} s (the container is {1}). {2}', Math.round(this.timeoutMs / 1000), d.state.status, describeCrash(tail, undefined) || l10n.t('A slow init() (large model download or load) is the usual cause: see the container logs.')),
          'timeout',
          tail,
          id,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
