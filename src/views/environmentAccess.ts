// What building a deployment's environment needs from VS Code, shared by Deploy Locally (registerDocker.ts)
// and Run Doctor's step 4 (registerDoctor.ts): the firewall settings (image map, pip index, proxies), read
// through the trust-aware reader, and the Azure ML workspace a registered `azureml:` environment is read from.
import * as vscode from 'vscode';
import type { WorkspaceRef } from '../azure/types';
import type { LocalDeployConfig } from '../docker/localDeploy';
import { workspaceEnvironmentLookup } from '../environment/azureEnvironment';
import type { EnvironmentOptions } from '../environment/builder';
import type { EnvironmentLookup } from '../environment/types';
import type { ExtensionServices } from '../host/services';
import { setting } from '../host/settings';

const WORKSPACE_KEY = 'amlDoctor.localDeploy.azureWorkspace';

/** The firewall settings: machine-scoped and restricted (a workspace cannot point builds at its own mirror or proxy). */
export function environmentOptions(): EnvironmentOptions {
  // Through the trust-aware reader: untrusted, a workspace's values of these settings are ignored.
  const text = (key: string) => {
    const v = setting<unknown>(`amlDoctor.localDeploy.${key}`, '');
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const list = (key: string) => {
    const v = setting<unknown>(`amlDoctor.localDeploy.${key}`, []);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && !!x.trim()).map((x) => x.trim()) : [];
  };
  const rawMap = setting<unknown>('amlDoctor.localDeploy.imageMap', {});
  const imageMap: Record<string, string> = {};
  if (rawMap && typeof rawMap === 'object') for (const [k, v] of Object.entries(rawMap)) if (k && typeof v === 'string' && v.trim()) imageMap[k] = v.trim();
  return {
    imageMap,
    network: {
      pipIndexUrl: text('pipIndexUrl'),
      pipExtraIndexUrls: list('pipExtraIndexUrls'),
      pipTrustedHosts: list('pipTrustedHosts'),
      condaChannelAlias: text('condaChannelAlias'),
      httpProxy: text('httpProxy'),
      httpsProxy: text('httpsProxy'),
      noProxy: text('noProxy'),
    },
  };
}

/**
 * The Azure ML workspace registered environments are read from: asked once, remembered for the workspace.
 * Undefined when the configuration names no `azureml:` environment or nobody is signed in (the build then
 * says what to do).
 */
export async function environmentLookupFor(services: Pick<ExtensionServices, 'context' | 'azure'>, config: LocalDeployConfig): Promise<EnvironmentLookup | undefined> {
  const azure = services.azure;
  const ref = config.environment?.azureml;
  if (!ref || !azure?.isSignedIn()) return undefined;
  const client = azure.client();
  const state = services.context.workspaceState;
  let workspace = state.get<WorkspaceRef>(WORKSPACE_KEY);
  if (!workspace) {
    const items = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing Azure ML workspaces') }, async () => {
      const out: (vscode.QuickPickItem & { ref: WorkspaceRef })[] = [];
      for (const sub of await client.listSubscriptions()) {
        for (const w of await client.listWorkspaces(sub.id).catch(() => [])) out.push({ label: w.workspace, description: `${w.resourceGroup} · ${sub.name}`, ref: { subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, workspace: w.workspace } });
      }
      return out;
    });
    const pick = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Which workspace holds {0}?', ref.raw) });
    if (!pick) throw new vscode.CancellationError();
    workspace = pick.ref;
    await state.update(WORKSPACE_KEY, workspace);
  }
  return workspaceEnvironmentLookup(client, workspace);
}
