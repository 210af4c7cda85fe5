// What every feature area receives at activation: passed in, never reached through globals.
import type * as vscode from 'vscode';
import type { AzureClient } from '../azure/client';
import type { DeploymentsTreeProvider } from '../views/deploymentsTree';
import type { HostLog } from './log';

export interface ExtensionServices {
  context: vscode.ExtensionContext;
  log: HostLog;
  tree: DeploymentsTreeProvider;
  view: vscode.TreeView<unknown>;
  /** Set by the Azure area: other areas read registered resources (environments) through it when signed in. */
  azure?: AzureAccess;
}

export interface AzureAccess {
  isSignedIn(): boolean;
  client(): AzureClient;
}
