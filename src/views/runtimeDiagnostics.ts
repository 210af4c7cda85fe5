// Runtime findings in the editor: when a log's diagnosis rests on a traceback through the user's entry
// script, the line of the local score.py that raised gets an error in the Problems panel (its own
// collection and source name), with a quick fix that shows the log. The mapping and placement are pure
// (logs/runtimeFindings.ts); this is the VS Code side: which files are candidates, the diagnostics, and
// keeping them true (an edit on the line clears it, edits elsewhere move it, the log's owner clears it).
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { isInsideFolders } from '../docker/deploymentRecords';
import { readSettings } from '../host/settings';
import {
  DEFAULT_REMOTE_ROOT,
  lineSpan,
  mapFramePath,
  placeFrame,
  runtimeSubject,
  shiftSpan,
  type EntryCandidate,
  type LineSpan,
  type MapOptions,
} from '../logs/runtimeFindings';
import type { Explanation, Frame } from '../logs/types';
import type { LogPanel } from './logPanel';
import { deploymentYamls, entryScriptOf, yamlFor } from './workspaceDeployments';

/** The Problems panel's source of runtime findings (in the display language; the same all session). */
export const runtimeSource = (): string => vscode.l10n.t('AML Deploy Doctor (runtime)');
export const SHOW_RUNTIME_LOG = 'amlDoctor.logs.showRuntimeLog';

/** Which local files a log's frame paths may stand for. */
export type RuntimeMapping =
  /** A local deployment: the source folder and entry script this extension recorded (never a container label). */
  | { kind: 'recorded'; sourceDir: string; entryScript: string }
  /**
   * Azure logs, pasted logs, containers deployed by others: the workspace's entry scripts; the one the
   * deployment's YAML names first (without a deployment, or when no YAML describes it: those all YAMLs name).
   */
  | { kind: 'workspace'; deployment?: { endpoint: string; name: string } };

/** Where a finding came from, for its message and its quick fix. */
export interface RuntimeOrigin {
  /** "the log of container amld.blue", "deploy.log"... */
  label: string;
  /** Shows the log (or report) again. */
  reveal(): unknown;
  /** The log's own text in a document (a log file, an editor selection): the traceback's line there. */
  logLocation?(logLine: number): vscode.Location | undefined;
}

/** What a log panel needs to feed runtime findings. */
export interface RuntimeLink {
  /** Who owns the findings: a new diagnosis of the same owner replaces them. */
  owner: string;
  mapping: RuntimeMapping;
  label: string;
  remoteRoot?: string;
  /** The findings outlive the panel (a container's log: its removal or restart clears them). */
  persist?: boolean;
  /** Opens the log again once the panel is closed (persisted findings). */
  reopen?(): unknown;
  logLocation?(logLine: number): vscode.Location | undefined;
}

/** A finding already placed by someone else (Run Doctor's report): a local file, the frame, the message. */
export interface PlacedFinding {
  file: string;
  frame: Pick<Frame, 'line' | 'source'>;
  message: string;
  id: string;
  docs?: string;
  key: string;
}

interface Placed {
  uri: vscode.Uri;
  span: LineSpan;
  message: string;
  id: string;
  docs?: string;
  logLine?: number;
}

interface OwnerState {
  origin: RuntimeOrigin;
  /** The diagnosis last seen (placed or not): the same one again costs nothing. */
  key?: string;
  /** The user edited the line of this diagnosis: it does not come back until the log says something new. */
  dismissed?: string;
  placed?: Placed;
  generation: number;
}

const MAX_SCRIPT_BYTES = 2 * 1024 * 1024;
const MAX_CANDIDATES = 200;
const EXCLUDE = '**/{node_modules,.git,.venv,venv,__pycache__}/**';

