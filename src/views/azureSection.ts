// The "Azure" section of the Deployments tree: subscriptions -> ML workspaces -> online endpoints ->
// deployments (state, instance type x count, scale settings, traffic, failure explanations, logs), and
// compute targets. Every load runs under an AbortSignal that a refresh cancels (and runs again, see
// LoadGenerations, when VS Code still awaits it); every Azure failure becomes
// a tree row that says what happened and what to do, never an exception in the tree.
import * as vscode from 'vscode';
import type { AzureClient } from '../azure/client';
import { AzureError, toAzureError } from '../azure/errors';
import { explainDeploymentError, formatExplanation, type DeploymentExplanation } from '../azure/explain';
import type { AzureSubscription, AzureWorkspace, ComputeInfo, LogContainer, OnlineDeploymentInfo, OnlineEndpointInfo, OperationFailure } from '../azure/types';
import { LoadGenerations } from '../common/generations';
import { redactSecrets, type Logger } from '../common/logger';
import type { SectionNode, TreeSection } from './treeSection';

const SECTION = 'azure';

export type AzureNode = SectionNode &
  (
    | { kind: 'root' }
    | { kind: 'signedOut' }
    | { kind: 'subscription'; sub: AzureSubscription }
    | { kind: 'workspace'; ws: AzureWorkspace }
    | { kind: 'group'; ws: AzureWorkspace; group: 'endpoints' | 'computes' }
    | { kind: 'endpoint'; ep: OnlineEndpointInfo }
    | { kind: 'deployment'; dep: OnlineDeploymentInfo; failures: OperationFailure[]; explanations: DeploymentExplanation[]; failureError?: string }
    | { kind: 'explanation'; dep: OnlineDeploymentInfo; explanation: DeploymentExplanation }
    | { kind: 'failure'; dep: OnlineDeploymentInfo; failure: OperationFailure }
    | { kind: 'logs'; dep: OnlineDeploymentInfo; container: LogContainer }
    | { kind: 'compute'; compute: ComputeInfo }
    | { kind: 'message'; label: string; detail?: string; icon: 'error' | 'warning' | 'info' | 'sign-in'; command?: vscode.Command }
  );

export type DeploymentNode = Extract<AzureNode, { kind: 'deployment' }>;

export interface AzureSectionHost {
  /** True when a credential is available (otherwise the section is a "signed out" row offering sign-in). */
  isSignedIn(): boolean;
  /** Why the user is signed out (shown in the row's tooltip), e.g. the Azure CLI credential's error. */
  signedOutReason(): string | undefined;
  account(): string | undefined;
  /** The client for the current settings; throws when signed out. */
  client(): AzureClient;
}

const FAILURE_LOOKBACK_DAYS = 30;

export class AzureSection implements TreeSection<AzureNode> {
  readonly id = SECTION;
  private readonly changed = new vscode.EventEmitter<AzureNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly generations = new LoadGenerations();
  /**
   * Successful loads by node key, kept until an Azure refresh: the composite tree also re-queries this
   * section when another section changes (Docker events), which must not re-list ARM, and the same node
   * objects keep VS Code's element handles valid for context-menu commands.
   */
  private readonly cache = new Map<string, Promise<AzureNode[]>>();
  private readonly root: AzureNode = { section: SECTION, kind: 'root' };
  private readonly signedOut: AzureNode = { section: SECTION, kind: 'signedOut' };

  constructor(private readonly host: AzureSectionHost, private readonly log: Logger) {}

  /** Deployments listed so far (for commands run from the palette), by resource id. */
  private readonly listed = new Map<string, DeploymentNode>();

  get listedDeployments(): DeploymentNode[] {
    return [...this.listed.values()];
  }

  refresh(): void {
    this.generations.next(); // loads still awaited run again in the new generation
    this.cache.clear();
    this.listed.clear();
    this.changed.fire(undefined);
  }

  async getRoots(): Promise<AzureNode[]> {
    return this.host.isSignedIn() ? [this.root] : [];
  }

  /** Signed out, Azure still has its row next to Local Docker (when Docker is unreachable the welcome view offers sign-in). */
  getPlaceholderRoots(): AzureNode[] {
    return this.host.isSignedIn() ? [] : [this.signedOut];
  }

