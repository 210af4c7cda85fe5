// The "Local Docker" section: Local Docker -> endpoint/service -> deployment container.
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { DockerUnavailableError, type DockerClient } from '../docker/client';
import { findScoringContainers, type ScoringContainer } from '../docker/discovery';
import type { SectionNode, TreeSection } from './treeSection';

type DockerNode = SectionNode &
  (
    | { kind: 'docker-root'; count: number }
    | { kind: 'group'; name: string; containers: ScoringContainer[] }
    | { kind: 'container'; container: ScoringContainer }
    | { kind: 'empty'; label: string }
  );

export type DockerState = { state: 'unknown' } | { state: 'reachable' } | { state: 'unreachable'; reason: string };

const SECTION = 'docker';

export class DockerSection implements TreeSection<DockerNode> {
  readonly id = SECTION;
  private readonly changed = new vscode.EventEmitter<DockerNode | undefined>();
  readonly onDidChange = this.changed.event;
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

  async getRoots(): Promise<DockerNode[]> {
    await this.load();
    if (this.dockerState.state === 'unreachable') return []; // the welcome view explains why
    return [{ section: SECTION, kind: 'docker-root', count: this.containers.length }];
  }

  async getChildren(node: DockerNode): Promise<DockerNode[]> {
    if (node.kind === 'docker-root') {
      if (this.containers.length === 0) return [{ section: SECTION, kind: 'empty', label: 'No scoring containers' }];
      const groups = new Map<string, ScoringContainer[]>();
      for (const c of this.containers) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
      return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([name, containers]) => ({ section: SECTION, kind: 'group', name, containers }));
    }
    if (node.kind === 'group') return node.containers.map((container) => ({ section: SECTION, kind: 'container', container }));
    return [];
  }

  getTreeItem(node: DockerNode): vscode.TreeItem {
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
