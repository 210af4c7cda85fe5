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
  /**
   * Rows shown only next to another section's rows (Azure while signed out: "Sign in to see online
   * endpoints..."). Alone they would hide the welcome view, which says the same and more.
   */
  getPlaceholderRoots?(): N[];
  getChildren(node: N): Promise<N[]>;
  getTreeItem(node: N): vscode.TreeItem;
  refresh(): void;
}

/**
 * The tree's top level: every section's roots, plus the placeholders when at least one section has real
 * rows. An empty result lets VS Code show the welcome view.
 */
export function composeRoots<N>(roots: N[][], placeholders: N[][]): N[] {
  return roots.some((r) => r.length > 0) ? roots.flatMap((r, i) => (r.length ? r : (placeholders[i] ?? []))) : [];
}