  /** Why sign-in is needed, for tooltips: a credential's error text (e.g. the Azure CLI's output), redacted and bounded. */
  private signedOutDetail(): string | undefined {
    const reason = this.host.signedOutReason();
    return reason === undefined ? undefined : redactSecrets(reason).slice(0, 500);
  }

  private message(label: string, icon: 'error' | 'warning' | 'info' | 'sign-in', detail?: string, command?: vscode.Command): AzureNode {
    return { section: SECTION, kind: 'message', label, icon, detail, command };
  }

  /** Turns a failure into rows; cancellation yields nothing (a refresh is already on its way). */
  private errorRows(err: unknown, what: string): AzureNode[] {
    const e = err instanceof AzureError ? err : toAzureError(err, what);
    if (e.kind === 'cancelled') return [];
    this.log.warn(`azure tree: ${e.message}`);
    const retry: vscode.Command = { command: 'amlDoctor.azure.refresh', title: vscode.l10n.t('Retry') };
    switch (e.kind) {
      case 'signedOut':
      case 'unauthenticated':
        return [this.message(e.kind === 'signedOut' ? vscode.l10n.t('Sign in to Azure...') : vscode.l10n.t('Azure rejected the sign-in: sign in again...'), 'sign-in', e.message, { command: 'amlDoctor.azure.signIn', title: vscode.l10n.t('Sign in') })];
      case 'forbidden':
        return [this.message(vscode.l10n.t('No permission to list this'), 'warning', e.message)];
      case 'notFound':
        return [this.message(vscode.l10n.t('Not found (deleted or moved?)'), 'warning', e.message, retry)];
      case 'throttled':
        return [this.message(e.details.retryAfterMs !== undefined ? vscode.l10n.t('Throttled by Azure: retry in {0} s', Math.ceil(e.details.retryAfterMs / 1000)) : vscode.l10n.t('Throttled by Azure'), 'warning', e.message, retry)];
      case 'server':
        return [this.message(vscode.l10n.t('Azure server error (HTTP {0})', e.details.status ?? '?'), 'error', e.message, retry)];
      case 'certificate':
        return [this.message(vscode.l10n.t('Untrusted TLS certificate'), 'error', e.message, retry)];
      case 'network':
        return [this.message(vscode.l10n.t('Cannot reach Azure'), 'error', e.message, retry)];
      case 'proxy':
        return [this.message(vscode.l10n.t('The HTTPS proxy refused the connection (HTTP {0})', e.details.status ?? '?'), 'error', e.message, retry)];
      case 'foreignHost':
        return [this.message(vscode.l10n.t('Refused a link to another host'), 'warning', e.message, retry)];
      default:
        return [this.message(vscode.l10n.t('Failed: {0}', e.message), 'error', e.message, retry)];
    }
  }

  private async load(what: string, fn: (client: AzureClient, signal: AbortSignal) => Promise<AzureNode[]>, empty: string): Promise<AzureNode[]> {
    const started = Date.now();
    try {
      const nodes = await this.generations.run((signal) => fn(this.host.client(), signal));
      this.log.info(`azure tree: ${what}: ${nodes.length} row(s) in ${Date.now() - started} ms`);
      return nodes.length ? nodes : [this.message(empty, 'info')];
    } catch (err) {
      return this.errorRows(err, what);
    }
  }

  async getChildren(node: AzureNode): Promise<AzureNode[]> {
    const key = nodeKey(node);
    if (!key) return this.loadChildren(node);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const pending = this.loadChildren(node);
    this.cache.set(key, pending);
    const rows = await pending;
    // Failures are not kept: expanding the node again (or any re-query) retries.
    if (rows.some((r) => r.kind === 'message' && r.icon !== 'info') && this.cache.get(key) === pending) this.cache.delete(key);
    return rows;
  }