export class RuntimeDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('aml-doctor-runtime');
  private readonly owners = new Map<string, OwnerState>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: Logger) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidDeleteFiles((e) => this.forgetFiles(e.files)),
      vscode.workspace.onDidRenameFiles((e) => this.forgetFiles(e.files.map((f) => f.oldUri))),
      vscode.languages.registerCodeActionsProvider({ scheme: 'file', language: 'python' }, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
  }

  /** Feeds a log panel's diagnoses in; the findings go with the panel unless the link persists them. */
  attach(panel: LogPanel, link: RuntimeLink): void {
    const origin: RuntimeOrigin = {
      label: link.label,
      reveal: () => (panel.isDisposed ? link.reopen?.() : panel.reveal()),
      logLocation: link.logLocation,
    };
    const subscriptions = [
      panel.onDidExplain((e) => void this.explain(link.owner, e, link.mapping, origin, link.remoteRoot)),
      panel.onDidClose(() => {
        subscriptions.forEach((s) => s.dispose());
        if (!link.persist) this.clear(link.owner);
      }),
    ];
  }

  /** A diagnosis of the owner's log: places its finding, or clears the owner's when it has none. */
  async explain(owner: string, e: Explanation, mapping: RuntimeMapping, origin: RuntimeOrigin, remoteRoot = DEFAULT_REMOTE_ROOT): Promise<void> {
    const subject = runtimeSubject(e);
    await this.update(
      owner,
      origin,
      subject && {
        key: subject.key,
        where: () => this.locate(subject.frame, mapping, { remoteRoot, entryScript: e.entryScript }),
        finding: { message: subject.message, id: subject.finding.id, docs: subject.finding.docs, logLine: subject.logLine },
      },
    );
  }

  /** A finding already mapped to a local file (Run Doctor): only inside the workspace, only on the line that raised. */
  async placeFinding(owner: string, f: PlacedFinding | undefined, origin: RuntimeOrigin): Promise<void> {
    await this.update(
      owner,
      origin,
      f && {
        key: f.key,
        where: async () => (isInsideFolders(f.file, workspaceFolders()) ? this.onLine(f.file, f.frame) : { ok: false as const, reason: `${f.file} is not in a workspace folder` }),
        finding: { message: f.message, id: f.id, docs: f.docs },
      },
    );
  }

  /**
   * What explain() and placeFinding() share: the owner's new subject (none clears its finding), placed where
   * `where` says. The subject already shown costs nothing; one the user dismissed (by editing its line) is not
   * brought back; and a subject whose place is found after a newer one arrived (or after the owner was
   * cleared) is dropped.
   */
  private async update(
    owner: string,
    origin: RuntimeOrigin,
    subject: { key: string; where: () => Promise<{ ok: true; uri: vscode.Uri; span: LineSpan } | { ok: false; reason: string }>; finding: Omit<Placed, 'uri' | 'span'> } | undefined,
  ): Promise<void> {
    const state = this.state(owner, origin);
    if (!subject) {
      state.key = undefined;
      this.unplace(owner);
      return;
    }
    if (state.key === subject.key) return;
    state.key = subject.key;
    const generation = ++state.generation;
    if (state.dismissed === subject.key) {
      // The user edited the line this diagnosis was on: the same log saying it again does not bring it back.
      this.unplace(owner);
      return;
    }
    try {
      const where = await subject.where();
      if (generation !== state.generation || !this.owners.has(owner)) return;
      if (!where.ok) {
        this.log.info(`runtime finding (${origin.label}): not placed: ${where.reason}`);
        this.unplace(owner);
        return;
      }
      this.place(owner, { uri: where.uri, span: where.span, ...subject.finding });
    } catch (err) {
      this.log.warn(`runtime finding (${origin.label}): ${(err as Error).message}`);
    }
  }

  /** Drops the owner's finding and forgets the owner (and what the user dismissed of it: a new run is news). */
  clear(owner: string): void {
    if (!this.owners.has(owner)) return;
    this.unplace(owner);
    this.owners.delete(owner);
  }

  /** Owners whose key starts with `prefix` ("docker:"). */
  ownersWith(prefix: string): string[] {
    return [...this.owners.keys()].filter((o) => o.startsWith(prefix));
  }

  /** Shows the log behind an owner's finding (the quick fix's command). */
  reveal(owner: string): unknown {
    const state = this.owners.get(owner);
    if (!state) throw new Error(vscode.l10n.t('That runtime finding is gone: its log was closed or its container removed.'));
    return state.origin.reveal();
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== runtimeSource()) continue;
      const owner = [...this.owners].find(([, s]) => s.placed && s.placed.uri.toString() === document.uri.toString() && s.placed.span.line === d.range.start.line && s.placed.message === d.message)?.[0];
      if (!owner) continue;
      const action = new vscode.CodeAction(vscode.l10n.t('Show the log this came from ({0})', this.owners.get(owner)!.origin.label), vscode.CodeActionKind.QuickFix);
      action.command = { command: SHOW_RUNTIME_LOG, title: action.title, arguments: [owner] };
      action.diagnostics = [d];
      actions.push(action);
    }
    return actions;
  }

  private state(owner: string, origin: RuntimeOrigin): OwnerState {
    let s = this.owners.get(owner);
    if (!s) this.owners.set(owner, (s = { origin, generation: 0 }));
    s.origin = origin;
    return s;
  }

  /** The local file and line a frame stands for, or why there is none. */
  private async locate(frame: Frame, mapping: RuntimeMapping, options: MapOptions): Promise<{ ok: true; uri: vscode.Uri; span: LineSpan } | { ok: false; reason: string }> {
    let candidates: EntryCandidate[];
    let exact = false;
    if (mapping.kind === 'recorded') {
      const file = path.resolve(mapping.sourceDir, mapping.entryScript);
      // The record names the file; a link inside the folder must not lead out of it.
      if (!isInsideFolders(file, [mapping.sourceDir])) return { ok: false, reason: `${file} is not inside ${mapping.sourceDir}` };
      candidates = [{ file, rel: mapping.entryScript.replace(/\\/g, '/'), preferred: true }];
      exact = true;
    } else {
      const yaml = mapping.deployment ? await yamlFor(mapping.deployment.endpoint, mapping.deployment.name) : undefined;
      candidates = await workspaceEntryScripts(yaml ? [yaml] : undefined, options.entryScript);
    }
    const mapped = mapFramePath(frame.path, candidates, { ...options, exact });
    if (!mapped.ok) return mapped;
    // Never outside the workspace folders (compared on real paths), except the folder a deployment recorded.
    if (mapping.kind === 'workspace' && !isInsideFolders(mapped.candidate.file, workspaceFolders())) return { ok: false, reason: `${mapped.candidate.file} is not in a workspace folder` };
    return this.onLine(mapped.candidate.file, frame);
  }

  private async onLine(file: string, frame: Pick<Frame, 'line' | 'source'>): Promise<{ ok: true; uri: vscode.Uri; span: LineSpan } | { ok: false; reason: string }> {
    const uri = vscode.Uri.file(file);
    const lines = await readLines(uri);
    if (!lines) return { ok: false, reason: `${file} cannot be read (or is larger than 2 MB)` };
    const placed = placeFrame(frame, lines);
    if (!placed.ok) return placed;
    return { ok: true, uri, span: lineSpan(placed.line - 1, lines[placed.line - 1]!) };
  }

  private place(owner: string, p: Placed): void {
    const state = this.owners.get(owner);
    if (!state) return;
    const old = state.placed?.uri;
    state.placed = p;
    if (old && old.toString() !== p.uri.toString()) this.publish(old);
    this.publish(p.uri);
  }

  private unplace(owner: string): void {
    const state = this.owners.get(owner);
    if (!state?.placed) return;
    const uri = state.placed.uri;
    state.placed = undefined;
    this.publish(uri);
  }

  /** Sets the collection's diagnostics of one file from every owner's finding there. */
  private publish(uri: vscode.Uri): void {
    const key = uri.toString();
    const diagnostics: vscode.Diagnostic[] = [];
    const seen = new Set<string>();
    for (const state of this.owners.values()) {
      const p = state.placed;
      if (!p || p.uri.toString() !== key) continue;
      // Two logs telling the same (a panel and a failed deploy of one container): one diagnostic.
      const same = `${p.span.line}\u0000${p.message}`;
      if (seen.has(same)) continue;
      seen.add(same);
      const d = new vscode.Diagnostic(new vscode.Range(p.span.line, p.span.startCol, p.span.line, p.span.endCol), p.message, vscode.DiagnosticSeverity.Error);
      d.source = runtimeSource();
      d.code = p.docs && /^https:\/\//.test(p.docs) ? { value: p.id, target: vscode.Uri.parse(p.docs) } : p.id;
      const at = p.logLine !== undefined ? state.origin.logLocation?.(p.logLine) : undefined;
      if (at) d.relatedInformation = [new vscode.DiagnosticRelatedInformation(at, vscode.l10n.t('The traceback in {0}', state.origin.label))];
      diagnostics.push(d);
    }
    this.collection.set(uri, diagnostics);
  }

  /** Edits on the line that raised clear its finding; edits elsewhere move it with the text. */
  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const key = e.document.uri.toString();
    let changed = false;
    for (const state of this.owners.values()) {
      const p = state.placed;
      if (!p || p.uri.toString() !== key) continue;
      let span: LineSpan | undefined = p.span;
      for (const c of e.contentChanges) {
        span = shiftSpan(span, { startLine: c.range.start.line, startCol: c.range.start.character, endLine: c.range.end.line, endCol: c.range.end.character, text: c.text });
        if (!span) break;
      }
      if (!span) {
        state.placed = undefined;
        state.dismissed = state.key;
      } else if (span !== p.span) {
        p.span = span;
      } else continue;
      changed = true;
    }
    if (changed) this.publish(e.document.uri);
  }

  private forgetFiles(uris: readonly vscode.Uri[]): void {
    const gone = new Set(uris.map((u) => u.toString()));
    for (const state of this.owners.values()) {
      const p = state.placed;
      if (!p) continue;
      const file = p.uri.toString();
      // A deleted or renamed folder takes the files under it.
      if ([...gone].some((g) => file === g || file.startsWith(`${g}/`))) {
        state.placed = undefined;
        state.dismissed = state.key;
        this.collection.delete(p.uri);
      }
    }
  }

  dispose(): void {
    this.owners.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** An open document's text (what the user sees, saved or not), else the file's, up to 2 MB. */
async function readLines(uri: vscode.Uri): Promise<string[] | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  let text: string;
  if (open) text = open.getText();
  else {
    try {
      const st = await fsp.stat(uri.fsPath);
      if (!st.isFile() || st.size > MAX_SCRIPT_BYTES) return undefined;
      text = await fsp.readFile(uri.fsPath, 'utf8');
    } catch {
      return undefined;
    }
  }
  return text.split(/\r\n|\r|\n/);
}

