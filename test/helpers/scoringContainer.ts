// Starts the real scoring image with a project folder bind-mounted at /var/azureml-app (as Azure ML v2
// local endpoints do) and the extension's harness at /var/aml-doctor; waits until GET / answers.
import Docker from 'dockerode';
import * as path from 'node:path';

export const TEST_IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
export const REPO = path.resolve(__dirname, '..', '..');

export interface ScoringContainer {
  id: string;
  name: string;
  url: string;
  container: Docker.Container;
  remove(): Promise<void>;
}

export async function startScoringContainer(options: {
  name: string;
  project: string;
  image?: string;
  env?: Record<string, string>;
  workers?: number;
  labels?: Record<string, string>;
  healthTimeoutMs?: number;
}): Promise<ScoringContainer> {
  const docker = new Docker();
  await docker.getContainer(options.name).remove({ force: true }).catch(() => undefined);
  const container = await docker.createContainer({
    name: options.name,
    Image: options.image ?? TEST_IMAGE,
    Cmd: ['sh', '/var/aml-doctor/start.sh'],
    Env: Object.entries({
      AML_APP_ROOT: '/var/azureml-app',
      AZUREML_ENTRY_SCRIPT: 'score.py',
      AZUREML_MODEL_DIR: '/var/azureml-app/model',
      WORKER_COUNT: String(options.workers ?? 1),
      ...options.env,
    }).map(([k, v]) => `${k}=${v}`),
    Labels: { 'aml-doctor.test': 'debug', ...options.labels },
    ExposedPorts: { '5001/tcp': {} },
    HostConfig: {
      Binds: [`${options.project}:/var/azureml-app:ro`, `${path.join(REPO, 'media', 'harness')}:/var/aml-doctor:ro`],
      PortBindings: { '5001/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] },
    },
  });
  await container.start();
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports['5001/tcp']![0]!.HostPort;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.healthTimeoutMs ?? 60000);
  for (;;) {
    // A ref'd timer bounds each try: while the server boots, docker-proxy holds the connection open
    // and undici's socket alone does not keep Node's event loop alive.
    const ac = new AbortController();
    const bound = setTimeout(() => ac.abort(), 2000);
    try {
      if ((await fetch(`${url}/`, { signal: ac.signal })).ok) break;
    } catch {
      /* not listening yet */
    } finally {
      clearTimeout(bound);
    }
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`container ${options.name} exited (${state.ExitCode}) before answering GET /`);
    if (Date.now() > deadline) throw new Error(`container ${options.name} did not answer GET / in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    id: info.Id,
    name: options.name,
    url,
    container,
    remove: () => container.remove({ force: true }).catch(() => undefined),
  };
}
