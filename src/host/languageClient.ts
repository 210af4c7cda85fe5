// Starts the language server (dist/server.js) over IPC for Python entry scripts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SettingsChangedNotification, type ServerSettings } from '../server/protocol';
import { readSettings } from './settings';

export function serverSettings(): ServerSettings {
  return { entryScripts: readSettings().entryScripts };
}

export function createLanguageClient(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }],
    initializationOptions: serverSettings(),
    outputChannel,
  };
  return new LanguageClient('amlDoctor', 'AML Deploy Doctor Language Server', serverOptions, clientOptions);
}

export function forwardSettings(client: LanguageClient): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('amlDoctor.entryScripts') && client.isRunning()) {
      void client.sendNotification(SettingsChangedNotification, serverSettings());
    }
  });
}
