// Local Docker features: the tree section, its welcome state, container actions (logs, restart, stop,
// start, remove, inspect, copy scoring URI, send test request) and local deployments
// (deploy / reload / update / delete).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DockerodeClient } from '../docker/client';
import { APP_ROOT, LocalDeployError, LocalDeployer, type LocalDeployConfig } from '../docker/localDeploy';
import { configFromDeploymentYaml } from '../environment/deploymentYaml';
import type { ContainerNodeModel } from '../docker/tree';
import { InvalidSampleError, sendTestRequest, validateSample } from '../docker/testRequest';
import { registerCommand } from '../host/commands';
import type { ExtensionServices } from '../host/services';
import { readSettings } from '../host/settings';
import { DockerSection, type DockerNode } from './dockerSection';
import { LogPanel } from './logPanel';
import { TestRequestPanel } from './testRequestPanel';

const INSPECT_SCHEME = 'amldoctor-inspect';

interface LocalDeploySettings {
  baseImage: string;
  port: number;
  memoryGb: number;
  readinessTimeoutSeconds: number;
  debug: boolean;
}

function localDeploySettings(): LocalDeploySettings {
  const c = vscode.workspace.getConfiguration('amlDoctor.localDeploy');
  return {
    baseImage: c.get<string>('baseImage', ''),
    port: c.get<number>('port', 0),
    memoryGb: c.get<number>('memoryGb', 0),
    readinessTimeoutSeconds: c.get<number>('readinessTimeoutSeconds', 120),
    debug: c.get<boolean>('debug', false),
  };
}

class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  set(uri: vscode.Uri, text: string): void {
    this.docs.set(uri.toString(), text);
    this.changed.fire(uri);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
  dispose(): void {
    this.changed.dispose();
  }
}

