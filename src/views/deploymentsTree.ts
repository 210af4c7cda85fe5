// The "Deployments" tree: one TreeDataProvider over independent sections (Local Docker, Azure).
import * as vscode from 'vscode';
import { composeRoots, type SectionNode, type TreeSection } from './treeSection';

export class DeploymentsTreeProvider implements vscode.TreeDataProvider<SectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sections: TreeSection[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  addSection(section: TreeSection<any>): void {
    this.sections.push(section);
    this.subscriptions.push(section.onDidChange((n) => this.queueChange(n)));
    this.queueChange(undefined);
  }

  refresh(): void {
    for (const s of this.sections) s.refresh();
  }

  /**
   * Section changes are handed to VS Code in one batch per turn of the event loop: a burst (a sign-in that
   * refreshes twice, Docker events arriving together) becomes one refresh, and a whole-tree refresh absorbs
   * the node refreshes queued with it. Fewer overlapping refreshes while VS Code is still expanding nodes.
   */
  private pending: Set<SectionNode> | 'all' | undefined;
  private flushTimer: NodeJS.Timeout | undefined;

  private queueChange(node: SectionNode | undefined): void {
    if (!node) this.pending = 'all';
    else if (this.pending !== 'all') {
      this.pending ??= new Set();
      this.pending.add(node);
    }
    this.flushTimer ??= setTimeout(() => {
      const batch = this.pending;
      this.pending = undefined;
      this.flushTimer = undefined;
      if (batch === 'all') this.changed.fire(undefined);
      else for (const n of batch ?? []) this.changed.fire(n);
    }, 0);
  }

  private owner(node: SectionNode): TreeSection {
    const s = this.sections.find((x) => x.id === node.section);
    if (!s) throw new Error(vscode.l10n.t('no tree section {0}', node.section));
    return s;
  }

  async getChildren(node?: SectionNode): Promise<SectionNode[]> {
    if (node) return this.owner(node).getChildren(node);
    const roots = await Promise.all(this.sections.map((s) => s.getRoots()));
    return composeRoots(roots, this.sections.map((s) => s.getPlaceholderRoots?.() ?? []));
  }

  getTreeItem(node: SectionNode): vscode.TreeItem {
    return this.owner(node).getTreeItem(node);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}
