// An in-process language server and a client connection over two PassThrough streams: no process,
// no VS Code, the real LSP wire format.
import { PassThrough } from 'node:stream';
import {
  createProtocolConnection,
  StreamMessageReader as ClientReader,
  StreamMessageWriter as ClientWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { ScoringLanguageService, type ServiceOptions } from '../../src/server/service';

export interface LspPair {
  client: ProtocolConnection;
  /** Resolves with the next publishDiagnostics for uri (subscribe before the edit that triggers it). */
  nextDiagnostics(uri: string, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  all: PublishDiagnosticsParams[];
  dispose(): void;
}

export async function startLspPair(options: ServiceOptions & { rootUri?: string; initializationOptions?: unknown; locale?: string } = {}): Promise<LspPair> {
  const up = new PassThrough();
  const down = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const service = new ScoringLanguageService(serverConnection, options);
  service.listen();
  serverConnection.listen();
  const client = createProtocolConnection(new ClientReader(down), new ClientWriter(up));
  const all: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    all.push(p);
    const i = waiters.findIndex((w) => w.uri === p.uri);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(p);
  });
  client.listen();
  await client.sendRequest('initialize', {
    processId: null,
    rootUri: options.rootUri ?? null,
    capabilities: {},
    workspaceFolders: options.rootUri ? [{ uri: options.rootUri, name: 'ws' }] : null,
    initializationOptions: options.initializationOptions,
    // What vscode-languageclient sends: vscode.env.language.
    locale: options.locale,
  });
  await client.sendNotification('initialized', {});
  return {
    client,
    all,
    nextDiagnostics(uri, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no publishDiagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ uri, resolve: (p) => { clearTimeout(timer); resolve(p); } });
      });
    },
    dispose() {
      service.dispose();
      client.dispose();
      serverConnection.dispose();
      up.destroy();
      down.destroy();
    },
  };
}
