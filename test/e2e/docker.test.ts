// End to end in a real VS Code (code-server + Chromium) against the real Docker engine: the
// Deployments tree shows a real local deployment of examples/ with its status, and "Send Test
// Request" from the item's context menu shows status, latency and the model's answer.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { nullLogger } from '../../src/common/logger';
import { DockerodeClient } from '../../src/docker/client';
import { LocalDeployer } from '../../src/docker/localDeploy';
import { REPO, frameWith, contextMenuAction, openVsCode, pickQuickItem, showContainer, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const endpoint = `amld-docker-test-e2e-${process.pid}`;
const deployer = new LocalDeployer(new DockerodeClient(), nullLogger, { harnessDir: path.join(REPO, 'media', 'harness'), readinessTimeoutMs: 90000 });

async function frameWithText(vs: VsCodeSession, pattern: RegExp, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of vs.page.frames()) {
      const text = await f.locator('body').innerText({ timeout: 1000 }).catch(() => '');
      if (pattern.test(text)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no frame showing ${pattern} within ${timeoutMs} ms`);
    await vs.page.waitForTimeout(200); // polling frames for a condition, bounded by the deadline
  }
}

describe('local Docker deployments (e2e, code-server)', { timeout: 400000 }, () => {
  let vs: VsCodeSession;
  let scoringUri = '';
  before(async () => {
    const info = await deployer.deploy({
      endpoint,
      deployment: 'blue',
      sourceDir: path.join(REPO, 'examples'),
      entryScript: 'score.py',
      modelPath: path.join(REPO, 'examples', 'model', 'diabetes-linear.npz'),
      modelName: 'diabetes-linear',
      baseImage: IMAGE,
      port: 0,
    });
    scoringUri = info.scoringUri;
    vs = await openVsCode({ settings: { 'amlDoctor.localDeploy.baseImage': IMAGE } });
  });
  after(async () => {
    await vs?.close();
    await deployer.delete(endpoint, 'blue');
  });

  it('shows the real local deployment under its endpoint with a status', async () => {
    const { page } = vs;
    await showContainer(page, 'AML Deploy Doctor');
    await page.locator('.monaco-list-row', { hasText: endpoint }).first().waitFor({ state: 'visible', timeout: 60000 });
    const row = page.locator('.monaco-list-row', { hasText: 'blue' }).filter({ hasText: /running/ }).first();
    await row.waitFor({ state: 'visible', timeout: 60000 });
    const text = await row.innerText();
    assert.match(text, /running/);
    await vs.screenshot('docker-tree-local-deployment');
  });

  it('"Send Test Request" from the context menu shows status, latency and the model\'s answer', async () => {
    const { page } = vs;
    const row = page.locator('.monaco-list-row', { hasText: 'blue' }).filter({ hasText: /running/ }).first();
    await contextMenuAction(page, row, 'Send Test Request', () => vs.screenshot('docker-context-menu'));
    await pickQuickItem(page, 'sample-request.json');
    const frame = await frameWith(vs, '#latency', 60000);
    const status = await frame.locator('#status').innerText();
    assert.match(status, /^200 OK/);
    assert.match(await frame.locator('#latency').innerText(), new RegExp(`POST ${scoringUri.replace(/[.:/]/g, '\\$&')} · \\d+(\\.\\d)? ms`));
    const body = JSON.parse(await frame.locator('#body').innerText()) as { predictions: number[] };
    assert.equal(body.predictions.length, 2);
    assert.ok(body.predictions.every((p) => typeof p === 'number' && Number.isFinite(p)));
    await vs.screenshot('docker-send-test-request');
  });

  it('"Show Container Logs" follows the container\'s real gunicorn log in the log panel', async () => {
    const { page } = vs;
    const row = page.locator('.monaco-list-row', { hasText: 'blue' }).filter({ hasText: /running/ }).first();
    await contextMenuAction(page, row, 'Show Container Logs');
    await frameWithText(vs, /Booting worker with pid: \d+/, 60000);
    await vs.screenshot('docker-show-logs');
  });
});

describe('Docker unreachable (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  before(async () => {
    vs = await openVsCode({ machineSettings: { 'amlDoctor.docker.host': 'unix:///tmp/amld-docker-test-no-engine.sock' } });
  });
  after(async () => {
    await vs?.close();
  });

  it('shows the welcome view with the reason and the fix', async () => {
    const { page } = vs;
    await showContainer(page, 'AML Deploy Doctor');
    // Activation, the first (failing) connection and the welcome view: slow when the machine is busy.
    await page
      .locator('.sidebar')
      .getByText('The Docker engine is not running', { exact: false })
      .first()
      .waitFor({ state: 'visible', timeout: 150000 })
      .catch(async (err: Error) => {
        await vs.screenshot('FAILED-docker-unreachable-welcome');
        throw new Error(`${err.message}\nsidebar text: ${await page.locator('.sidebar').innerText().catch(() => '?')}`);
      });
    const text = await page.locator('.sidebar').innerText();
    assert.match(text, /systemctl start docker|Docker Desktop/);
    assert.doesNotMatch(text, /Local Docker/);
    await vs.screenshot('docker-unreachable-welcome');
  });
});
