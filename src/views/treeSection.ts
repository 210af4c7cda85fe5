// The Deployments tree is composed of sections (Local Docker, Azure), each owning its own nodes.
// A section renders its own items; the composite provider only delegates by node owner.
import type * as vscode from 'vscode';

export interface SectionNode {
  /** The section that created the node (set by the section itself). */
  readonly section: string;
}

export interface TreeSection<N extends SectionNode = SectionNode> extends vscode.Disposable {
  readonly id: string;
  /** Fires when the section's nodes changed (undefined: the whole section). */
  readonly onDidChange: vscode.Event<N | undefined>;
  /** Top-level nodes; an empty array hides the section (e.g. Docker unreachable -> welcome view). */
  getRoots(): Promise<N[]>;
  getChildren(node: N): Promise<N[]>;
  getTreeItem(node: N): vscode.TreeItem;
  refresh(): void;
}
