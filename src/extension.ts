// Activation: construct and register, nothing else. Each feature area registers itself from its own
// module; heavy parts (language server process, Azure SDKs) start lazily so activation stays cheap.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { useBundle } from './common/l10n';
import { registerDebugFeatures } from './debug/hostDebug';
import { registerCommand } from './host/commands';
import { createLanguageClient, forwardSettings } from './host/languageClient';
import { HostLog } from './host/log';
import type { ExtensionServices } from './host/services';
import { registerWalkthrough } from './host/walkthrough';
import { DeploymentsTreeProvider } from './views/deploymentsTree';
import { registerAzureFeatures } from './views/registerAzure';
import { registerDockerFeatures } from './views/registerDocker';
import { registerDoctorFeatures } from './views/registerDoctor';
import { registerLogFeatures } from './views/registerLogs';
import { RuntimeDiagnostics } from './views/runtimeDiagnostics';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // The plain-Node modules (docker/, azure/, environment/, debug/) translate with the bundle VS Code loaded for us.
  useBundle(vscode.l10n.bundle, vscode.env.language);
  const log = new HostLog();
  context.subscriptions.push(log);
  try {
    const tree = new DeploymentsTreeProvider();
    const view = vscode.window.createTreeView('amlDoctor.views.deployments', { treeDataProvider: tree, showCollapseAll: true });
    context.subscriptions.push(tree, view, registerCommand(log, 'amlDoctor.log.show', () => log.show()));
    const runtime = new RuntimeDiagnostics(log);
    context.subscriptions.push(runtime);
    const services: ExtensionServices = { context, log, tree, view, runtime };
    registerDockerFeatures(services);
    registerAzureFeatures(services);
    registerLogFeatures(services);
    registerDebugFeatures(services);
    registerDoctorFeatures(services);
    registerWalkthrough(services);

    // The language client library and the server process start right after activation returns.
    setImmediate(() => startLanguageClient(context, log));
    log.info(`activated (${context.extension.packageJSON.version})`);
  } catch (err) {
    // VS Code does not surface activation failures to users: do it ourselves.
    log.error(err as Error);
    void vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor failed to activate: {0}', (err as Error).message));
    throw err;
  }
}

function startLanguageClient(context: vscode.ExtensionContext, log: HostLog): void {
  try {
    client = createLanguageClient(context, log.channel);
    context.subscriptions.push(forwardSettings(client));
    client.start().then(
      () => log.info('language server started'),
      (err: Error) => {
        log.error(err);
        void vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor: the language server did not start: {0}', err.message));
      },
    );
  } catch (err) {
    log.error(err as Error);
    void vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor: the language server did not start: {0}', (err as Error).message));
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
