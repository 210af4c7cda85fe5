// What every feature area receives at activation: passed in, never reached through globals.
import type * as vscode from 'vscode';
import type { AzureClient } from '../azure/client';
import type { OnlineDeploymentInfo } from '../azure/types';
import type { DeploymentsTreeProvider } from '../views/deploymentsTree';
import type { RuntimeDiagnostics } from '../views/runtimeDiagnostics';
import type { HostLog } from './log';

export interface ExtensionServices {
  context: vscode.ExtensionContext;
  log: HostLog;
  tree: DeploymentsTreeProvider;
  view: vscode.TreeView<unknown>;
  /** Runtime findings: tracebacks from logs placed on the local entry script's line (Problems panel). */
  runtime: RuntimeDiagnostics;
  /** Set by the Azure area: what other areas (Run Doctor) may use of it. */
  azure?: AzureAccessService;
}

export interface AzureAccessService {
  isSignedIn(): boolean;
  /** The client for the current settings; throws when signed out. */
  client(): AzureClient;
  /** Deployments already listed in the tree (no extra Azure call). */
  listedDeployments(): OnlineDeploymentInfo[];
  logTail(): number;
}
