// The log panel: a webview that follows a log (a file, a paste, `docker logs --follow`, Azure get_logs
// polling), classifies it as it streams and pins the diagnosis on top. Any feed plugs in as a LogSource.
// Memory is bounded by bytes, whatever the log looks like: the classifier cuts lines at 64 KiB and keeps
// bounded state, the panel keeps the last `maxLines` lines up to `maxBytes` (ring buffer), and the webview
// the last `maxDisplay` rows up to `displayBytes` (noise rows inside collapsed groups included). Chunks are
// classified in slices that yield to the extension host's event loop.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { redactSecrets } from '../common/logger';
import { LogClassifier } from '../logs/classifier';
import type { StreamFormat } from '../logs/normalize';
import { LogView, type LogViewOptions } from '../logs/logView';
import { diagnosisText } from '../logs/report';
import type { Explanation, Frame } from '../logs/types';
import type { RuntimeLink } from './runtimeDiagnostics';

export interface LogSource {
  /** Shown as the panel title, e.g. "score-container (docker)". */
  title: string;
  /** Chunks as they arrive: strings or bytes; lines may be split anywhere. */
  chunks: AsyncIterable<string | Uint8Array>;
  /** 'docker' for dockerode's multiplexed `container.logs()` stream; default 'auto' (detected). */
  format?: StreamFormat;
  /** Local folder holding the entry script: frames under remoteRoot open from here. */
  sourceRoot?: string;
  /** Folder of the code inside the container (AML_APP_ROOT). Default /var/azureml-app. */
  remoteRoot?: string;
  /** The entry script (file name or container path), when the feed knows it: tracebacks name its frames. */
  entryScript?: string;
  /** True for a live feed (follow mode on by default). */
  live?: boolean;
  /** Runtime findings: where this log's tracebacks through the entry script are shown in the editor. */
  runtime?: RuntimeLink;
  /** Called when the panel closes: stop the feed (destroy the stream, stop polling). */
  dispose?(): void;
}

export type LogPanelOptions = LogViewOptions;

const FLUSH_MS = 120;

export class LogPanel implements vscode.Disposable {
  static readonly viewType = 'amlDoctor.logPanel';
  private static readonly open = new Set<LogPanel>();

