// The "Deployments" tree: one TreeDataProvider over independent sections (Local Docker, Azure).
import * as vscode from 'vscode';
import type { SectionNode, TreeSection } from './treeSection';

export class DeploymentsTreeProvider implements vscode.TreeDataProvider<SectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sections: TreeSection[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  addSection(section: TreeSection<any>): void {
    this.sections.push(section);
    this.subscriptions.push(section.onDidChange((n) => this.changed.fire(n)));
    this.changed.fire(undefined);
  }

  refresh(): void {
    for (const s of this.sections) s.refresh();
  }

  private owner(node: SectionNode): TreeSection {
    const s = this.sections.find((x) => x.id === node.section);
    if (!s) throw new Error(`no tree section ${node.section}`);
    return s;
  }

  async getChildren(node?: SectionNode): Promise<SectionNode[]> {
    if (node) return this.owner(node).getChildren(node);
    const roots = await Promise.all(this.sections.map((s) => s.getRoots()));
    return roots.flat();
  }

  getTreeItem(node: SectionNode): vscode.TreeItem {
    return this.owner(node).getTreeItem(node);
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}