/** A file name the log names as its entry script, when it is a plain Python file name (it goes into a glob). */
function safeScriptName(entryScript: string | undefined): string | undefined {
  const base = entryScript?.replace(/\\/g, '/').split('/').pop();
  return base && /^[A-Za-z0-9_.-]{1,100}\.py$/.test(base) ? base : undefined;
}

/**
 * The workspace's entry scripts: files matching amlDoctor.entryScripts, the scripts deployment YAMLs name
 * (those of `yamls` preferred; without `yamls`, every YAML's), and files named as the log's entry script.
 * Each is known by its path relative to its workspace folder.
 */
async function workspaceEntryScripts(yamls: vscode.Uri[] | undefined, logEntryScript: string | undefined): Promise<EntryCandidate[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  const byFile = new Map<string, EntryCandidate>();
  const add = (file: string, preferred: boolean) => {
    const folder = folders.find((f) => {
      const rel = path.relative(f.uri.fsPath, file);
      return rel && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (!folder) return; // never a file outside the workspace folders
    const prev = byFile.get(file);
    byFile.set(file, { file, rel: path.relative(folder.uri.fsPath, file).split(path.sep).join('/'), preferred: preferred || !!prev?.preferred });
  };
  const glob = readSettings().entryScripts;
  const name = safeScriptName(logEntryScript);
  for (const f of folders) {
    for (const u of await vscode.workspace.findFiles(new vscode.RelativePattern(f, glob), EXCLUDE, MAX_CANDIDATES)) add(u.fsPath, false);
    if (name) for (const u of await vscode.workspace.findFiles(new vscode.RelativePattern(f, `**/${name}`), EXCLUDE, MAX_CANDIDATES)) add(u.fsPath, false);
  }
  for (const y of yamls ?? (await deploymentYamls())) {
    const script = entryScriptOf(y);
    if (script && existsSync(script)) add(script, true);
  }
  return [...byFile.values()];
}