  /** Opens a new panel on the source and starts reading it. */
  static show(extensionUri: vscode.Uri, log: Logger, source: LogSource, options: LogPanelOptions = {}): LogPanel {
    const panel = vscode.window.createWebviewPanel(LogPanel.viewType, vscode.l10n.t('Log: {0}', source.title), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media', 'logPanel')],
      retainContextWhenHidden: false,
    });
    return new LogPanel(panel, extensionUri, log, source, options);
  }

  /** Panels currently open (tests, and the "copy diagnosis" command). */
  static get panels(): readonly LogPanel[] {
    return [...LogPanel.open];
  }

  private readonly view: LogView;
  private readonly classifier: LogClassifier;
  private readonly reading = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private state: 'reading' | 'ended' | 'failed' = 'reading';
  private failure = '';
  private lastDiagnosisKey = '';
  private readonly disposables: vscode.Disposable[] = [];
  private iterator: AsyncIterator<string | Uint8Array> | undefined;
  private readonly explained = new vscode.EventEmitter<Explanation>();
  private readonly closed = new vscode.EventEmitter<void>();
  /** A new diagnosis of the log (as often as the card changes). */
  readonly onDidExplain = this.explained.event;
  readonly onDidClose = this.closed.event;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly source: LogSource,
    options: LogPanelOptions,
  ) {
    this.view = new LogView(options);
    this.classifier = new LogClassifier({ format: source.format ?? 'auto', onLine: (l) => this.view.push(l), entryScript: source.entryScript, appRoot: source.remoteRoot });
    LogPanel.open.add(this);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => this.onMessage(m)),
    );
    void this.read();
  }

  /** The current explanation (complete once the source ended). */
  explanation(): Explanation {
    return this.classifier.explain({ ongoing: this.ongoing });
  }

  /** A live feed still being read: a build in it is running, not failing. */
  private get ongoing(): boolean {
    return this.state === 'reading' && this.source.live === true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  reveal(): void {
    if (!this.disposed) this.panel.reveal();
  }

  get ended(): boolean {
    return this.state !== 'reading';
  }

  private async read(): Promise<void> {
    try {
      this.iterator = this.source.chunks[Symbol.asyncIterator]();
      for (;;) {
        const next = await this.iterator.next();
        if (next.done || this.disposed) break;
        // In slices with a time budget: the extension host breathes even inside one huge chunk.
        await this.classifier.pushAsync(next.value, this.reading.signal);
        this.schedule();
      }
      if (!this.disposed) this.classifier.end();
      this.state = 'ended';
    } catch (err) {
      this.state = 'failed';
      this.failure = redactSecrets((err as Error)?.message ?? String(err));
      this.log.warn(`log panel "${this.source.title}": the feed failed: ${this.failure}`);
    }
    if (!this.disposed) this.flush();
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, FLUSH_MS);
  }

  private flush(): void {
    if (this.disposed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const lines = this.view.takePending();
    if (lines.length) void this.post({ type: 'lines', lines });
    this.postDiagnosis(false);
    this.postStatus();
  }

  private postDiagnosis(force: boolean): void {
    const e = this.classifier.explain({ ongoing: this.ongoing });
    const key = `${e.primary.id}:${e.primary.count}:${e.primary.confidence}:${e.findings.length}:${e.noise.length}:${e.primary.evidence.at(-1)?.line ?? 0}`;
    if (!force && key === this.lastDiagnosisKey) return;
    this.lastDiagnosisKey = key;
    void this.post({ type: 'diagnosis', explanation: e });
    this.explained.fire(e);
  }

  private postStatus(): void {
    const text =
      this.state === 'failed'
        ? vscode.l10n.t('Feed stopped: {0}', this.failure)
        : this.state === 'ended'
          ? vscode.l10n.t('End of log')
          : this.source.live
            ? vscode.l10n.t('Following')
            : vscode.l10n.t('Reading');
    const { kept, dropped } = this.view.stats;
    void this.post({ type: 'status', state: this.state, text, lines: this.classifier.lines, kept, dropped });
  }

  private reset(): void {
    void this.post({
      type: 'reset',
      lines: this.view.visibleLines(),
      filter: this.view.filter,
      live: !!this.source.live,
      title: this.source.title,
      limits: { rows: this.view.maxDisplay, chars: this.view.displayBytes / 2 },
    });
    this.postDiagnosis(true);
    this.postStatus();
  }

  private async onMessage(m: { type?: string; [k: string]: unknown }): Promise<void> {
    try {
      switch (m?.type) {
        case 'ready':
          this.reset();
          break;
        case 'filter':
          this.view.setFilter(String(m.text ?? ''));
          this.reset();
          break;
        case 'pause':
          this.view.setPaused(true);
          break;
        case 'resume':
          this.view.setPaused(false);
          this.reset();
          break;
        case 'openFrame':
          await this.openFrame({ path: String(m.path ?? ''), line: Number(m.line) || 1, function: '' });
          break;
        case 'copyDiagnosis':
          await vscode.env.clipboard.writeText(diagnosisText(this.explanation(), this.source.title));
          void vscode.window.setStatusBarMessage(vscode.l10n.t('AML Deploy Doctor: diagnosis copied'), 3000);
          break;
        case 'openLink': {
          const url = String(m.url ?? '');
          if (/^https:\/\//.test(url)) await vscode.env.openExternal(vscode.Uri.parse(url));
          break;
        }
      }
    } catch (err) {
      this.log.error(err as Error);
      void vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor: {0}', (err as Error).message));
    }
  }

  /** Opens a traceback frame locally: the container path is mapped onto the source root or the workspace. */
  async openFrame(frame: Frame): Promise<vscode.Uri | undefined> {
    const uri = await resolveFrame(frame.path, this.source.sourceRoot, this.source.remoteRoot ?? '/var/azureml-app');
    if (!uri) {
      void vscode.window.showWarningMessage(vscode.l10n.t('AML Deploy Doctor: {0} is not in this workspace.', frame.path));
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = Math.max(0, Math.min(doc.lineCount - 1, frame.line - 1));
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, doc.lineAt(line).text.length), viewColumn: vscode.ViewColumn.One });
    return uri;
  }

  private post(message: unknown): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'logPanel', f));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${escapeHtml(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('main.css')}">
<title>${escapeHtml(this.source.title)}</title>
</head>
<body data-l10n="${escapeHtml(JSON.stringify(webviewStrings()))}">
<section id="card" class="card" aria-live="polite"><div class="card-title">${escapeHtml(vscode.l10n.t('Reading the log…'))}</div></section>
<div class="toolbar" role="toolbar">
  <input id="filter" type="search" placeholder="${escapeHtml(vscode.l10n.t('Filter lines'))}" aria-label="${escapeHtml(vscode.l10n.t('Filter lines'))}">
  <label><input id="follow" type="checkbox" checked> ${escapeHtml(vscode.l10n.t('Follow'))}</label>
  <button id="pause" type="button">${escapeHtml(vscode.l10n.t('Pause'))}</button>
  <button id="copy" type="button">${escapeHtml(vscode.l10n.t('Copy diagnosis'))}</button>
  <span id="status" class="status"></span>
</div>
<main id="log" class="log" role="log"></main>
<script nonce="${nonce}" src="${media('main.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.reading.abort();
    LogPanel.open.delete(this);
    if (this.timer) clearTimeout(this.timer);
    void this.iterator?.return?.();
    try {
      this.source.dispose?.();
    } catch (err) {
      this.log.warn(`log panel: stopping the feed failed: ${(err as Error).message}`);
    }
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
    this.closed.fire();
    this.closed.dispose();
    this.explained.dispose();
  }
}

