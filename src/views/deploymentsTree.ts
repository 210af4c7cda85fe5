// The "Deployments" tree: Local Docker -> endpoint/service -> deployment container.
// State lives in the model; this provider only renders it (no UI calls here).
import * as vscode from 'vscode';
import type { DockerClient } from '../docker/client';
import { DockerUnavailableError } from '../docker/client';
import { findScoringContainers, type ScoringContainer } from '../docker/discovery';
import type { Logger } from '../common/logger';

type Node =
  | { kind: 'docker-root'; count: number }
  | { kind: 'group'; name: string; containers: ScoringContainer[] }
  | { kind: 'container'; container: ScoringContainer }
  | { kind: 'empty'; label: string };

export type DockerState = { state: 'unknown' } | { state: 'reachable' } | { state: 'unreachable'; reason: string };

export class DeploymentsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<DockerState>();
  readonly onDidChangeDockerState = this.stateChanged.event;
  private containers: ScoringContainer[] = [];
  private dockerState: DockerState = { state: 'unknown' };

  constructor(private docker: DockerClient, private readonly log: Logger) {}

  setDockerClient(docker: DockerClient): void {
    this.docker = docker;
    this.refresh();
  }

  get state(): DockerState {
    return this.dockerState;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  private async load(): Promise<void> {
    try {
      this.containers = findScoringContainers(await this.docker.listContainers());
      this.setState({ state: 'reachable' });
    } catch (err) {
      const reason = err instanceof DockerUnavailableError ? err.message : `Docker failed: ${(err as Error).message}`;
      this.log.warn(`Docker: ${reason}`);
      this.containers = [];
      this.setState({ state: 'unreachable', reason });
    }
  }

  private setState(s: DockerState): void {
    const before = JSON.stringify(this.dockerState);
    this.dockerState = s;
    if (before !== JSON.stringify(s)) this.stateChanged.fire(s);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      await this.load();
      if (this.dockerState.state === 'unreachable') return []; // the welcome view explains why
      return [{ kind: 'docker-root', count: this.containers.length }];
    }
    if (node.kind === 'docker-root') {
      if (this.containers.length === 0) return [{ kind: 'empty', label: 'No scoring containers' }];
      const groups = new Map<string, ScoringContainer[]>();
      for (const c of this.containers) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
      return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([name, containers]) => ({ kind: 'group', name, containers }));
    }
    if (node.kind === 'group') return node.containers.map((container) => ({ kind: 'container', container }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'docker-root': {
        const item = new vscode.TreeItem('Local Docker', vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('vm');
        item.description = `${node.count} scoring container${node.count === 1 ? '' : 's'}`;
        item.contextValue = 'dockerRoot';
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('globe');
        item.contextValue = 'localEndpoint';
        return item;
      }
      case 'container': {
        const c = node.container;
        const item = new vscode.TreeItem(c.deployment, vscode.TreeItemCollapsibleState.None);
        item.description = c.status;
        item.iconPath = new vscode.ThemeIcon(c.state === 'running' ? 'pass-filled' : 'circle-slash');
        item.tooltip = `${c.name}\nimage: ${c.image}\n${c.status}`;
        item.contextValue = `${c.state}Container`;
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
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}
