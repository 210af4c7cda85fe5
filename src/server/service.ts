// The language service: documents + debounce -> analysis -> LSP diagnostics.
// It only talks to the small `ServerConnection` surface, so tests drive it in-process.
import { minimatch } from 'minimatch';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DiagnosticSeverity,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { analyzeScoringScript } from '../analysis/analyze';
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
}

export class ScoringLanguageService {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
  private workspaceRoots: string[] = [];
  private readonly debounceMs: number;

  constructor(private readonly connection: Connection, options: ServiceOptions = {}) {
    this.debounceMs = options.debounceMs ?? 150;
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((params): InitializeResult => {
      this.settings = { ...DEFAULT_SERVER_SETTINGS, ...(params.initializationOptions as Partial<ServerSettings> | undefined) };
      this.workspaceRoots = (params.workspaceFolders ?? []).map((f) => decodeURIComponent(f.uri.replace(/^file:\/\//, '')));
      return {
        capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } },
        serverInfo: { name: 'aml-doctor-language-server' },
      };
    });
    c.onNotification(SettingsChangedNotification, (s: Partial<ServerSettings>) => {
      this.settings = { ...DEFAULT_SERVER_SETTINGS, ...s };
      for (const doc of this.documents.all()) this.schedule(doc.uri, 0);
    });
    this.documents.onDidOpen((e) => this.schedule(e.document.uri, 0));
    this.documents.onDidChangeContent((e) => this.schedule(e.document.uri, this.debounceMs));
    this.documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      void c.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
    this.documents.listen(c);
  }

  /** Is this document an entry script by name? (Content-based recognition happens in analysis.) */
  isEntryScript(uri: string): boolean {
    if (!uri.endsWith('.py')) return false;
    const filePath = decodeURIComponent(uri.replace(/^file:\/\//, ''));
    const rel = this.workspaceRoots.find((r) => filePath.startsWith(r + '/'));
    const candidate = rel ? filePath.slice(rel.length + 1) : filePath.split('/').pop()!;
    return minimatch(candidate, this.settings.entryScripts, { dot: true, matchBase: !this.settings.entryScripts.includes('/') });
  }

  private schedule(uri: string, delay: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => void this.validate(uri), delay));
  }

  private async validate(uri: string): Promise<void> {
    this.timers.delete(uri);
    const doc = this.documents.get(uri);
    if (!doc || !this.isEntryScript(uri)) return;
    const version = doc.version;
    let diagnostics: Diagnostic[];
    try {
      const findings = await analyzeScoringScript(doc.getText(), { fileName: uri.split('/').pop() });
      diagnostics = findings.map(toDiagnostic);
    } catch (err) {
      this.connection.console.error(`analysis failed for ${uri}: ${(err as Error).stack ?? err}`);
      return;
    }
    // Results for the latest version only: a newer edit has its own run queued.
    const current = this.documents.get(uri);
    if (!current || current.version !== version) return;
    await this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}