export function registerDockerFeatures(services: ExtensionServices): void {
  const { context, log, tree } = services;
  const newClient = () => new DockerodeClient({ host: readSettings().dockerHost });
  const section = new DockerSection(newClient(), log);
  tree.addSection(section);
  const inspectDocs = new InspectDocuments();
  const harnessDir = context.asAbsolutePath(path.join('media', 'harness'));
  const deployer = () => new LocalDeployer(section.client, log, { harnessDir, readinessTimeoutMs: localDeploySettings().readinessTimeoutSeconds * 1000 });
  let lastBody: string | undefined;

  /** The container a command acts on: the tree node it was invoked on, or one picked from the tree. */
  async function target(arg: unknown, filter: (n: ContainerNodeModel) => boolean = () => true, placeHolder = 'Pick a scoring container'): Promise<ContainerNodeModel> {
    const node = arg as DockerNode | undefined;
    if (node && node.section === 'docker' && node.kind === 'container') return node.node;
    const candidates = section.containers().filter(filter);
    if (candidates.length === 0) throw new Error('No matching scoring container on the local Docker engine.');
    const pick = await vscode.window.showQuickPick(
      candidates.map((n) => ({ label: n.label, description: n.description, detail: n.name, n })),
      { placeHolder },
    );
    if (!pick) throw new vscode.CancellationError();
    return pick.n;
  }

  async function withProgress<T>(title: string, fn: (report: (m: string) => void, signal: AbortSignal) => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return fn((message) => progress.report({ message }), abort.signal);
    });
  }

  function showLogs(n: ContainerNodeModel): void {
    const abort = new AbortController();
    LogPanel.show(context.extensionUri, log, {
      title: `${n.name} (docker)`,
      chunks: section.client.logs(n.id, { follow: true, tail: 2000, signal: abort.signal }),
      format: 'raw',
      sourceRoot: n.container.labels['aml-doctor.source-dir'],
      remoteRoot: APP_ROOT,
      live: true,
      dispose: () => abort.abort(),
    });
  }

  async function deployFailed(err: unknown, what: string): Promise<void> {
    if (!(err instanceof LocalDeployError)) throw err;
    log.error(`${what}: ${err.message}${err.logTail ? `\n--- last container log lines ---\n${err.logTail}` : ''}`);
    const actions = err.containerId ? ['Show Logs'] : [];
    const choice = await vscode.window.showErrorMessage(`${what}: ${err.message}`, ...actions);
    if (choice === 'Show Logs' && err.containerId) {
      const snap = await section.explorer.reload();
      const n = snap.groups.flatMap((g) => g.containers).find((c) => c.id === err.containerId);
      if (n) showLogs(n);
    }
  }

  async function announce(info: { name: string; scoringUri: string; debugPort?: number }): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      `Local deployment ${info.name} answers at ${info.scoringUri}${info.debugPort ? ` (debugpy on 127.0.0.1:${info.debugPort})` : ''}.`,
      'Send Test Request',
      'Copy Scoring URI',
    );
    if (choice === 'Copy Scoring URI') await vscode.env.clipboard.writeText(info.scoringUri);
    if (choice === 'Send Test Request') {
      const snap = await section.explorer.reload();
      const n = snap.groups.flatMap((g) => g.containers).find((c) => c.name === info.name);
      if (n) await vscode.commands.executeCommand('amlDoctor.docker.sendTestRequest', { section: 'docker', kind: 'container', node: n });
    }
  }

  /** Builds a deployment configuration: from a deployment YAML that names the script, or by asking. */
  async function askConfig(scriptUri: vscode.Uri | undefined): Promise<LocalDeployConfig> {
    const s = localDeploySettings();
    const yamls = (await vscode.workspace.findFiles('**/*.{yml,yaml}', '**/{node_modules,.git}/**', 200)).filter((u) => {
      try {
        return /code_configuration:/.test(fs.readFileSync(u.fsPath, 'utf8'));
      } catch {
        return false;
      }
    });
    const script = scriptUri ?? vscode.window.activeTextEditor?.document.uri;
    const matching = yamls.filter((u) => !script || fs.readFileSync(u.fsPath, 'utf8').includes(path.basename(script.fsPath)));
    if (matching.length) {
      const picks = [
        ...matching.map((u) => ({ label: `$(file) ${vscode.workspace.asRelativePath(u)}`, description: 'deployment YAML', uri: u as vscode.Uri | undefined })),
        { label: '$(edit) Enter the settings step by step', description: '', uri: undefined },
      ];
      const pick = await vscode.window.showQuickPick(picks, { placeHolder: 'Deploy from a deployment YAML or enter the settings' });
      if (!pick) throw new vscode.CancellationError();
      if (pick.uri) {
        return configFromDeploymentYaml(fs.readFileSync(pick.uri.fsPath, 'utf8'), pick.uri.fsPath, { baseImage: s.baseImage, port: s.port, memoryGb: s.memoryGb || undefined });
      }
    }
    let entry = script && script.fsPath.endsWith('.py') ? script : undefined;
    if (!entry) {
      const picked = await vscode.window.showOpenDialog({ title: 'Entry script (score.py)', canSelectMany: false, filters: { Python: ['py'] } });
      if (!picked?.[0]) throw new vscode.CancellationError();
      entry = picked[0];
    }
    const defaultSource = path.dirname(entry.fsPath);
    const source = await vscode.window.showInputBox({ title: 'Source folder (copied to /var/azureml-app)', value: defaultSource, validateInput: (v) => (fs.existsSync(v) && fs.statSync(v).isDirectory() ? undefined : 'No such folder') });
    if (source === undefined) throw new vscode.CancellationError();
    const rel = path.relative(source, entry.fsPath);
    if (rel.startsWith('..')) throw new Error(`The entry script ${entry.fsPath} is not inside the source folder ${source}.`);
    const model = await vscode.window.showOpenDialog({ title: 'Model file or folder (Cancel: no model)', canSelectFiles: true, canSelectFolders: true, defaultUri: vscode.Uri.file(source) });
    const conda = await vscode.window.showOpenDialog({ title: 'Conda environment file (Cancel: none)', canSelectMany: false, filters: { YAML: ['yml', 'yaml'] }, defaultUri: vscode.Uri.file(source) });
    const endpoint = await vscode.window.showInputBox({ title: 'Endpoint name', value: 'local-endpoint', validateInput: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v) ? undefined : 'Letters, digits, "-", "_" and "." only') });
    if (!endpoint) throw new vscode.CancellationError();
    const deployment = await vscode.window.showInputBox({ title: 'Deployment name', value: 'blue', validateInput: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v) ? undefined : 'Letters, digits, "-", "_" and "." only') });
    if (!deployment) throw new vscode.CancellationError();
    return {
      endpoint,
      deployment,
      sourceDir: source,
      entryScript: rel.split(path.sep).join('/'),
      modelPath: model?.[0]?.fsPath,
      condaFile: conda?.[0]?.fsPath,
      baseImage: s.baseImage,
      port: s.port,
      memoryGb: s.memoryGb || undefined,
    };
  }

  async function pickBody(): Promise<string | undefined> {
    const files = (await vscode.workspace.findFiles('**/*.json', '**/{node_modules,.git,.vscode}/**', 200)).sort((a, b) => {
      const score = (u: vscode.Uri) => (/sample|request|input|payload/i.test(path.basename(u.fsPath)) ? 0 : 1);
      return score(a) - score(b) || a.fsPath.localeCompare(b.fsPath);
    });
    const editor = vscode.window.activeTextEditor;
    type Item = vscode.QuickPickItem & { body?: () => string | undefined; edit?: boolean };
    const items: Item[] = [
      ...(lastBody ? [{ label: '$(history) Last request body', description: lastBody.slice(0, 60), body: () => lastBody }] : []),
      ...(editor && editor.document.languageId === 'json' ? [{ label: '$(edit) The active editor', description: vscode.workspace.asRelativePath(editor.document.uri), body: () => editor.document.getText() }] : []),
      ...files.map((u) => ({ label: `$(json) ${vscode.workspace.asRelativePath(u)}`, body: () => fs.readFileSync(u.fsPath, 'utf8') })),
      { label: '$(pencil) Type or edit a request body...', edit: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Request body for POST /score (a JSON sample)' });
    if (!pick) return undefined;
    let body = pick.body?.();
    if (pick.edit || body === undefined) {
      body = await vscode.window.showInputBox({
        title: 'Request body (JSON)',
        value: lastBody ?? '{"data": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}',
        validateInput: (v) => {
          try {
            validateSample(v);
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
    }
    return body;
  }

  context.subscriptions.push(
    section,
    inspectDocs,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectDocs),
    section.onDidChangeDockerState((s) => {
      // The welcome view (package.json viewsWelcome) picks its text from these keys. A TreeView message
      // would hide the welcome view, so the full sentence goes to the log instead.
      void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerReason', s.state === 'unreachable' ? s.reason : undefined);
      void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerState', s.state);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.docker.host')) section.setDockerClient(newClient());
    }),
    registerCommand(log, 'amlDoctor.deployments.refresh', () => tree.refresh()),

    registerCommand(log, 'amlDoctor.docker.showLogs', async (arg?: unknown) => showLogs(await target(arg))),
    registerCommand(log, 'amlDoctor.docker.restart', async (arg?: unknown) => {
      const n = await target(arg);
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Restarting ${n.name}` }, () => section.client.restart(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.stop', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.status.dockerState === 'running' || c.status.dockerState === 'restarting');
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stopping ${n.name}` }, () => section.client.stop(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.start', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.status.dockerState !== 'running');
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Starting ${n.name}` }, () => section.client.start(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.remove', async (arg?: unknown) => {
      const n = await target(arg);
      const ok = await vscode.window.showWarningMessage(`Remove the container ${n.name}? Its logs and anything written inside it are lost.`, { modal: true }, 'Remove');
      if (ok !== 'Remove') return;
      await section.client.remove(n.id, { force: true, volumes: true });
    }),
    registerCommand(log, 'amlDoctor.docker.inspect', async (arg?: unknown) => {
      const n = await target(arg);
      const details = await section.client.inspectContainer(n.id);
      const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${n.name}.json` });
      inspectDocs.set(uri, JSON.stringify(details.raw, null, 2));
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, 'json');
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    registerCommand(log, 'amlDoctor.docker.copyScoringUri', async (arg?: unknown) => {
      const n = await target(arg, (c) => !!c.scoringUri);
      if (!n.scoringUri) throw new Error(`${n.name} publishes no port: there is no scoring URI to copy.`);
      await vscode.env.clipboard.writeText(n.scoringUri);
      void vscode.window.setStatusBarMessage(`Copied ${n.scoringUri}`, 4000);
    }),
    registerCommand(log, 'amlDoctor.docker.sendTestRequest', async (arg?: unknown, bodyArg?: unknown) => {
      const n = await target(arg, (c) => !!c.scoringUri, 'Send a test request to...');
      if (!n.scoringUri) throw new Error(`${n.name} publishes no port: there is no scoring URI to send a request to.`);
      const body = typeof bodyArg === 'string' ? bodyArg : await pickBody();
      if (body === undefined) return undefined;
      try {
        validateSample(body);
      } catch (err) {
        if (err instanceof InvalidSampleError) {
          void vscode.window.showErrorMessage(err.message);
          return undefined;
        }
        throw err;
      }
      lastBody = body;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `POST ${n.scoringUri}` }, () => sendTestRequest(n.scoringUri!, body));
      log.info(`test request to ${n.name}: ${result.status || 'no response'} in ${result.latencyMs.toFixed(1)} ms`);
      TestRequestPanel.show(result, `Test request: ${n.label}`, body);
      return { status: result.status, latencyMs: result.latencyMs };
    }),

    registerCommand(log, 'amlDoctor.localDeploy.deploy', async (uri?: vscode.Uri) => {
      if (!vscode.workspace.isTrusted) throw new Error('Local deployments run code from this folder in a container: trust the workspace first.');
      const config = await askConfig(uri instanceof vscode.Uri ? uri : undefined);
      config.debug = config.debug ?? localDeploySettings().debug;
      try {
        const info = await withProgress(`Deploying ${config.endpoint}/${config.deployment} locally`, (report, signal) => deployer().deploy(config, report, signal));
        void announce(info);
      } catch (err) {
        await deployFailed(err, `Local deployment ${config.endpoint}/${config.deployment} failed`);
      }
    }),
    registerCommand(log, 'amlDoctor.localDeploy.reload', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), 'Reload which local deployment?');
      const { 'aml-doctor.endpoint': ep, 'aml-doctor.deployment': dep } = n.container.labels;
      try {
        const info = await withProgress(`Reloading ${n.name}`, (report, signal) => deployer().reload(ep!, dep!, report, signal));
        void vscode.window.setStatusBarMessage(`Reloaded ${info.name}: ${info.scoringUri}`, 5000);
      } catch (err) {
        await deployFailed(err, `Reloading ${n.name} failed`);
      }
    }),
    registerCommand(log, 'amlDoctor.localDeploy.update', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), 'Update (recreate) which local deployment?');
      const { 'aml-doctor.endpoint': ep, 'aml-doctor.deployment': dep } = n.container.labels;
      const d = deployer();
      const previous = await d.configOf(ep!, dep!);
      if (!previous) throw new Error(`${n.name} has no recorded configuration: deploy it again with "Deploy Locally".`);
      const s = localDeploySettings();
      const config: LocalDeployConfig = { ...previous, baseImage: s.baseImage || previous.baseImage, memoryGb: s.memoryGb || previous.memoryGb, debug: s.debug };
      try {
        const info = await withProgress(`Updating ${n.name}`, (report, signal) => d.update(config, report, signal));
        void announce(info);
      } catch (err) {
        await deployFailed(err, `Updating ${n.name} failed`);
      }
    }),
    registerCommand(log, 'amlDoctor.localDeploy.delete', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), 'Delete which local deployment?');
      const { 'aml-doctor.endpoint': ep, 'aml-doctor.deployment': dep } = n.container.labels;
      const ok = await vscode.window.showWarningMessage(`Delete the local deployment ${ep}/${dep} (container ${n.name})?`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return;
      const removed = await deployer().delete(ep!, dep!);
      void vscode.window.setStatusBarMessage(`Deleted ${ep}/${dep} (${removed} container${removed === 1 ? '' : 's'})`, 5000);
    }),
  );
}
