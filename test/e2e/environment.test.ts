// End to end in a real VS Code (code-server + Chromium) against the real Docker engine, offline, set up
// as `npm start` sets up its profile: an image map from mcr.microsoft.com/azureml/ to a base image built
// here, and a pip index on loopback with the example's pip packages. "Deploy Locally (Docker)" on
// examples/deployment.yml shows the environment build progressing, then the deployment in the tree, then
// "Send Test Request" answers with the model's numbers. Screenshots: test-results/screenshots/env-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, frameWith, deployLocallyFromExplorer, openVsCode, pickQuickItem, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const PIP_IMAGE = process.env.AML_DOCTOR_TEST_PIP_IMAGE ?? `${IMAGE}-pip`;
const endpoint = `amld-docker-test-e2e-env-${process.pid}`;
const mirror = `amld-docker-test-e2e-mirror-${process.pid}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('Deploy Locally builds the environment, offline (e2e, code-server)', { timeout: 900000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  let wheels: string;
  let index: { url: string; close(): Promise<void> } | undefined;

  before(async () => {
    const { exampleWheels, startPipIndex } = await import('../../scripts/pip-index.mjs');
    wheels = mkdtempSync(path.join(os.tmpdir(), 'amld-e2e-env-wheels-'));
    const lines = await exampleWheels(path.join(REPO, 'examples'), wheels, path.join(wheels, 'debs'));
    assert.ok(lines.every((l) => /\.whl/.test(l)), lines.join('\n'));
    index = await startPipIndex(wheels);
    docker('tag', PIP_IMAGE, `${mirror}/openmpi4.1.0-ubuntu20.04:latest`);
    source = mkdtempSync(path.join(os.tmpdir(), 'amld-e2e-env-src-'));
    cpSync(path.join(REPO, 'examples'), source, { recursive: true });
    // Its own endpoint name, and a conda file this run has not built before (a comment changes the hash).
    writeFileSync(path.join(source, 'deployment.yml'), readFileSync(path.join(source, 'deployment.yml'), 'utf8').replace('endpoint_name: diabetes-endpoint', `endpoint_name: ${endpoint}`));
    writeFileSync(path.join(source, 'environment', 'conda.yml'), `${readFileSync(path.join(source, 'environment', 'conda.yml'), 'utf8')}# e2e run ${process.pid} ${Date.now()}\n`);
    vs = await openVsCode({
      workspaceSource: source,
      machineSettings: { 'amlDoctor.localDeploy.imageMap': { 'mcr.microsoft.com/azureml/': `${mirror}/` }, 'amlDoctor.localDeploy.pipIndexUrl': index.url },
    });
  });
  after(async () => {
    await vs?.close();
    const ids = docker('ps', '-aq', '--filter', `label=aml-doctor.endpoint=${endpoint}`).split('\n').filter(Boolean);
    const images = ids.map((id) => docker('inspect', '-f', '{{.Config.Image}}', id));
    if (ids.length) docker('rm', '-f', '-v', ...ids);
    for (const img of images) if (img.startsWith('aml-doctor-env/')) docker('rmi', img);
    try {
      docker('rmi', `${mirror}/openmpi4.1.0-ubuntu20.04:latest`);
    } catch {
      /* not tagged */
    }
    await index?.close();
    rmSync(source, { recursive: true, force: true });
    rmSync(wheels, { recursive: true, force: true });
  });

  it('shows the build progressing, then the deployment in the tree, then a test request answering', async () => {
    await withFailureScreenshot(vs, 'env-deploy-locally', async () => {
      const { page } = vs;
      await deployLocallyFromExplorer(page);
      // The notification follows the build step by step.
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `Deploying ${endpoint}/blue locally` }).first();
      await toast.locator('text=/Step \\d+\\/\\d+/').first().waitFor({ state: 'visible', timeout: 180000 });
      assert.match(await toast.innerText(), /Step \d+\/\d+: /);
      await vs.screenshot('env-build-progress');
      // The whole build log is live in the log panel.
      const log = await frameWith(vs, '#log', 60000);
      await log.locator('text=/Successfully installed joblib-1\\.2\\.0/').first().waitFor({ state: 'visible', timeout: 300000 });
      // A build going well is never shown as a failure while it runs.
      assert.doesNotMatch(await log.locator('#card').innerText(), /image_build_failure|The log is an image build log/);
      await vs.screenshot('env-build-log');
      // Then the deployment answers, and it is in the tree.
      const answered = page.locator('.notifications-toasts .notification-toast', { hasText: `${endpoint}.blue answers at` }).first();
      await answered.waitFor({ state: 'visible', timeout: 300000 });
      await showContainer(page, 'AML Deploy Doctor');
      await page.locator('.monaco-list-row', { hasText: endpoint }).first().waitFor({ state: 'visible', timeout: 60000 });
      const deployed = page.locator('.monaco-list-row', { hasText: 'blue' }).filter({ hasText: /running/ }).first();
      await deployed.waitFor({ state: 'visible', timeout: 60000 });
      await vs.screenshot('env-deployment-in-tree');
      // The next step the notification offers: Send Test Request on the new deployment.
      await answered.locator('.monaco-button', { hasText: 'Send Test Request' }).first().click();
      await pickQuickItem(page, 'sample-request.json');
      const result = await frameWith(vs, '#latency', 60000);
      assert.match(await result.locator('#status').innerText(), /^200 OK/);
      const body = JSON.parse(await result.locator('#body').innerText()) as { predictions: number[] };
      assert.equal(body.predictions.length, 2);
      assert.ok(body.predictions.every((p) => Number.isFinite(p)));
      await vs.screenshot('env-test-request');
      // The container runs the environment image built for it.
      const id = docker('ps', '-q', '--filter', `label=aml-doctor.endpoint=${endpoint}`);
      assert.match(docker('inspect', '-f', '{{.Config.Image}}', id), /^aml-doctor-env\/diabetes-scoring:[0-9a-f]{20}$/);
    });
  });
});
