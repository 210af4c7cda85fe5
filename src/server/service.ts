// The language service: documents + debounce -> analysis -> LSP diagnostics and quick fixes.
// It only talks to the `Connection` surface, so tests drive it in-process.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Minimatch } from 'minimatch';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  DiagnosticSeverity,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type DidChangeTextDocumentParams,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { inspectScoringScript } from '../analysis/analyze';
import { analyzeCondaEnv } from '../analysis/conda';
import { editTree, type Tree } from '../analysis/incremental';
import { MAX_SOURCE_CHARS } from '../analysis/bounds';
import { deleteTree, isLiveTree, loadPythonGrammar } from '../analysis/parser';
import * as l10n from '../common/l10n';
import { notebookPython, pythonReferences, resolveReference, yamlReferences, type References } from '../analysis/references';
import type { Finding, Severity } from '../analysis/types';
import { DEFAULT_SERVER_SETTINGS, DIAGNOSTIC_SOURCE, SettingsChangedNotification, type ServerSettings } from './protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(f: Finding): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    source: DIAGNOSTIC_SOURCE,
    code: f.rule,
    codeDescription: f.docsUrl ? { href: f.docsUrl } : undefined,
    message: f.message,
  };
}

export interface ServiceOptions {
  /** Quiet time after the last edit before re-analysis. */
  debounceMs?: number;
  /**
   * Start-up work to finish before answering `initialize` (main.ts: grammar compiled, pipeline warm), so the
   * first opened file is analysed at full speed. Bounded by readyTimeoutMs: a slow start never blocks the client.
   */
  ready?: Promise<unknown>;
  /** Longest wait for `ready` before answering `initialize` anyway (default 3 s). */
  readyTimeoutMs?: number;
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', 'env', '__pycache__', 'dist', 'build', '.tox', '.mypy_cache', '.ipynb_checkpoints', 'site-packages']);
const SCAN_LIMIT = { files: 20000, bytes: 2_000_000, depth: 12 };

function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** A glob longer than this is not compiled (a sane one is a few dozen characters); the default is used instead. */
const MAX_GLOB_CHARS = 1000;
/** Brace expansion makes `{a,b}` repeated n times 2^n patterns (seconds to compile at n = 15): capped. */
const GLOB_OPTIONS = { dot: true, braceExpandMax: 256 };

/** A .py file that is not an entry script by name is parsed only when it may define both functions. */
const mayDefineEntryFunctions = (text: string) => /^(?:async[ \t]+)?def[ \t]+init[ \t]*\(/m.test(text) && /^(?:async[ \t]+)?def[ \t]+run[ \t]*\(/m.test(text);

const sameRange = (a: Diagnostic['range'], b: Diagnostic['range']) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

export class ScoringLanguageService {
  private readonly documents = new TextDocuments(TextDocument);
  /** Debounce timers of edited documents (one per document). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Documents waiting for an analysis, in order, each at most once: the work waiting is bounded by the open
   * documents. One analysis runs at a time; it reads the document's text when it starts.
   */
  private readonly queued = new Set<string>();
  /** The analysis under way: a newer version of its document (or closing it) stops it (isCancelled). */
  private running: { uri: string; version: number } | undefined;
  /** The entryScripts glob, compiled once per setting value. */
  private entryGlob: { glob: string; matcher: Minimatch | undefined } | undefined;
  private disposed = false;
  private settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
  private workspaceRoots: string[] = [];
  private debounceMs: number;
  /** Last analysis per open document, for code actions on the same version. */
  private readonly results = new Map<string, { version: number; findings: Finding[] }>();
  /** What each workspace file references (entry scripts, conda files), by absolute path of the referencing file. */
  private readonly references = new Map<string, { scripts: Set<string>; condaFiles: Set<string> }>();
  private scan: Promise<void> = Promise.resolve();
  /** Syntax tree of each open Python document, edited on every change, for incremental re-parsing. */
  private readonly trees = new Map<string, Tree>();
  /** Bumped on every change: a tree produced for an older generation is stale and dropped. */
  private readonly generation = new Map<string, number>();

  private readonly ready: Promise<unknown> | undefined;
  private readonly readyTimeoutMs: number;

  constructor(private readonly connection: Connection, options: ServiceOptions = {}) {
    this.debounceMs = options.debounceMs ?? 150;
    this.ready = options.ready?.catch(() => undefined); // a failed start-up is reported by the first analysis
    this.readyTimeoutMs = options.readyTimeoutMs ?? 3000;
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize(async (params): Promise<InitializeResult> => {
      if (this.ready) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.ready, new Promise((r) => (timer = setTimeout(r, this.readyTimeoutMs)))]);
        clearTimeout(timer);
      }
      // The client's display language (vscode-languageclient sends vscode.env.language): diagnostics and quick fixes
      // in that language from the first analysis on.
      const l10nLoaded = l10n.useLocale(params.locale);
      if (l10nLoaded.error) this.connection.console.warn(`translations not loaded: ${l10nLoaded.error}`);
      this.applySettings(params.initializationOptions as Partial<ServerSettings> | undefined);
      const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
      this.workspaceRoots = folders.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
      return {
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
          codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        },
        serverInfo: { name: 'aml-doctor-language-server' },
      };
    });
    c.onInitialized(() => {
      // Load the grammar now, not on the first didOpen.
      loadPythonGrammar().catch((err: Error) => this.connection.console.error(`cannot load the Python grammar: ${err.message}`));
      if (this.settings.scanWorkspace !== false) this.scan = this.scanWorkspace();
    });
    c.onNotification(SettingsChangedNotification, (s: Partial<ServerSettings>) => {
      this.applySettings(s);
      this.revalidateAll();
    });
    c.onCodeAction((p, token) => this.codeActions(p, () => token.isCancellationRequested));
    // An opened file is analysed at once, not after the debounce.
    this.documents.onDidOpen((e) => this.enqueue(e.document.uri));
    this.documents.onDidChangeContent((e) => {
      const uri = e.document.uri;
      // TextDocuments reports an open as a change too: the run just started (or about to) reads this very text.
      if (this.queued.has(uri) || (this.running?.uri === uri && this.running.version === e.document.version)) return;
      this.debounce(uri);
    });
    this.documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      this.queued.delete(e.document.uri);
      this.results.delete(e.document.uri);
      this.dropTree(e.document.uri);
      this.generation.delete(e.document.uri);
      this.publish({ uri: e.document.uri, diagnostics: [] });
    });
    // TextDocuments owns didChange; see each change first (with the old text) to edit the syntax tree.
    const intercepted = new Proxy(c, {
      get: (target, prop) => {
        if (prop === 'onDidChangeTextDocument') {
          return (handler: (p: DidChangeTextDocumentParams) => void) =>
            target.onDidChangeTextDocument((p) => {
              this.beforeChange(p);
              handler(p);
            });
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    this.documents.listen(intercepted);
  }

  private dropTree(uri: string): void {
    deleteTree(this.trees.get(uri)); // a tree of a discarded parser runtime is only forgotten
    this.trees.delete(uri);
  }

  private beforeChange(p: DidChangeTextDocumentParams): void {
    const uri = p.textDocument.uri;
    this.generation.set(uri, (this.generation.get(uri) ?? 0) + 1);
    const tree = this.trees.get(uri);
    const doc = this.documents.get(uri);
    if (!tree) return;
    if (!doc || !isLiveTree(tree)) return this.dropTree(uri);
    try {
      // Each change's range refers to the text after the previous changes of the same notification.
      let cur = p.contentChanges.length > 1 ? TextDocument.create(uri, doc.languageId, doc.version, doc.getText()) : doc;
      for (const ch of p.contentChanges) {
        if (!('range' in ch) || !ch.range) return this.dropTree(uri);
        const startOffset = cur.offsetAt(ch.range.start);
        const oldEndOffset = cur.offsetAt(ch.range.end);
        editTree(tree, { startOffset, oldEndOffset, start: cur.positionAt(startOffset), oldEnd: cur.positionAt(oldEndOffset), newText: ch.text });
        if (p.contentChanges.length > 1) cur = TextDocument.update(cur as TextDocument, [ch], cur.version + 1);
      }
    } catch {
      this.dropTree(uri);
    }
  }

  /** Resolves when the initial workspace scan for references is done (tests wait on it). */
  whenScanned(): Promise<void> {
    return this.scan;
  }

  private applySettings(s: Partial<ServerSettings> | undefined): void {
    this.settings = { ...DEFAULT_SERVER_SETTINGS, ...s };
    if (typeof this.settings.debounceMs === 'number' && this.settings.debounceMs >= 0) this.debounceMs = this.settings.debounceMs;
  }

  private revalidateAll(): void {
    for (const doc of this.documents.all()) this.enqueue(doc.uri);
  }

  /** Is this document an entry script by name (the glob setting) or by reference? Content-based recognition happens after analysis. */
  isEntryScript(uri: string): boolean {
    if (!uri.endsWith('.py')) return false;
    const filePath = uriToPath(uri) ?? decodeURIComponent(uri.replace(/^[a-z]+:\/*/i, '/'));
    if (this.isReferenced(filePath, 'scripts')) return true;
    const root = this.workspaceRoots.find((r) => filePath.startsWith(r + path.sep));
    const candidate = root ? filePath.slice(root.length + 1).split(path.sep).join('/') : filePath.split('/').pop()!;
    return this.entryMatcher()?.match(candidate) ?? false;
  }

  private entryMatcher(): Minimatch | undefined {
    let glob = this.settings.entryScripts || DEFAULT_SERVER_SETTINGS.entryScripts;
    if (this.entryGlob?.glob === glob) return this.entryGlob.matcher;
    const setting = glob;
    if (glob.length > MAX_GLOB_CHARS) {
      this.connection.console.error(`amlDoctor.entryScripts is ${glob.length} characters long (at most ${MAX_GLOB_CHARS}): using ${DEFAULT_SERVER_SETTINGS.entryScripts} instead`);
      glob = DEFAULT_SERVER_SETTINGS.entryScripts;
    }
    let matcher: Minimatch | undefined;
    try {
      matcher = new Minimatch(glob, { ...GLOB_OPTIONS, matchBase: !glob.includes('/') });
    } catch (err) {
      this.connection.console.error(`amlDoctor.entryScripts "${glob.slice(0, 100)}" is not a valid glob: ${(err as Error).message}`);
    }
    this.entryGlob = { glob: setting, matcher };
    return matcher;
  }

  private isReferenced(filePath: string, kind: 'scripts' | 'condaFiles'): boolean {
    for (const r of this.references.values()) if (r[kind].has(filePath)) return true;
    return false;
  }

  /** Stops all pending work: debounce timers, queued analyses (the one under way stops at its next pause). */
  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queued.clear();
  }

  private publish(params: { uri: string; version?: number; diagnostics: Diagnostic[] }): void {
    // Not awaited: a client that reads slowly must not hold up the other documents' analyses. A connection
    // that is gone has nobody to tell.
    this.connection.sendDiagnostics(params).catch(() => undefined);
  }

  /** Re-analyses an edited document once the edits pause for debounceMs. */
  private debounce(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.enqueue(uri);
      }, this.debounceMs),
    );
  }

  /** Queues an analysis of the document's current text (at most one waiting per document) and starts the next one. */
  private enqueue(uri: string): void {
    if (this.disposed) return;
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.queued.add(uri);
    this.pump();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queued.values().next();
    if (next.done) return;
    const uri = next.value;
    this.queued.delete(uri);
    const doc = this.documents.get(uri);
    if (!doc) return this.pump();
    const job = { uri, version: doc.version };
    this.running = job;
    void this.validate(uri, doc.version, doc.getText()).finally(() => {
      if (this.running === job) this.running = undefined;
      this.pump();
    });
  }

  private async validate(uri: string, version: number, text: string): Promise<void> {
    // A newer version (it has its own run queued) or a closed document stops this one at its next pause.
    const isCancelled = () => this.disposed || this.documents.get(uri)?.version !== version;
    let findings: Finding[] | undefined;
    try {
      await this.updateReferences(uri, text);
      findings = await this.analyze(uri, text, isCancelled);
    } catch (err) {
      this.connection.console.error(`analysis failed for ${uri}: ${(err as Error).stack ?? err}`);
      return;
    }
    // Results for the latest version only: a newer edit has its own run queued.
    if (isCancelled()) return;
    if (!findings) {
      // Not (or no longer) an entry script: clear anything published earlier.
      if (this.results.delete(uri)) this.publish({ uri, version, diagnostics: [] });
      return;
    }
    this.results.set(uri, { version, findings });
    this.publish({ uri, version, diagnostics: findings.map(toDiagnostic) });
  }

  /** Findings for a document, or undefined when the server has nothing to say about this kind of file. */
  private async analyze(uri: string, text: string, isCancelled?: () => boolean): Promise<Finding[] | undefined> {
    const name = uri.split('/').pop() ?? uri;
    if (/\.ya?ml$/i.test(name)) {
      if (text.length > MAX_SOURCE_CHARS) return undefined; // not a conda file anyone wrote by hand
      const filePath = uriToPath(uri);
      const conda = analyzeCondaEnv(text, { fileName: decodeURIComponent(name) });
      if (!conda.isCondaEnv) return undefined;
      // A conda file is checked when it is named like one or a deployment uses it.
      const condaLike = /(conda|env|environment)[^/]*\.ya?ml$/i.test(name) || (filePath ? this.isReferenced(filePath, 'condaFiles') : false);
      return condaLike ? conda.findings : undefined;
    }
    if (!name.endsWith('.py')) return undefined;
    const byName = this.isEntryScript(uri);
    // Cannot be an entry script by content (or too large to tell): not parsed at all.
    if (!byName && (text.length > MAX_SOURCE_CHARS || !mayDefineEntryFunctions(text))) return undefined;
    // Incremental parse: hand over this document's edited tree; keep the new one unless edits arrived meanwhile.
    const open = this.documents.get(uri);
    const incremental = open?.getText() === text;
    const gen = this.generation.get(uri) ?? 0;
    const oldTree = incremental ? this.trees.get(uri) : undefined;
    if (oldTree) this.trees.delete(uri);
    const result = await inspectScoringScript(text, { fileName: decodeURIComponent(name), oldTree, keepTree: incremental, isCancelled });
    if (result.cancelled) return undefined;
    if (result.tree) {
      if ((this.generation.get(uri) ?? 0) === gen && this.documents.get(uri)) {
        this.dropTree(uri);
        this.trees.set(uri, result.tree);
      } else deleteTree(result.tree);
    }
    if (byName) return result.findings;
    // By content: a module that defines both init() and run() is an entry script wherever it lives.
    return result.hasInit && result.hasRun ? result.findings : undefined;
  }

  private async updateReferences(uri: string, text: string): Promise<void> {
    const filePath = uriToPath(uri);
    if (!filePath) return;
    // A newly named (or no longer named) script changes which open files are entry scripts.
    if (this.setReferences(filePath, await referencesOf(filePath, text))) this.revalidateOthers(uri);
  }

  private setReferences(filePath: string, refs: References | undefined): boolean {
    const scripts = new Set<string>();
    const condaFiles = new Set<string>();
    for (const r of refs?.scripts ?? []) {
      const p = resolveReference(filePath, r.script, r.codeDir);
      if (p) scripts.add(p);
    }
    for (const c of refs?.condaFiles ?? []) {
      const p = resolveReference(filePath, c);
      if (p) condaFiles.add(p);
    }
    const old = this.references.get(filePath);
    const same = (a: Set<string> | undefined, b: Set<string>) => (a?.size ?? 0) === b.size && [...b].every((x) => a?.has(x));
    if (!scripts.size && !condaFiles.size) {
      this.references.delete(filePath);
      return !!old;
    }
    this.references.set(filePath, { scripts, condaFiles });
    return !(same(old?.scripts, scripts) && same(old?.condaFiles, condaFiles));
  }

  private revalidateOthers(exceptUri: string): void {
    for (const doc of this.documents.all()) if (doc.uri !== exceptUri) this.enqueue(doc.uri);
  }

  /** Reads the workspace once for files that reference entry scripts. Bounded in files, bytes and depth. */
  private async scanWorkspace(): Promise<void> {
    let files = 0;
    let changed = false;
    const walkDir = async (dir: string, depth: number): Promise<void> => {
      if (depth > SCAN_LIMIT.depth || files > SCAN_LIMIT.files) return;
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walkDir(p, depth + 1);
        } else if (e.isFile() && /\.(py|ya?ml|ipynb|json)$/i.test(e.name)) {
          if (++files > SCAN_LIMIT.files) return;
          try {
            const st = await fsp.stat(p);
            if (st.size > SCAN_LIMIT.bytes) continue;
            const text = await fsp.readFile(p, 'utf8');
            if (this.setReferences(p, await referencesOf(p, text))) changed = true;
          } catch {
            /* unreadable file: skip */
          }
        }
      }
    };
    try {
      for (const root of this.workspaceRoots) await walkDir(root, 0);
    } catch (err) {
      this.connection.console.error(`workspace scan failed: ${(err as Error).message}`);
    }
    if (changed) this.revalidateAll();
  }

  private async codeActions(params: CodeActionParams, isCancelled: () => boolean): Promise<CodeAction[]> {
    const { uri } = params.textDocument;
    if (params.context.only && !params.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(k + '.') || k === '')) return [];
    const doc = this.documents.get(uri);
    if (!doc) return [];
    let cached = this.results.get(uri);
    if (!cached || cached.version !== doc.version) {
      const version = doc.version;
      const findings = await this.analyze(uri, doc.getText(), () => isCancelled() || this.documents.get(uri)?.version !== version).catch(() => undefined);
      if (!findings) return [];
      cached = { version: doc.version, findings };
    }
    const actions: CodeAction[] = [];
    const wanted = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    for (const f of cached.findings) {
      if (!f.fixes?.length) continue;
      const diag = wanted.find((d) => d.code === f.rule && sameRange(d.range, f.range));
      const overlaps = f.range.start.line <= params.range.end.line && f.range.end.line >= params.range.start.line;
      if (!diag && !(wanted.length === 0 && overlaps)) continue;
      for (const fix of f.fixes) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diag ?? toDiagnostic(f)],
          isPreferred: fix.preferred,
          edit: { changes: { [uri]: fix.edits } },
        });
      }
    }
    return actions;
  }
}

/** What a workspace file references: Python (entry_script=), notebooks, YAML (scoring_script:, conda_file:), v1 inference-config JSON. */
async function referencesOf(filePath: string, text: string): Promise<References | undefined> {
  if (/\.py$/i.test(filePath)) return pythonReferences(text);
  if (/\.ipynb$/i.test(filePath)) {
    const py = notebookPython(text);
    return py ? pythonReferences(py) : undefined;
  }
  if (/\.ya?ml$/i.test(filePath)) return yamlReferences(text);
  if (/\.json$/i.test(filePath) && /"entryScript"|"entry_script"/.test(text)) return yamlReferences(text); // JSON is YAML
  return undefined;
}
