// The bundled server runs on its own: `node dist/server.js --stdio`, real process, real LSP framing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';

const SERVER = path.resolve(__dirname, '..', '..', 'dist', 'server.js');

/** Starts dist/server.js, opens a score.py without init() and returns the published diagnostics. */
async function missingInit(locale?: string): Promise<PublishDiagnosticsParams> {
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
    const init = (await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null, locale })) as {
      capabilities: { textDocumentSync: { change: number } };
    };
    assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
    await conn.sendNotification('initialized', {});
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: 'file:///tmp/proj/score.py', languageId: 'python', version: 1, text: 'def run(data):\n    return data\n' },
    });
    return await diagnostics;
  } finally {
    conn.dispose();
    proc.kill();
  }
}

describe('bundled language server over stdio', () => {
  it('answers initialize and publishes missing-init for an opened score.py', async () => {
    const d = await missingInit();
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-init']);
    assert.match(String(d.diagnostics[0]!.message), /^score\.py has no top-level init\(\) function\./);
  });

  it('finds the translations next to the bundle (dist/../l10n): a zh-tw client reads the diagnostic in Traditional Chinese', async () => {
    const d = await missingInit('zh-tw');
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-init']);
    assert.match(String(d.diagnostics[0]!.message), /^score\.py 沒有最上層的 init\(\) 函式。/);
  });
});
