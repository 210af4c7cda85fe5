// Azure features: sign-in, the Azure section of the Deployments tree, deployment logs (tail and follow, into
// the log panel and its classifier), failure explanations and the autoscale replica calculator.
// The SDKs load on first Azure use only (loadAzureModule).
import type { TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import type { AzureClient } from '../azure/client';
import { formatExplanation } from '../azure/explain';
import { abortableDelay, followLogs } from '../azure/logFollow';
import { calculateReplicas, formatReplicaPlan, parseSeconds, parseUtilization, type ReplicaInput } from '../azure/replicas';
import type { LogContainer, OnlineDeploymentInfo } from '../azure/types';
import { AzureAuth, loadAzureModule, readAzureSettings } from '../host/azureAuth';
import { registerCommand } from '../host/commands';
import type { ExtensionServices } from '../host/services';
import { AzureSection, type AzureNode } from './azureSection';
import { panelOwner, showLogPanel } from './registerLogs';

function containerLabel(c: LogContainer): string {
  return c === 'InferenceServer' ? vscode.l10n.t('inference server') : vscode.l10n.t('storage initializer');
}

export function registerAzureFeatures(services: ExtensionServices): void {
  const { context, log, tree } = services;
  const auth = new AzureAuth(log, context.globalState);
  let cached: { endpoint: string; credential: TokenCredential; client: AzureClient } | undefined;
  const client = (): AzureClient => {
    const { resourceManagerEndpoint: endpoint } = readAzureSettings();
    const credential = auth.getCredential();
    if (!cached || cached.endpoint !== endpoint || cached.credential !== credential) {
      cached = { endpoint, credential, client: loadAzureModule().createAzureClient({ credential, resourceManagerEndpoint: endpoint, logger: log }) };
    }
    return cached.client;
  };
  const section = new AzureSection(
    {
      isSignedIn: () => auth.state.signedIn,
      signedOutReason: () => (auth.state.signedIn ? undefined : auth.state.reason),
      account: () => (auth.state.signedIn ? auth.state.account : undefined),
      client,
    },
    log,
  );
  tree.addSection(section);
  services.azure = { isSignedIn: () => auth.state.signedIn, client, listedDeployments: () => section.listedDeployments.map((n) => n.dep), logTail: () => readAzureSettings().logTail };

  const deploymentOf = (arg: unknown): OnlineDeploymentInfo | undefined => {
    const n = arg as AzureNode | undefined;
    if (n && (n.kind === 'deployment' || n.kind === 'logs' || n.kind === 'explanation' || n.kind === 'failure')) return n.dep;
    return undefined;
  };

  /** From the palette (no tree node): pick one of the deployments listed in the tree. */
  /**
   * Deployment and container in one quick pick ("diabetes-ep/blue: inference server"). One step on purpose:
   * two quick picks in a row race with VS Code's close animation of the first, which can leave the second
   * one inert (seen in code-server 1.139).
   */
  const pickLogs = async (purpose: string, arg?: AzureNode): Promise<{ dep: OnlineDeploymentInfo; container: LogContainer } | undefined> => {
    if (arg?.kind === 'logs') return { dep: arg.dep, container: arg.container };
    const given = deploymentOf(arg);
    const deps = given ? [given] : section.listedDeployments.map((n) => n.dep);
    if (!deps.length) throw new Error(vscode.l10n.t('No Azure deployments are listed yet: expand an online endpoint in the Deployments view, then {0}.', purpose));
    const items = deps.flatMap((dep) =>
      logContainers().map((c) => ({
        label: `${dep.endpoint}/${dep.name}: ${c.label}`,
        description: `${dep.provisioningState ?? ''} · ${c.description}`,
        detail: `${dep.ref.workspace} (${dep.ref.resourceGroup})`,
        dep,
        container: c.container,
      })),
    );
    const pick = await vscode.window.showQuickPick(items, { title: given ? vscode.l10n.t('Which container logs?') : vscode.l10n.t('Which deployment and container? ({0})', purpose), matchOnDescription: true, matchOnDetail: true });
    return pick && { dep: pick.dep, container: pick.container };
  };

  const following = new Set<AbortController>();

  /** Opens the log panel on getLogs: one tail, or polling with de-duplication until the panel closes. */
  function openLogs(dep: OnlineDeploymentInfo, container: LogContainer, follow: boolean): void {
    const s = readAzureSettings();
    const c = client();
    const ac = new AbortController();
    const fetch = (signal: AbortSignal) => c.getDeploymentLogs(dep.ref, dep.endpoint, dep.name, { container, tail: s.logTail }, signal);
    async function* tail(): AsyncGenerator<string> {
      yield await fetch(ac.signal);
    }
    let lastError = '';
    const chunks = follow
      ? followLogs({
          fetch,
          wait: abortableDelay,
          intervalMs: s.logPollSeconds * 1000,
          signal: ac.signal,
          onError: (err) => {
            const e = err as { message?: string; kind?: string };
            if (e.message !== lastError) log.warn(`azure logs: polling ${dep.endpoint}/${dep.name} failed, will retry: ${e.message}`);
            lastError = e.message ?? '';
            return e.kind !== 'unauthenticated' && e.kind !== 'signedOut' && e.kind !== 'notFound' && e.kind !== 'forbidden';
          },
        })
      : tail();
    if (follow) following.add(ac);
    showLogPanel(services, {
      title: follow
        ? vscode.l10n.t('{0}/{1} {2} (Azure, last {3} lines, following)', dep.endpoint, dep.name, containerLabel(container), s.logTail)
        : vscode.l10n.t('{0}/{1} {2} (Azure, last {3} lines)', dep.endpoint, dep.name, containerLabel(container), s.logTail),
      chunks,
      sourceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      live: follow,
      // Tracebacks through /var/azureml-app/<code>/<script> onto the workspace's entry scripts, the YAML's first.
      runtime: { owner: panelOwner('azure'), mapping: { kind: 'workspace', deployment: { endpoint: dep.endpoint, name: dep.name } }, label: vscode.l10n.t('the {0} log of {1}/{2}', containerLabel(container), dep.endpoint, dep.name) },
      dispose: () => {
        ac.abort();
        following.delete(ac);
      },
    });
  }

  context.subscriptions.push(
    auth,
    section,
    { dispose: () => following.forEach((ac) => ac.abort()) },
    auth.onDidChange(() => section.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.azure')) {
        cached = undefined;
        void auth.check().then(() => section.refresh());
      }
    }),
    registerCommand(log, 'amlDoctor.azure.signIn', async () => {
      const before = JSON.stringify(auth.state);
      const state = await auth.signIn();
      if (state.signedIn) {
        // A new sign-in already refreshed the section (auth.onDidChange); signing in again re-lists.
        if (JSON.stringify(state) === before) section.refresh();
        void vscode.commands.executeCommand('amlDoctor.views.deployments.focus');
      }
    }),
    registerCommand(log, 'amlDoctor.azure.signOut', () => auth.signOut()),
    registerCommand(log, 'amlDoctor.azure.refresh', () => section.refresh()),
    registerCommand(log, 'amlDoctor.azure.showLogs', async (arg?: AzureNode) => {
      const picked = await pickLogs(vscode.l10n.t('show its logs'), arg);
      if (picked) openLogs(picked.dep, picked.container, false);
    }),
    registerCommand(log, 'amlDoctor.azure.followLogs', async (arg?: AzureNode) => {
      const picked = await pickLogs(vscode.l10n.t('follow its logs'), arg);
      if (picked) openLogs(picked.dep, picked.container, true);
    }),
    registerCommand(log, 'amlDoctor.azure.stopFollowingLogs', () => {
      const n = following.size;
      following.forEach((ac) => ac.abort());
      following.clear();
      void vscode.window.setStatusBarMessage(n ? vscode.l10n.t('AML Deploy Doctor: stopped following {0} Azure log(s)', n) : vscode.l10n.t('AML Deploy Doctor: no Azure log is being followed'), 4000);
    }),
    registerCommand(log, 'amlDoctor.azure.explainFailure', async (arg?: AzureNode) => {
      const explanations = arg?.kind === 'explanation' ? [arg.explanation] : arg?.kind === 'deployment' ? arg.explanations : [];
      if (!explanations.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No explanation for this deployment: it has not failed, or the failure reason is not a known one (see its logs).'));
        return;
      }
      const dep = deploymentOf(arg)!;
      const content = [`# ${vscode.l10n.t('Why {0}/{1} failed', dep.endpoint, dep.name)}`, '', ...explanations.map(formatExplanation)].join('\n\n');
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    registerCommand(log, 'amlDoctor.azure.calculateReplicas', async (arg?: AzureNode) => {
      const dep = deploymentOf(arg);
      const input = await askReplicaInput(dep?.maxConcurrentRequestsPerInstance);
      if (!input) return;
      const plan = calculateReplicas(input);
      const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: `# ${vscode.l10n.t('Autoscale replica calculator (AML Deploy Doctor)')}\n${formatReplicaPlan(input, plan)}\n` });
      await vscode.window.showTextDocument(doc, { preview: false });
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} replicas needed (autoscale_min_replicas {1}, autoscale_max_replicas {2}).', plan.replicas, plan.autoscale.autoscale_min_replicas, plan.autoscale.autoscale_max_replicas));
    }),
  );
  // The sign-in check may load the SDK bundle and run the Azure CLI: do it when the view is first shown,
  // and not before the workspace is trusted (then it runs at once, without a reload).
  let checked = false;
  const firstCheck = () => {
    if (checked || !services.view.visible || !vscode.workspace.isTrusted) return;
    checked = true;
    void auth.check();
  };
  firstCheck();
  context.subscriptions.push(services.view.onDidChangeVisibility(firstCheck), vscode.workspace.onDidGrantWorkspaceTrust(firstCheck));
}

