// Activation: construct and register, nothing else. Heavy parts (language server process,
// Azure SDKs) start lazily so activation stays cheap.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DockerodeClient } from './docker/client';
import { registerCommand } from './host/commands';
import { createLanguageClient, forwardSettings } from './host/languageClient';
import { HostLog } from './host/log';
import { readSettings } from './host/settings';
import { DeploymentsTreeProvider } from './views/deploymentsTree';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = new HostLog();
  context.subscriptions.push(log);
  try {
    const settings = readSettings();
    const tree = new DeploymentsTreeProvider(new DockerodeClient({ host: settings.dockerHost }), log);
    const view = vscode.window.createTreeView('amlDoctor.views.deployments', { treeDataProvider: tree, showCollapseAll: true });
    context.subscriptions.push(
      tree,
      view,
      tree.onDidChangeDockerState((s) => {
        void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerState', s.state);
        view.message = s.state === 'unreachable' ? s.reason : undefined;
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('amlDoctor.docker.host')) tree.setDockerClient(new DockerodeClient({ host: readSettings().dockerHost }));
      }),
      registerCommand(log, 'amlDoctor.deployments.refresh', () => tree.refresh()),
      registerCommand(log, 'amlDoctor.log.show', () => log.show()),
    );

    client = createLanguageClient(context, log.channel);
    context.subscriptions.push(forwardSettings(client));
    client.start().then(
      () => log.info('language server started'),
      (err: Error) => {
        log.error(err);
        void vscode.window.showErrorMessage(`AML Deploy Doctor: the language server did not start: ${err.message}`);
      },
    );
    log.info(`activated (${context.extension.packageJSON.version})`);
  } catch (err) {
    // VS Code does not surface activation failures to users: do it ourselves.
    log.error(err as Error);
    void vscode.window.showErrorMessage(`AML Deploy Doctor failed to activate: ${(err as Error).message}`);
    throw err;
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
