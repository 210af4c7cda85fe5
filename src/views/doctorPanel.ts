// The Run Doctor report: a webview rendered by media/doctor/main.js from the report JSON (the same the
// CLI prints), updated step by step while the doctor runs. Strict CSP with a nonce, no inline script,
// resources only from media/doctor. Messages from the page carry step/evidence indexes; files to open
// and URLs come from the extension's own copy of the report.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { redactSecrets } from '../common/logger';
import type { LiveReport } from '../doctor/engine';
import { fieldLabel, targetKindLabel, type DoctorReport, type Location, type TargetKind } from '../doctor/report';
import { statusLabel, toMarkdown } from '../doctor/render';

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
    // them in with textContent. "<" is escaped so no text can end the element.
    const strings = JSON.stringify(doctorPageStrings()).replace(/</g, '\\u003c');
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

const TARGET_KINDS: TargetKind[] = ['deployment-yaml', 'entry-script', 'sdk-v1-script', 'local-deployment', 'azure-deployment'];
const FIELDS = ['image', 'environment', 'instance type', 'instance count', 'request timeout', 'max concurrent requests per instance', 'model'];

/**
 * Every word media/doctor/main.js shows, in the display language: the page cannot reach the bundle, so the host
 * translates and hands them over by name; a text with arguments is translated with its own placeholders as the
 * arguments ('{0}' for {0}), so the page gets the translated template and fills it. Texts the report renderings share
 * (statuses, verdicts, settings) come from the same functions, so the panel and the CLI say the same thing.
 */
export function doctorPageStrings(): Record<string, string | Record<string, string>> {
  return {
    heading: vscode.l10n.t('Run Doctor'),
    title: vscode.l10n.t('Run Doctor: {0}', '{0}'),
    starting: vscode.l10n.t('Starting…'),
    copy: vscode.l10n.t('Copy as Markdown'),
    rerun: vscode.l10n.t('Run Again'),
    running: vscode.l10n.t('Running…'),
    cancelled: vscode.l10n.t('Cancelled before every step ran.'),
    stepFailed: vscode.l10n.t('Step {0} ({1}) failed.', '{0}', '{1}'),
    staticPassed: vscode.l10n.t('Steps 1-3 passed (Restricted Mode: steps 4-7 need a trusted workspace).'),
    noFailure: vscode.l10n.t('No step failed.'),
    restricted: vscode.l10n.t('Restricted Mode: only the static steps ran (entry script, environment, model). Trust the workspace to run the deployment in a container.'),
    image: vscode.l10n.t('image {0}', '{0}'),
    seconds: vscode.l10n.t('{0} s', '{0}'),
    milliseconds: vscode.l10n.t('{0} ms', '{0}'),
    perSecond: vscode.l10n.t('{0}/s', '{0}'),
    where: vscode.l10n.t('Where:'),
    openInEditor: vscode.l10n.t('Open in the editor'),
    evidence: vscode.l10n.t('Evidence'),
    logLine: vscode.l10n.t('log {0}:', '{0}'),
    fix: vscode.l10n.t('Fix'),
    oneNote: vscode.l10n.t('1 note'),
    notes: vscode.l10n.t('{0} notes', '{0}'),
    guide: vscode.l10n.t('Troubleshooting guide'),
    setting: vscode.l10n.t('setting'),
    localRun: vscode.l10n.t('local run'),
    differs: vscode.l10n.t('differs'),
    same: vscode.l10n.t('same'),
    requests: vscode.l10n.t('requests'),
    concurrent: vscode.l10n.t('concurrent'),
    errors: vscode.l10n.t('errors'),
    answers: vscode.l10n.t('answers'),
    responseBody: vscode.l10n.t('Response body (status {0}, {1} ms)', '{0}', '{1}'),
    noStatus: vscode.l10n.t({ message: 'none', comment: ['no HTTP status: the request got no answer'] }),
    pathOpened: vscode.l10n.t('path the script opens'),
    line: vscode.l10n.t('line'),
    inModel: vscode.l10n.t('in the model'),
    found: vscode.l10n.t('found'),
    missing: vscode.l10n.t('missing'),
    status: {
      passed: statusLabel('passed'),
      failed: statusLabel('failed'),
      skipped: statusLabel('skipped'),
      running: vscode.l10n.t({ message: 'running…', comment: ['a Run Doctor step status'] }),
      pending: vscode.l10n.t({ message: 'waiting', comment: ['a Run Doctor step status'] }),
    },
    fields: Object.fromEntries(FIELDS.map((f) => [f, fieldLabel(f)])),
    targetKinds: Object.fromEntries(TARGET_KINDS.map((k) => [k, targetKindLabel(k)])),
  };
}

/** Opens a report location (score.py line, conda file line) in the editor, with the line selected. */
export async function openLocation(loc: Location): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(loc.file));
  const line = Math.max(0, Math.min(doc.lineCount - 1, loc.line - 1));
  const start = Math.max(0, (loc.column ?? 1) - 1);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, start, line, doc.lineAt(line).text.length), viewColumn: vscode.ViewColumn.One });
}
