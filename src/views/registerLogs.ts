// Log intelligence in VS Code: "Explain a Log File..." and "Explain Selected Log Text" open the log panel.
// Other areas (local Docker containers, Azure deployments) open it with showLogPanel(services, source).
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommand } from '../host/commands';
import type { ExtensionServices } from '../host/services';
import { setting } from '../host/settings';
import { LogPanel, type LogSource } from './logPanel';
import { SHOW_RUNTIME_LOG, type RuntimeLink } from './runtimeDiagnostics';

export type { LogSource } from './logPanel';

function panelOptions() {
  // The bounds of the settings' schemas, enforced: settings.json is hand-edited.
  const clamp = (v: number, min: number, max: number, fallback: number) => Math.max(min, Math.min(max, Math.floor(v) || fallback));
  return {
    maxLines: clamp(setting('amlDoctor.logs.maxLines', 50_000), 1000, 2_000_000, 50_000),
    maxBytes: clamp(setting('amlDoctor.logs.maxMegabytes', 64), 8, 1024, 64) * 1024 * 1024,
  };
}

/**
 * Opens the log panel on any feed (Docker `container.logs({follow:true})`, Azure get_logs polling...), with
 * the log settings; a source with `runtime` puts its tracebacks through the entry script into the editor.
 */
export function showLogPanel(services: Pick<ExtensionServices, 'context' | 'log' | 'runtime'>, source: LogSource): LogPanel {
  const panel = LogPanel.show(services.context.extensionUri, services.log, source, panelOptions());
  if (source.runtime) services.runtime.attach(panel, source.runtime);
  return panel;
}

let panels = 0;
/** An owner of runtime findings for one panel on a log that exists nowhere else once the panel closes. */
export function panelOwner(kind: string): string {
  return `${kind}:${++panels}`;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

export function registerLogFeatures(services: ExtensionServices): void {
  const { context, log } = services;

  const openFile = async (arg?: vscode.Uri | string): Promise<LogPanel | undefined> => {
    let uri: vscode.Uri | undefined = typeof arg === 'string' ? vscode.Uri.file(path.resolve(workspaceRoot() ?? '', arg)) : arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: vscode.l10n.t('Explain'),
        title: vscode.l10n.t('Explain a deployment log'),
        filters: { [vscode.l10n.t('Log files')]: ['log', 'txt', 'out', 'json'], [vscode.l10n.t('All files')]: ['*'] },
      });
      uri = picked?.[0];
      if (!uri) return undefined;
    }
    if (uri.scheme !== 'file') {
      // Remote or virtual documents: read through the file system API.
      const bytes = await vscode.workspace.fs.readFile(uri);
      return showLogPanel(services, { title: path.basename(uri.path), chunks: once(Buffer.from(bytes).toString('utf8')), sourceRoot: workspaceRoot(), runtime: fileRuntime(uri) });
    }
    const stat = await fs.stat(uri.fsPath).catch((err: NodeJS.ErrnoException) => {
      throw new Error(vscode.l10n.t('cannot read {0}: {1}', uri!.fsPath, err.code ?? err.message));
    });
    if (!stat.isFile()) throw new Error(vscode.l10n.t('{0} is not a file', uri.fsPath));
    const stream = createReadStream(uri.fsPath, { highWaterMark: 256 * 1024 });
    log.info(`explaining log file ${uri.fsPath} (${stat.size} bytes)`);
    return showLogPanel(services, { title: path.basename(uri.fsPath), chunks: stream, sourceRoot: workspaceRoot(), dispose: () => stream.destroy(), runtime: fileRuntime(uri) });
  };

  /** A log file's tracebacks through the workspace's entry scripts; their related information points into the file. */
  const fileRuntime = (uri: vscode.Uri): RuntimeLink => ({
    owner: panelOwner('file'),
    mapping: { kind: 'workspace' },
    label: path.basename(uri.path),
    logLocation: (line) => new vscode.Location(uri, new vscode.Position(line - 1, 0)),
  });

  const explainSelection = async (): Promise<LogPanel | undefined> => {
    const editor = vscode.window.activeTextEditor;
    const selected = editor ? editor.selections.map((s) => editor.document.getText(s)).join('\n') : '';
    let text = selected.trim() ? selected : '';
    let title = editor && text ? vscode.l10n.t('selection of {0}', path.basename(editor.document.fileName)) : '';
    // One selection: the log's line n is the document's line (start + n - 1), for the related information.
    const single = editor && text && editor.selections.length === 1 ? { uri: editor.document.uri, start: editor.selection.start.line } : undefined;
    if (!text) {
      text = await vscode.env.clipboard.readText();
      title = vscode.l10n.t('clipboard');
    }
    if (!text.trim()) {
      void vscode.window.showInformationMessage(vscode.l10n.t('AML Deploy Doctor: select log text in an editor (or copy it to the clipboard), then run "Explain Selected Log Text" again.'));
      return undefined;
    }
    const runtime: RuntimeLink = {
      owner: panelOwner('text'),
      mapping: { kind: 'workspace' },
      label: title,
      logLocation: single ? (line) => new vscode.Location(single.uri, new vscode.Position(single.start + line - 1, 0)) : undefined,
    };
    return showLogPanel(services, { title, chunks: once(text), sourceRoot: workspaceRoot(), runtime });
  };

  context.subscriptions.push(
    registerCommand(log, 'amlDoctor.logs.openFile', openFile),
    registerCommand(log, 'amlDoctor.logs.explainSelection', explainSelection),
    registerCommand(log, SHOW_RUNTIME_LOG, (owner?: unknown) => (typeof owner === 'string' ? services.runtime.reveal(owner) : undefined)),
    { dispose: () => LogPanel.panels.forEach((p) => p.dispose()) },
  );
}
