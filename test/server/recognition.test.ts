// Which files the server treats as entry scripts / conda environments, in a real temporary workspace:
// the glob, InferenceConfig(entry_script=...) in Python, scoring_script: in deployment YAML, init+run by
// content; conda files by name or by a deployment's conda_file:.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startLspPair, type LspPair } from '../helpers/lspPair';

const BROKEN_ENTRY = 'import json\n\ndef init():\n    pass\n'; // no run(): missing-run when treated as an entry script

describe('entry-script and conda-file recognition (in-process LSP, temp workspace)', () => {
  let dir: string;
  let lsp: LspPair;
  const uri = (rel: string) => pathToFileURL(path.join(dir, rel)).href;
  const open = async (rel: string, text: string, languageId = 'python') =>
    lsp.client.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(rel), languageId, version: 1, text } });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'amld-analysis-ws-'));
    mkdirSync(path.join(dir, 'src'));
    mkdirSync(path.join(dir, 'online', 'code'), { recursive: true });
    mkdirSync(path.join(dir, 'online', 'env'), { recursive: true });
    writeFileSync(path.join(dir, 'deploy.py'), 'from azureml.core.model import InferenceConfig\ncfg = InferenceConfig(entry_script="predict.py", source_directory="./src", environment=env)\n');
    writeFileSync(path.join(dir, 'src', 'predict.py'), BROKEN_ENTRY);
    writeFileSync(path.join(dir, 'online', 'blue.yml'), 'name: blue\ncode_configuration:\n  code: ./code\n  scoring_script: handler.py\nenvironment:\n  conda_file: ./env/deps.yml\n  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest\n');
    writeFileSync(path.join(dir, 'online', 'code', 'handler.py'), BROKEN_ENTRY);
    writeFileSync(path.join(dir, 'online', 'env', 'deps.yml'), 'dependencies:\n  - python=3.10\n  - pip:\n    - scikit-learn\n');
    lsp = await startLspPair({ debounceMs: 10, rootUri: pathToFileURL(dir).href });
  });
  after(() => {
    lsp.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('treats the script named by InferenceConfig(entry_script=, source_directory=) as an entry script', async () => {
    const pending = lsp.nextDiagnostics(uri('src/predict.py'));
    await open('src/predict.py', BROKEN_ENTRY);
    const d = await pending;
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['missing-run']);
  });

  it('treats the script named by a deployment YAML (code + scoring_script) as an entry script', async () => {
    const pending = lsp.nextDiagnostics(uri('online/code/handler.py'));
    await open('online/code/handler.py', BROKEN_ENTRY);
    assert.deepEqual((await pending).diagnostics.map((x) => x.code), ['missing-run']);
  });

  it('checks the conda file a deployment names, with a fix that adds azureml-defaults', async () => {
    const text = 'dependencies:\n  - python=3.10\n  - pip:\n    - scikit-learn\n';
    const pending = lsp.nextDiagnostics(uri('online/env/deps.yml'));
    await open('online/env/deps.yml', text, 'yaml');
    const d = await pending;
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['conda-missing-inference-server']);
    const actions = (await lsp.client.sendRequest('textDocument/codeAction', { textDocument: { uri: uri('online/env/deps.yml') }, range: d.diagnostics[0]!.range, context: { diagnostics: d.diagnostics } })) as { edit: { changes: Record<string, { newText: string }[]> } }[];
    assert.match(actions[0]!.edit.changes[uri('online/env/deps.yml')]![0]!.newText, /^ {4}- azureml-defaults>=1\.0\.45\n$/);
  });

  it('recognises a module with init() and run() by content, and ignores other modules and YAML', async () => {
    const pending = lsp.nextDiagnostics(uri('src/model_service.py'));
    await open('src/helpers.py', 'def run_query(q):\n    return q\n');
    await open('ci.yml', 'jobs:\n  build:\n    steps: []\n', 'yaml');
    await open('src/model_service.py', 'def init():\n    pass\n\ndef run(raw_data):\n    return model.predict(raw_data)\n');
    const d = await pending;
    assert.ok(d.diagnostics.some((x) => x.code === 'non-serializable-return'));
    assert.equal(lsp.all.some((p) => p.uri === uri('src/helpers.py') || p.uri === uri('ci.yml')), false);
  });

  it('starts treating a script as an entry script when an open file starts naming it', async () => {
    const other = 'src/other_entry.py';
    await open(other, BROKEN_ENTRY);
    const pending = lsp.nextDiagnostics(uri(other));
    await lsp.client.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uri('notebook_deploy.py'), languageId: 'python', version: 1, text: 'cfg = InferenceConfig(entry_script="src/other_entry.py")\n' },
    });
    assert.deepEqual((await pending).diagnostics.map((x) => x.code), ['missing-run']);
  });
});
