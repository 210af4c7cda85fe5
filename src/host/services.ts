// What every feature area receives at activation: passed in, never reached through globals.
import type * as vscode from 'vscode';
import type { DeploymentsTreeProvider } from '../views/deploymentsTree';
import type { HostLog } from './log';

export interface ExtensionServices {
  context: vscode.ExtensionContext;
  log: HostLog;
  tree: DeploymentsTreeProvider;
  view: vscode.TreeView<unknown>;
}
