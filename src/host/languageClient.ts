// Starts the language server (dist/server.js) over IPC for Python entry scripts. The client library
// (~375 KB) is its own bundle, loaded on first use so that activation does not pay for it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { lazyRequire } from '../common/lazyRequire';
import { SERVER_NODE_ARGS, SettingsChangedNotification, type ServerSettings } from '../server/protocol';
import { readSettings } from './settings';

type ClientLib = typeof import('./lspClientBundle');

export function serverSettings(): ServerSettings {
  return { entryScripts: readSettings().entryScripts };
}

export function createLanguageClient(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel): LanguageClient {
  const lib = lazyRequire<ClientLib>('lsp-client.js', 'vscode-languageclient/node');
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: lib.TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS] } },
    debug: { module, transport: lib.TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // YAML: conda environment files (conda-missing-inference-server) and deployment files naming scoring_script.
    documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }, { scheme: 'file', pattern: '**/*.{yml,yaml}' }],
    initializationOptions: serverSettings(),
    outputChannel,
  };
  return new lib.LanguageClient('amlDoctor', 'AML Deploy Doctor Language Server', serverOptions, clientOptions);
}

export function forwardSettings(client: LanguageClient): vscode.Disposable {
  const send = () => {
    if (client.isRunning()) void client.sendNotification(SettingsChangedNotification, serverSettings());
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.entryScripts')) send();
    }),
    // The workspace's own entryScripts value applies once it is trusted (ignored in Restricted Mode).
    vscode.workspace.onDidGrantWorkspaceTrust(send),
  );
}
