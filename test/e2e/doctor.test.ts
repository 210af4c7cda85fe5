// End to end in a real VS Code (code-server + Chromium) with the real Docker engine, offline, the profile set
// up as `npm start` sets it up: an image map from mcr.microsoft.com/azureml/ to a base image built here, and
// a pip index on loopback (the example's pip packages, plus an azureml-defaults wheel this test writes).
// "Run Doctor" from the explorer's context menu on examples/deployment.yml shows the report (examples/ lacks
// azureml-defaults: step 2 fails and links to the conda file's line); after the fix, "Run Again" builds the
// example's environment in step 4 (the build's steps in the notification), runs it in a container and every
// step it runs passes; "Copy as Markdown" copies the report.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { environmentHash, environmentTag } from '../../src/environment/dockerfile';
import { REPO, contextMenuAction, openVsCode, withFailureScreenshot, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const PIP_IMAGE = process.env.AML_DOCTOR_TEST_PIP_IMAGE ?? `${IMAGE}-pip`;
const mirror = `amld-docker-test-e2e-doctor-mirror-${process.pid}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('Run Doctor (e2e, code-server, real Docker engine, offline)', { timeout: 900000 }, () => {
  let vs: VsCodeSession;
  let report: FrameLocator;
  let source: string;
  let wheels: string;
  let index: { url: string; close(): Promise<void> } | undefined;
  let built: string | undefined;
  before(async () => {
    const { exampleWheels, startPipIndex, writeWheel } = await import('../../scripts/pip-index.mjs');
    wheels = mkdtempSync(path.join(os.tmpdir(), 'amld-e2e-doctor-wheels-'));
    const lines = await exampleWheels(path.join(REPO, 'examples'), wheels, path.join(wheels, 'debs'));
    assert.ok(lines.every((l) => /\.whl/.test(l)), lines.join('\n'));
    // PyPI is not reachable: a stand-in for the name pip must find once the user adds it (the harness serves).
    await writeWheel(wheels, { name: 'azureml-defaults', version: '1.0.45', files: { 'azureml_defaults_standin/__init__.py': '' } });
    index = await startPipIndex(wheels);
    docker('tag', PIP_IMAGE, `${mirror}/openmpi4.1.0-ubuntu20.04:latest`);
    // A conda file this run has not built before (a comment changes the hash): step 4 builds it.
    source = mkdtempSync(path.join(os.tmpdir(), 'amld-e2e-doctor-src-'));
    cpSync(path.join(REPO, 'examples'), source, { recursive: true });
    writeFileSync(path.join(source, 'environment', 'conda.yml'), `${readFileSync(path.join(source, 'environment', 'conda.yml'), 'utf8')}# e2e run ${process.pid} ${Date.now()}\n`);
    // Machine settings (where code-server keeps machine-scoped settings), as npm start writes them.
    vs = await openVsCode({
      workspaceSource: source,
      machineSettings: { 'amlDoctor.localDeploy.imageMap': { 'mcr.microsoft.com/azureml/': `${mirror}/` }, 'amlDoctor.localDeploy.pipIndexUrl': index.url },
    });
    await vs.page.locator('.activitybar a[aria-label="AML Deploy Doctor"]').first().waitFor({ state: 'visible', timeout: 90000 });
  });
  after(async () => {
    await vs?.close();
    for (const img of [built, `${mirror}/openmpi4.1.0-ubuntu20.04:latest`]) {
      try {
        if (img) docker('rmi', img);
      } catch {
        /* not there */
      }
    }
    await index?.close();
    if (source) rmSync(source, { recursive: true, force: true });
    if (wheels) rmSync(wheels, { recursive: true, force: true });
  });

  it('Run Doctor on examples/deployment.yml from the explorer shows the report; the failed step links to its line', () =>
    withFailureScreenshot(vs, 'doctor-examples', async () => {
      const { page } = vs;
      await page.keyboard.press('Control+Shift+E');
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'deployment.yml' }).first();
      await row.waitFor({ state: 'visible', timeout: 60000 });
      await contextMenuAction(page, row, 'Run Doctor');
      await page.locator('.tab', { hasText: 'Doctor: diabetes-endpoint/blue' }).first().waitFor({ state: 'visible', timeout: 60000 });
      report = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
      await report.locator('.verdict', { hasText: 'Step 2 (Environment) failed.' }).waitFor({ state: 'visible', timeout: 120000 });
      const env = report.locator('li.step[data-step="environment"]');
      assert.match(await env.innerText(), /no azureml-defaults or azureml-inference-server-http/);
      assert.match(await env.locator('ol.fix').innerText(), /Add azureml-defaults>=1\.0\.45/);
      for (const id of ['script', 'model']) assert.match(await report.locator(`li.step[data-step="${id}"] .badge`).innerText(), /passed/);
      for (const id of ['image', 'container', 'scoring', 'capacity']) assert.match(await report.locator(`li.step[data-step="${id}"] .badge`).innerText(), /skipped/);
      assert.match(await report.locator('li.step[data-step="container"] .summary').innerText(), /step 4 \(Image\) did not run/);
      await vs.screenshot('doctor-report-step2-fails');
      // The link opens conda.yml at the dependencies line.
      await env.locator('.where a').click();
      await page.locator('.tab[data-resource-name="conda.yml"], .tab:has-text("conda.yml")').first().waitFor({ state: 'visible', timeout: 30000 });
      await page.locator('.statusbar', { hasText: /Ln 4, Col/ }).first().waitFor({ state: 'visible', timeout: 30000 });
    }));

  it('after adding azureml-defaults, "Run Again" builds the environment in step 4, runs it in a container and passes; "Copy as Markdown" copies it', () =>
    withFailureScreenshot(vs, 'doctor-healthy', async () => {
      const { page } = vs;
      const conda = path.join(vs.workspace, 'environment', 'conda.yml');
      const text = readFileSync(conda, 'utf8');
      assert.ok(text.includes('      - joblib==1.2.0\n'), text);
      const fixed = text.replace('      - joblib==1.2.0\n', '      - joblib==1.2.0\n      - azureml-defaults>=1.0.45\n');
      writeFileSync(conda, fixed);
      // The tag step 4 must build: this run's conda text on the mirror's image (known before, so a failed run cleans it up too).
      built = environmentTag('diabetes-scoring', environmentHash({ kind: 'generated', baseImageId: docker('image', 'inspect', '-f', '{{.Id}}', PIP_IMAGE), condaText: fixed }));
      await page.locator('.tab', { hasText: 'Doctor: diabetes-endpoint/blue' }).first().click();
      await report.locator('#rerun:not([disabled])').click();
      // Step 4 builds the example's environment: the notification follows the build step by step.
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Run Doctor: deployment.yml' }).first();
      await toast.locator('text=/Step \\d+\\/\\d+/').first().waitFor({ state: 'visible', timeout: 300000 });
      await report.locator('.verdict', { hasText: 'No step failed.' }).waitFor({ state: 'visible', timeout: 600000 });
      for (const id of ['script', 'environment', 'model', 'image', 'container', 'scoring']) {
        assert.match(await report.locator(`li.step[data-step="${id}"] .badge`).innerText(), /passed/, id);
      }
      const image = await report.locator('li.step[data-step="image"] .summary').innerText();
      assert.equal(image, `Built ${built} from ${mirror}/openmpi4.1.0-ubuntu20.04:latest with the conda file conda.yml.`, 'built by this run, through the image map');
      assert.match(await report.locator('li.step[data-step="scoring"] .summary').innerText(), /POST \/score with sample-request\.json answered 200/);
      assert.match(await report.locator('li.step[data-step="azure"] .summary').innerText(), /not signed in to Azure/);
      await vs.screenshot('doctor-report-examples');
      await report.locator('#copy').click();
      await page.locator('.statusbar', { hasText: 'report copied as Markdown' }).first().waitFor({ state: 'visible', timeout: 30000 });
    }));
});
