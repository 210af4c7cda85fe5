// The bundled server runs on its own: `node dist/server.js --stdio`, real process, real LSP framing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';

const SERVER = path.resolve(__dirname, '..', '..', 'dist', 'server.js');

describe('bundled language server over stdio', () => {
  it('answers initialize and publishes missing-init for an opened score.py', async () => {
    const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    try {
      const diagnostics = new Promise<PublishDiagnosticsParams>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no diagnostics within 10 s; stderr: ${stderr}`)), 10000);
        conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
          clearTimeout(t);
          resolve(p);
        });
      });
      conn.listen();
      const init = (await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null })) as {
        capabilities: { textDocumentSync: { change: number } };
      };
      assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
      await conn.sendNotification('initialized', {});
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri: 'file:///tmp/proj/score.py', languageId: 'python', version: 1, text: 'def run(data):\n    return data\n' },
      });
      const d = await diagnostics;
      assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-init']);
    } finally {
      conn.dispose();
      proc.kill();
    }
  });
});