const logContainers = (): { label: string; description: string; container: LogContainer }[] => [
  { label: containerLabel('InferenceServer'), description: vscode.l10n.t('score.py, gunicorn, the Azure ML inference server'), container: 'InferenceServer' },
  { label: containerLabel('StorageInitializer'), description: vscode.l10n.t('model and code download before start'), container: 'StorageInitializer' },
];

/** The calculator form: four input boxes with validation, defaults from the guide. */
async function askReplicaInput(maxConcurrentDefault?: number): Promise<ReplicaInput | undefined> {
  const positive = (v: string) => (Number.isFinite(Number(v)) && Number(v) > 0 ? undefined : vscode.l10n.t('Enter a number greater than 0'));
  const rps = await vscode.window.showInputBox({ title: vscode.l10n.t('Replica calculator ({0}/4)', 1), prompt: vscode.l10n.t('Target requests per second'), value: '20', validateInput: positive, ignoreFocusOut: true });
  if (rps === undefined) return undefined;
  const time = await vscode.window.showInputBox({
    title: vscode.l10n.t('Replica calculator ({0}/4)', 2),
    prompt: vscode.l10n.t('Time one request takes (seconds; "250ms" also works)'),
    value: '10',
    validateInput: (v) => (parseSeconds(v) && parseSeconds(v)! > 0 ? undefined : vscode.l10n.t('Enter a duration such as 10, 1.5s or 250ms')),
    ignoreFocusOut: true,
  });
  if (time === undefined) return undefined;
  const conc = await vscode.window.showInputBox({
    title: vscode.l10n.t('Replica calculator ({0}/4)', 3),
    prompt: vscode.l10n.t('Max concurrent requests per container / instance'),
    value: String(maxConcurrentDefault ?? 1),
    validateInput: (v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? undefined : vscode.l10n.t('Enter a whole number, at least 1')),
    ignoreFocusOut: true,
  });
  if (conc === undefined) return undefined;
  const util = await vscode.window.showInputBox({
    title: vscode.l10n.t('Replica calculator ({0}/4)', 4),
    prompt: vscode.l10n.t('Target utilization (percent)'),
    value: '70',
    validateInput: (v) => {
      const u = parseUtilization(v);
      return u !== undefined && u > 0 && u <= 1 ? undefined : vscode.l10n.t('Enter a percentage between 1 and 100, e.g. 70');
    },
    ignoreFocusOut: true,
  });
  if (util === undefined) return undefined;
  return { requestsPerSecond: Number(rps), requestSeconds: parseSeconds(time)!, maxConcurrentRequests: Number(conc), targetUtilization: parseUtilization(util)! };
}
