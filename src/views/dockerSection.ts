// The "Local Docker" section: Local Docker -> endpoint/service -> deployment container. Renders the
// pure DockerExplorer model (event-driven, reconnecting); no Docker calls happen in here.
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { DockerClient, DockerUnavailableReason } from '../docker/client';
import { OTHER_GROUP } from '../docker/discovery';
import { DockerExplorer, type ExplorerSnapshot } from '../docker/explorer';
import type { ContainerNodeModel, GroupNodeModel } from '../docker/tree';
import type { SectionNode, TreeSection } from './treeSection';

export type DockerNode = SectionNode &
  (
    | { kind: 'docker-root'; count: number }
    | { kind: 'group'; group: GroupNodeModel }
    | { kind: 'container'; node: ContainerNodeModel }
    | { kind: 'empty'; label: string }
  );

export type DockerState =
  | { state: 'unknown' }
  | { state: 'reachable' }
  | { state: 'unreachable'; reason: DockerUnavailableReason; message: string };

const SECTION = 'docker';

const GROUP_ICON: Record<GroupNodeModel['kind'], string> = {
  'v2-local-endpoint': 'globe',
  'v1-local-webservice': 'server-environment',
  'aml-doctor': 'rocket',
  'scoring-like': 'question',
};

export class DockerSection implements TreeSection<DockerNode> {
  readonly id = SECTION;
  private readonly changed = new vscode.EventEmitter<DockerNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<DockerState>();
  readonly onDidChangeDockerState = this.stateChanged.event;
  readonly explorer: DockerExplorer;
  private lastState = '';
  private firstLoad: Promise<ExplorerSnapshot> | undefined;
  private readonly listener: { dispose(): void };
  /** One stable root node, so a change can refresh just this section's subtree. */
  private readonly root: Extract<DockerNode, { kind: 'docker-root' }> = { section: SECTION, kind: 'docker-root', count: 0 };
  private rootShown = false;

  constructor(docker: DockerClient, log: Logger) {
    this.explorer = new DockerExplorer(docker, log);
    this.listener = this.explorer.onDidChange((s) => {
      const key = JSON.stringify(s.state);
      const stateChanged = key !== this.lastState;
      if (stateChanged) {
        this.lastState = key;
        this.stateChanged.fire(s.state);
      }
      this.root.count = s.count;
      // Only the Local Docker subtree changes on a container event: refreshing the whole tree would
      // reload the Azure section and close a context menu opened on any row.
      if (stateChanged || !this.rootShown) this.changed.fire(undefined);
      else this.changed.fire(this.root);
    });
  }

  setDockerClient(docker: DockerClient): void {
    this.explorer.setClient(docker);
  }

  get client(): DockerClient {
    return this.explorer.client;
  }

  get state(): DockerState {
    return this.explorer.snapshot.state;
  }

  /** Refresh: reload now and, when unreachable, reconnect without waiting for the backoff. */
  refresh(): void {
    if (!vscode.workspace.isTrusted) return; // Restricted Mode: no Docker call at all
    this.explorer.retryNow();
  }

  /** All container nodes currently shown (for commands invoked from the palette). */
  containers(): ContainerNodeModel[] {
    return this.explorer.snapshot.groups.flatMap((g) => g.containers);
  }

  async getRoots(): Promise<DockerNode[]> {
    // Restricted Mode: the engine is not contacted; the welcome view says why and how to trust.
    if (!vscode.workspace.isTrusted) return [];
    // The event stream (and dockerode with it) starts when the tree is first shown, not at activation.
    this.explorer.start();
    let snap = this.explorer.snapshot;
    if (snap.state.state === 'unknown') snap = await (this.firstLoad ??= this.explorer.reload());
    if (snap.state.state !== 'reachable') {
      this.rootShown = false;
      return []; // the welcome view explains why
    }
    this.root.count = snap.count;
    this.rootShown = true;
    return [this.root];
  }

  async getChildren(node: DockerNode): Promise<DockerNode[]> {
    if (node.kind === 'docker-root') {
      const groups = this.explorer.snapshot.groups;
      if (groups.length === 0) return [{ section: SECTION, kind: 'empty', label: vscode.l10n.t('No scoring containers') }];
      return groups.map((group) => ({ section: SECTION, kind: 'group', group }));
    }
    if (node.kind === 'group') return node.group.containers.map((n) => ({ section: SECTION, kind: 'container', node: n }));
    return [];
  }

  getTreeItem(node: DockerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'docker-root': {
        const item = new vscode.TreeItem(vscode.l10n.t('Local Docker'), vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'docker-root';
        item.iconPath = new vscode.ThemeIcon('vm');
        item.description = node.count === 1 ? vscode.l10n.t('1 scoring container') : vscode.l10n.t('{0} scoring containers', node.count);
        item.tooltip = vscode.l10n.t('Docker engine: {0}', this.explorer.client.endpoint);
        item.contextValue = 'dockerRoot';
        return item;
      }
      case 'group': {
        // The group of unlabelled containers is named in English in the model (it keys the item); shown translated.
        const item = new vscode.TreeItem(node.group.name === OTHER_GROUP ? vscode.l10n.t('Other scoring containers') : node.group.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `docker-group:${node.group.name}`;
        item.iconPath = new vscode.ThemeIcon(GROUP_ICON[node.group.kind]);
        item.contextValue = node.group.kind === 'aml-doctor' ? 'localEndpoint localDeploy' : 'localEndpoint';
        return item;
      }
      case 'container': {
        const n = node.node;
        const item = new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.None);
        item.id = `docker-container:${n.id}`;
        item.description = n.description;
        item.iconPath = new vscode.ThemeIcon(n.status.icon, n.status.color ? new vscode.ThemeColor(n.status.color) : undefined);
        item.tooltip = n.tooltip;
        item.contextValue = n.contextValue;
        item.accessibilityInformation = { label: `${n.label}, ${n.description}` };
        return item;
      }
      case 'empty': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  dispose(): void {
    this.listener.dispose();
    void this.explorer.dispose();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}
