// VS Code glue for "Attach Debugger to Container": the aml-container debug type (inline adapter,
// configuration provider with dynamic configurations) and the one-click command.
import * as vscode from 'vscode';
import { DockerodeClient, type DockerClient } from '../docker/client';
import { findScoringContainers, type ScoringContainer } from '../docker/discovery';
import { refuseUntrusted, registerCommand } from '../host/commands';
import type { ExtensionServices } from '../host/services';
import { readSettings } from '../host/settings';
import { ContainerDebugAdapter } from './adapter';
import { AttachError, listeningDebugPort, probeContainer } from './target';

export const DEBUG_TYPE = 'aml-container';

export interface AmlContainerDebugConfiguration extends vscode.DebugConfiguration {
  type: typeof DEBUG_TYPE;
  request: 'attach';
  container: string;
  processId?: number;
  pathMappings?: { localRoot: string; remoteRoot: string }[];
  justMyCode?: boolean;
  localEntryScript?: string;
}

const workspaceFolders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

async function runningScoringContainers(docker: DockerClient): Promise<ScoringContainer[]> {
  return findScoringContainers(await docker.listContainers()).filter((c) => c.state === 'running');
}

async function pickContainer(docker: DockerClient): Promise<ScoringContainer | undefined> {
  const running = await runningScoringContainers(docker);
  if (running.length === 0) {
    void vscode.window.showWarningMessage(vscode.l10n.t('No running scoring container to attach to. Deploy score.py locally (AML Deploy Doctor: Deploy Locally (Docker)...) or start your local endpoint first.'));
    return undefined;
  }
  if (running.length === 1) return running[0];
  const pick = await vscode.window.showQuickPick(
    running.map((c) => ({ label: c.deployment, description: c.group, detail: `${c.name} · ${c.image} · ${c.status}`, container: c })),
    { placeHolder: vscode.l10n.t('Attach the debugger to which scoring container?'), matchOnDescription: true, matchOnDetail: true },
  );
  return pick?.container;
}

export function registerDebugFeatures(services: ExtensionServices): void {
  const { context, log } = services;
  let docker: DockerClient = new DockerodeClient({ host: readSettings().dockerHost });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.docker.host')) docker = new DockerodeClient({ host: readSettings().dockerHost });
    }),
    // Trust brings the workspace's settings into effect.
    vscode.workspace.onDidGrantWorkspaceTrust(() => (docker = new DockerodeClient({ host: readSettings().dockerHost }))),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () =>
        new vscode.DebugAdapterInlineImplementation(new ContainerDebugAdapter({ docker, log, workspaceFolders: workspaceFolders() })),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      // Fills what a hand-written (or empty) launch.json leaves out.
      resolveDebugConfiguration: async (_folder, config) => {
        if (!config.type && !config.request && !config.name) return undefined; // no launch.json: let the user pick a type
        if (!vscode.workspace.isTrusted) {
          refuseUntrusted('amlDoctor.debug.attach'); // VS Code disables debugging untrusted too; never reach Docker
          return undefined;
        }
        if (!config.container) {
          const c = await pickContainer(docker);
          if (!c) return undefined;
          config.container = c.name;
        }
        config.request = 'attach';
        config.justMyCode ??= true;
        const active = vscode.window.activeTextEditor?.document;
        if (!config.localEntryScript && active?.languageId === 'python' && active.uri.scheme === 'file') config.localEntryScript = active.uri.fsPath;
        return config;
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      {
        // One ready configuration per running scoring container (Run and Debug > "Attach to ...").
        provideDebugConfigurations: async () =>
          (vscode.workspace.isTrusted ? await runningScoringContainers(docker).catch(() => []) : []).map((c) => ({
            type: DEBUG_TYPE,
            request: 'attach',
            name: vscode.l10n.t('Attach to {0}', c.name),
            container: c.name,
            justMyCode: true,
          })),
      },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    registerCommand(log, 'amlDoctor.debug.attach', async (arg?: unknown) => {
      const fromTree = (arg as { node?: { name?: string } } | undefined)?.node?.name;
      const name = fromTree ?? (await pickContainer(docker))?.name;
      if (!name) return;
      await attach(name);
    }),
  );

  async function attach(container: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const active = vscode.window.activeTextEditor?.document;
    const localEntryScript = active?.languageId === 'python' && active.uri.scheme === 'file' ? active.uri.fsPath : undefined;
    let probe;
    try {
      probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Looking inside {0}', container) }, () => probeContainer(docker, container, log));
    } catch (err) {
      if (err instanceof AttachError) {
        log.warn(`debug: ${err.message}`);
        void vscode.window.showErrorMessage(`${err.message}${err.fix ? ` ${err.fix}` : ''}`);
        return;
      }
      throw err;
    }
    const base: AmlContainerDebugConfiguration = {
      type: DEBUG_TYPE,
      request: 'attach',
      name: vscode.l10n.t('Attach to {0}', probe.name),
      container: probe.details.id,
      justMyCode: true,
      localEntryScript,
    };
    // Gunicorn may run several workers; each serves different requests, so attach to every one of them
    // (unless debugpy already listens in debug mode, where there is one debug server to connect to).
    const workers = listeningDebugPort(probe) !== undefined ? [undefined] : probe.scoring.workers.map((w) => w.pid);
    log.info(`debug: attaching to ${probe.name}: ${workers[0] === undefined ? 'debug-mode debugpy' : `worker pid(s) ${workers.join(', ')}`}`);
    let first: vscode.DebugSession | undefined;
    for (const pid of workers) {
      const config = pid === undefined ? base : { ...base, processId: pid, name: workers.length > 1 ? vscode.l10n.t('{0} (worker {1})', base.name, pid) : base.name };
      const ok = await vscode.debug.startDebugging(folder, config, first ? { parentSession: first, compact: true } : undefined);
      if (!ok) return;
      first ??= vscode.debug.activeDebugSession;
    }
  }
}
