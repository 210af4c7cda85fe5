// Stand-alone entry of the aml-container adapter: DAP on stdin/stdout (`node dist/debug-adapter.js`).
// VS Code runs the same class inline; this entry serves launchers and the DebugClient tests.
import { createStderrLogger } from '../common/logger';
import { DockerodeClient } from '../docker/client';
import { ContainerDebugAdapter } from './adapter';

const adapter = new ContainerDebugAdapter({
  docker: new DockerodeClient({ host: process.env.AML_DOCTOR_DOCKER_HOST }),
  log: createStderrLogger(process.env.AML_DOCTOR_LOG_LEVEL === 'debug' ? 'debug' : 'warn'),
  workspaceFolders: (process.env.AML_DOCTOR_WORKSPACE_FOLDERS ?? process.cwd()).split(':').filter(Boolean),
});
adapter.start(process.stdin, process.stdout);
// Exit only after the container is cleaned up (debugpy's processes ended; bounded inside shutdown()).
let exiting = false;
const exit = () => {
  if (exiting) return;
  exiting = true;
  void adapter.shutdown().finally(() => process.exit(0));
};
process.stdin.on('end', exit);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