  private async loadChildren(node: AzureNode): Promise<AzureNode[]> {
    switch (node.kind) {
      case 'signedOut':
        return [this.message(vscode.l10n.t('Sign in to see online endpoints, deployments and their logs...'), 'sign-in', this.signedOutDetail(), { command: 'amlDoctor.azure.signIn', title: vscode.l10n.t('Sign in to Azure') })];
      case 'root':
        return this.load('list subscriptions', async (c, s) => (await c.listSubscriptions(s)).map((sub) => ({ section: SECTION, kind: 'subscription', sub })), vscode.l10n.t('No subscriptions for this account'));
      case 'subscription':
        return this.load(
          'list workspaces',
          async (c, s) => (await c.listWorkspaces(node.sub.id, s)).map((ws) => ({ section: SECTION, kind: 'workspace', ws })),
          vscode.l10n.t('No Azure ML workspaces in this subscription'),
        );
      case 'workspace':
        return [
          { section: SECTION, kind: 'group', ws: node.ws, group: 'endpoints' },
          { section: SECTION, kind: 'group', ws: node.ws, group: 'computes' },
        ];
      case 'group':
        if (node.group === 'endpoints') {
          return this.load('list online endpoints', async (c, s) => (await c.listOnlineEndpoints(node.ws, s)).map((ep) => ({ section: SECTION, kind: 'endpoint', ep })), vscode.l10n.t('No online endpoints'));
        }
        return this.load('list compute targets', async (c, s) => (await c.listComputes(node.ws, s)).map((compute) => ({ section: SECTION, kind: 'compute', compute })), vscode.l10n.t('No compute targets'));
      case 'endpoint':
        return this.load(`list deployments of ${node.ep.name}`, (c, s) => this.deployments(c, node.ep, s), vscode.l10n.t('No deployments'));
      case 'deployment': {
        const rows: AzureNode[] = [];
        for (const explanation of node.explanations) rows.push({ section: SECTION, kind: 'explanation', dep: node.dep, explanation });
        if (node.explanations.length === 0) for (const failure of node.failures.slice(0, 3)) rows.push({ section: SECTION, kind: 'failure', dep: node.dep, failure });
        if (node.failureError) rows.push(this.message(vscode.l10n.t('Could not read the failure reason'), 'warning', node.failureError));
        rows.push({ section: SECTION, kind: 'logs', dep: node.dep, container: 'InferenceServer' });
        rows.push({ section: SECTION, kind: 'logs', dep: node.dep, container: 'StorageInitializer' });
        return rows;
      }
      default:
        return [];
    }
  }

  /** Deployments of an endpoint; failed ones get their failure reason from the activity log, explained. */
  private async deployments(client: AzureClient, ep: OnlineEndpointInfo, signal: AbortSignal): Promise<AzureNode[]> {
    const deps = await client.listOnlineDeployments(ep.ref, ep, signal);
    return Promise.all(
      deps.map(async (dep): Promise<AzureNode> => {
        const node: DeploymentNode = { section: SECTION, kind: 'deployment', dep, failures: [], explanations: [] };
        this.listed.set(dep.id, node);
        if (dep.provisioningState?.toLowerCase() !== 'failed') return node;
        try {
          node.failures = await client.listOperationFailures(dep.ref.subscriptionId, dep.id, FAILURE_LOOKBACK_DAYS, signal);
          node.explanations = explainDeploymentError(node.failures.map((f) => `${f.code ?? ''}: ${f.message}`).join('\n'));
        } catch (err) {
          const e = toAzureError(err, 'read the failure reason');
          if (e.kind === 'cancelled') throw e;
          node.failureError = e.message;
        }
        return node;
      }),
    );
  }