/**
 * The texts media/logPanel/main.js shows, by their English (it looks them up as l10n.t does). Placeholders go
 * through as `{0}`: the page fills them. `npm run l10n` fails when main.js asks for a text missing here.
 */
function webviewStrings(): Record<string, string> {
  return Object.fromEntries([
    ['{0}, line {1}', vscode.l10n.t('{0}, line {1}', '{0}', '{1}')],
    ['Open this frame in the editor', vscode.l10n.t('Open this frame in the editor')],
    ['1 harmless line (noise, not the cause)', vscode.l10n.t('1 harmless line (noise, not the cause)')],
    ['{0} harmless lines (noise, not the cause)', vscode.l10n.t('{0} harmless lines (noise, not the cause)', '{0}')],
    ['importing the entry script', vscode.l10n.t('importing the entry script')],
    ['run(), handling a request', vscode.l10n.t('run(), handling a request')],
    ['after run() returned (serialising its answer)', vscode.l10n.t('after run() returned (serialising its answer)')],
    ["the inference server's own start", vscode.l10n.t("the inference server's own start")],
    ['the image build', vscode.l10n.t('the image build')],
    ['placing the replica', vscode.l10n.t('placing the replica')],
    ['the Azure ML control plane', vscode.l10n.t('the Azure ML control plane')],
    ['the answer to a request', vscode.l10n.t('the answer to a request')],
    ['the SDK or CLI on your machine', vscode.l10n.t('the SDK or CLI on your machine')],
    ['high confidence ({0})', vscode.l10n.t('high confidence ({0})', '{0}')],
    ['medium confidence ({0})', vscode.l10n.t('medium confidence ({0})', '{0}')],
    ['low confidence ({0})', vscode.l10n.t('low confidence ({0})', '{0}')],
    ['{0}: ', vscode.l10n.t('{0}: ', '{0}')],
    ['Phase', vscode.l10n.t('Phase')],
    ['Exception', vscode.l10n.t('Exception')],
    ['Where: ', vscode.l10n.t('Where: ')],
    [' in {0}()', vscode.l10n.t(' in {0}()', '{0}')],
    ['In the entry script: ', vscode.l10n.t('In the entry script: ')],
    ['The traceback is cut off at line {0}: the exception line is not in the log.', vscode.l10n.t('The traceback is cut off at line {0}: the exception line is not in the log.', '{0}')],
    ['Evidence:', vscode.l10n.t('Evidence:')],
    ['line {0}', vscode.l10n.t('line {0}', '{0}')],
    ['Fix:', vscode.l10n.t('Fix:')],
    ['Collect next:', vscode.l10n.t('Collect next:')],
    ['Troubleshooting guide', vscode.l10n.t('Troubleshooting guide')],
    ['Also seen: {0}', vscode.l10n.t('Also seen: {0}', '{0}')],
    ['Ignored as harmless: {0}', vscode.l10n.t('Ignored as harmless: {0}', '{0}')],
    ['{0} · {1} lines', vscode.l10n.t('{0} · {1} lines', '{0}', '{1}')],
    [' ({0} kept)', vscode.l10n.t(' ({0} kept)', '{0}')],
    [' · paused, {0} new', vscode.l10n.t(' · paused, {0} new', '{0}')],
    ['Resume', vscode.l10n.t('Resume')],
    ['Pause', vscode.l10n.t('Pause')],
  ]);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Maps a container path (/var/azureml-app/src/score.py) to a local file. */
export async function resolveFrame(framePath: string, sourceRoot: string | undefined, remoteRoot: string): Promise<vscode.Uri | undefined> {
  const norm = framePath.replace(/\\/g, '/');
  const root = remoteRoot.replace(/\/+$/, '');
  if (sourceRoot && (norm === root || norm.startsWith(root + '/'))) {
    const local = path.resolve(sourceRoot, norm.slice(root.length + 1));
    // A frame path is log text: never let it point outside the source root.
    if ((local === path.resolve(sourceRoot) || local.startsWith(path.resolve(sourceRoot) + path.sep)) && existsSync(local)) return vscode.Uri.file(local);
  }
  if (path.isAbsolute(framePath) && existsSync(framePath) && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(framePath))) return vscode.Uri.file(framePath);
  // Fall back to the workspace: the file with the same name whose path shares the longest suffix.
  const base = path.posix.basename(norm);
  if (!base || base.includes('*')) return undefined;
  const candidates = await vscode.workspace.findFiles(`**/${base}`, '**/node_modules/**', 20);
  let best: vscode.Uri | undefined;
  let bestScore = -1;
  const want = norm.split('/').reverse();
  for (const c of candidates) {
    const have = c.path.split('/').reverse();
    let s = 0;
    while (s < want.length && s < have.length && want[s] === have[s]) s++;
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}
