// The Run Doctor report: a webview rendered by media/doctor/main.js from the report JSON (the same the
// CLI prints), updated step by step while the doctor runs. Strict CSP with a nonce, no inline script,
// resources only from media/doctor. Messages from the page carry step/evidence indexes; files to open
// and URLs come from the extension's own copy of the report.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { redactSecrets } from '../common/logger';
import type { LiveReport } from '../doctor/engine';
import type { DoctorReport, Location } from '../doctor/report';
import { toMarkdown } from '../doctor/render';
import { doctorPageStringsJson } from './doctorPageStrings';

export class DoctorPanel implements vscode.Disposable {
  static readonly viewType = 'amlDoctor.doctorReport';
  private static readonly open = new Set<DoctorPanel>();

  static show(extensionUri: vscode.Uri, log: Logger, title: string, onRerun: () => void): DoctorPanel {
    const panel = vscode.window.createWebviewPanel(DoctorPanel.viewType, panelTitle(title), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media', 'doctor')],
      retainContextWhenHidden: true,
    });
    return new DoctorPanel(panel, extensionUri, log, onRerun);
  }

  /** Panels currently open (tests). */
  static get panels(): readonly DoctorPanel[] {
    return [...DoctorPanel.open];
  }

  private report: DoctorReport | LiveReport | undefined;
  private running = true;
  private ready = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly onRerun: () => void,
  ) {
    DoctorPanel.open.add(this);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => this.onMessage(m)),
    );
  }

  reveal(): void {
    if (!this.disposed) this.panel.reveal(undefined, false);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Shows a report: partial while running (steps not run yet are shown as waiting), complete at the end. */
  update(report: DoctorReport | LiveReport, running: boolean): void {
    this.report = report;
    this.running = running;
    this.panel.title = panelTitle(report.target.name);
    this.post();
  }

  private post(): void {
    if (this.disposed || !this.ready || !this.report) return;
    void this.panel.webview.postMessage({ type: 'report', report: this.report, running: this.running });
  }

  private location(step: number, evidence: unknown): Location | undefined {
    const s = this.report?.steps[step];
    if (!s) return undefined;
    if (typeof evidence === 'number') return s.evidence[evidence]?.location;
    return s.link;
  }

  private async onMessage(m: { type?: string; step?: unknown; evidence?: unknown }): Promise<void> {
    try {
      switch (m?.type) {
        case 'ready':
          this.ready = true;
          this.post();
          break;
        case 'open': {
          const loc = typeof m.step === 'number' ? this.location(m.step, m.evidence) : undefined;
          if (loc) await openLocation(loc);
          break;
        }
        case 'docs': {
          const url = typeof m.step === 'number' ? this.report?.steps[m.step]?.docs : undefined;
          if (url && /^https:\/\//.test(url)) await vscode.env.openExternal(vscode.Uri.parse(url));
          break;
        }
        case 'copyMarkdown':
          if (this.report && !this.running) {
            await vscode.env.clipboard.writeText(redactSecrets(toMarkdown(this.report as DoctorReport)));
            void vscode.window.setStatusBarMessage(vscode.l10n.t('AML Deploy Doctor: report copied as Markdown (secrets redacted)'), 4000);
          }
          break;
        case 'rerun':
          if (!this.running) this.onRerun();
          break;
      }
    } catch (err) {
      this.log.error(err as Error);
      void vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor: {0}', (err as Error).message));
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'doctor', f));
    const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource}`, `font-src ${webview.cspSource}`].join('; ');
    // The page's words come translated, as data (never executed, so the CSP leaves it alone); main.js puts
    // them in with textContent.
    const strings = doctorPageStringsJson();
    const lang = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(vscode.env.language) ? vscode.env.language : 'en';
    return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('main.css')}">
<title>Run Doctor</title>
</head>
<body data-state="running">
<div class="toolbar" role="toolbar">
  <button id="copy" type="button" disabled></button>
  <button id="rerun" class="secondary" type="button" disabled></button>
</div>
<section id="header" class="header outcome-running" aria-live="polite"></section>
<ol id="steps" class="steps"></ol>
<script type="application/json" id="strings">${strings}</script>
<script nonce="${nonce}" src="${media('main.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    DoctorPanel.open.delete(this);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

const panelTitle = (name: string) => vscode.l10n.t('Doctor: {0}', name);

/** Opens a report location (score.py line, conda file line) in the editor, with the line selected. */
export async function openLocation(loc: Location): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(loc.file));
  const line = Math.max(0, Math.min(doc.lineCount - 1, loc.line - 1));
  const start = Math.max(0, (loc.column ?? 1) - 1);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, start, line, doc.lineAt(line).text.length), viewColumn: vscode.ViewColumn.One });
}