  getTreeItem(node: AzureNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'root': {
        const item = new vscode.TreeItem('Azure', C.Expanded);
        item.id = 'azure-root';
        item.iconPath = new vscode.ThemeIcon('azure');
        item.description = this.host.account();
        item.contextValue = 'azureRoot';
        return item;
      }
      case 'signedOut': {
        const item = new vscode.TreeItem('Azure', C.Expanded);
        item.id = 'azure-signed-out';
        item.iconPath = new vscode.ThemeIcon('azure');
        item.description = vscode.l10n.t('signed out');
        item.tooltip = this.signedOutDetail();
        item.contextValue = 'azureSignedOut';
        return item;
      }
      case 'subscription': {
        const item = new vscode.TreeItem(node.sub.name, C.Collapsed);
        item.id = `azure-sub-${node.sub.id}`;
        item.iconPath = new vscode.ThemeIcon('key');
        item.tooltip = `${node.sub.name}\n${node.sub.id}${node.sub.state ? `\n${node.sub.state}` : ''}`;
        item.contextValue = 'azureSubscription';
        return item;
      }
      case 'workspace': {
        const item = new vscode.TreeItem(node.ws.workspace, C.Expanded);
        item.id = `azure-ws-${node.ws.id}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.description = node.ws.resourceGroup;
        item.tooltip = `${node.ws.id}${node.ws.location ? `\n${node.ws.location}` : ''}`;
        item.contextValue = 'azureWorkspace';
        return item;
      }
      case 'group': {
        const endpoints = node.group === 'endpoints';
        const item = new vscode.TreeItem(endpoints ? vscode.l10n.t('Online endpoints') : vscode.l10n.t('Compute'), endpoints ? C.Expanded : C.Collapsed);
        item.id = `azure-${node.group}-${node.ws.id}`;
        item.iconPath = new vscode.ThemeIcon(endpoints ? 'globe' : 'server');
        item.contextValue = endpoints ? 'azureEndpoints' : 'azureComputes';
        return item;
      }
      case 'endpoint': {
        const ep = node.ep;
        const item = new vscode.TreeItem(ep.name, C.Expanded);
        item.id = `azure-ep-${ep.id}`;
        item.iconPath = new vscode.ThemeIcon('globe');
        const kind = ep.compute ? `Kubernetes (${ep.compute.split('/').pop()})` : vscode.l10n.t('Managed');
        item.description = `${kind}${ep.provisioningState && ep.provisioningState !== 'Succeeded' ? ` · ${ep.provisioningState}` : ''}`;
        const traffic = Object.entries(ep.traffic).map(([d, p]) => `${d} ${p}%`).join(', ');
        item.tooltip = [ep.name, kind, vscode.l10n.t('state: {0}', ep.provisioningState ?? '?'), vscode.l10n.t('auth: {0}', ep.authMode ?? '?'), vscode.l10n.t('traffic: {0}', traffic || vscode.l10n.t('none')), ...(ep.scoringUri ? [ep.scoringUri] : [])].join('\n');
        item.contextValue = 'azureEndpoint';
        return item;
      }
      case 'deployment':
        return deploymentItem(node);
      case 'explanation': {
        const item = new vscode.TreeItem(node.explanation.title, C.None);
        item.id = `azure-explanation-${node.dep.id}-${node.explanation.id}`;
        item.iconPath = new vscode.ThemeIcon('lightbulb', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.description = node.explanation.fixes[0];
        item.tooltip = new vscode.MarkdownString(formatExplanation(node.explanation));
        item.contextValue = 'azureExplanation';
        item.command = { command: 'amlDoctor.azure.explainFailure', title: vscode.l10n.t('Explain'), arguments: [node] };
        return item;
      }
      case 'failure': {
        const item = new vscode.TreeItem(`${node.failure.code ?? vscode.l10n.t('Failed')}: ${node.failure.message.split('\n')[0]}`, C.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.tooltip = `${node.failure.time ? vscode.l10n.t('{0} at {1}', node.failure.operation, node.failure.time) : node.failure.operation}\n\n${node.failure.message}`;
        item.contextValue = 'azureFailure';
        return item;
      }
      case 'logs': {
        const inference = node.container === 'InferenceServer';
        const item = new vscode.TreeItem(inference ? vscode.l10n.t('Inference server logs') : vscode.l10n.t('Storage initializer logs'), C.None);
        item.id = `azure-logs-${node.dep.id}-${node.container}`;
        item.iconPath = new vscode.ThemeIcon('output');
        item.description = inference ? 'score.py, gunicorn' : vscode.l10n.t('model and code download');
        item.contextValue = 'azureLogs';
        item.command = { command: 'amlDoctor.azure.showLogs', title: vscode.l10n.t('Show Logs'), arguments: [node] };
        return item;
      }
      case 'compute': {
        const c = node.compute;
        const item = new vscode.TreeItem(c.name, C.None);
        item.id = `azure-compute-${c.id}`;
        item.iconPath = new vscode.ThemeIcon(c.gpu ? 'circuit-board' : 'server');
        const parts = [c.computeType, c.vmSize, c.nodeCount !== undefined ? (c.nodeCount === 1 ? vscode.l10n.t('1 node') : vscode.l10n.t('{0} nodes', c.nodeCount)) : undefined, c.gpu ? 'GPU' : undefined];
        if (c.provisioningState && c.provisioningState !== 'Succeeded') parts.push(c.provisioningState);
        item.description = parts.filter(Boolean).join(' · ');
        item.tooltip = `${c.name}\n${item.description}${c.clusterFqdn ? `\n${c.clusterFqdn}` : ''}`;
        item.contextValue = c.computeType === 'AKS' || c.computeType === 'Kubernetes' ? 'azureKubernetesCompute' : 'azureCompute';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.detail;
        if (node.command) item.command = node.command;
        item.contextValue = 'azureMessage';
        return item;
      }
    }
  }

  dispose(): void {
    this.generations.dispose();
    this.changed.dispose();
  }
}

function nodeKey(node: AzureNode): string | undefined {
  switch (node.kind) {
    case 'root':
      return 'root';
    case 'subscription':
      return `sub:${node.sub.id}`;
    case 'workspace':
      return `ws:${node.ws.id}`;
    case 'group':
      return `${node.group}:${node.ws.id}`;
    case 'endpoint':
      return `ep:${node.ep.id}`;
    case 'deployment':
      return `dep:${node.dep.id}`;
    default:
      return undefined;
  }
}

/** One line a user can scan: state, instance type x count, scale, traffic. */
export function describeDeployment(d: OnlineDeploymentInfo): string {
  const parts: string[] = [d.provisioningState ?? vscode.l10n.t('Unknown')];
  if (d.instanceType) parts.push(`${d.instanceType} ×${d.instanceCount ?? 1}`);
  if (d.scale?.type === 'TargetUtilization') parts.push(vscode.l10n.t('autoscale {0}-{1} @{2}%', d.scale.minInstances ?? '?', d.scale.maxInstances ?? '?', d.scale.targetUtilizationPercentage ?? '?'));
  parts.push(vscode.l10n.t('{0}% traffic', d.traffic));
  return parts.join(' · ');
}

function deploymentItem(node: DeploymentNode): vscode.TreeItem {
  const d = node.dep;
  const state = d.provisioningState ?? vscode.l10n.t('Unknown');
  const failed = state.toLowerCase() === 'failed';
  const item = new vscode.TreeItem(d.name, failed ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `azure-dep-${d.id}`;
  item.description = describeDeployment(d);
  item.iconPath = failed
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : state === 'Succeeded'
      ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
      : /ing$/i.test(state)
        ? new vscode.ThemeIcon('sync~spin')
        : new vscode.ThemeIcon('circle-outline');
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${d.endpoint} / ${d.name}**: ${state}\n\n`);
  md.appendMarkdown(`- ${vscode.l10n.t('compute: {0}', d.computeType ?? '?')}\n- ${vscode.l10n.t('instance type: {0} × {1}', d.instanceType ?? '?', d.instanceCount ?? 1)}\n- ${vscode.l10n.t('traffic: {0}%', d.traffic)}\n`);
  if (d.scale) md.appendMarkdown(`- ${d.scale.type === 'TargetUtilization' ? vscode.l10n.t('scale: {0} ({1}-{2} instances, target {3}%)', d.scale.type, d.scale.minInstances ?? '?', d.scale.maxInstances ?? '?', d.scale.targetUtilizationPercentage ?? '?') : vscode.l10n.t('scale: {0}', d.scale.type)}\n`);
  if (d.maxConcurrentRequestsPerInstance !== undefined) md.appendMarkdown(`- ${vscode.l10n.t('max concurrent requests per instance: {0}', d.maxConcurrentRequestsPerInstance)}\n`);
  for (const e of node.explanations) md.appendMarkdown(`\n---\n\n${formatExplanation(e)}\n`);
  item.tooltip = md;
  item.contextValue = `azureDeployment${failed ? 'Failed' : ''}`;
  return item;
}
