// End to end in a real VS Code (code-server + Chromium) with the real Docker engine: "Run Doctor" from the
// explorer's context menu on examples/deployment.yml shows the report (examples/ lacks azureml-defaults:
// step 2 fails and links to the conda file's line); after the fix, "Run Again" runs the deployment in a
// container and every step it runs passes; "Copy as Markdown" copies the report.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { contextMenuAction, openVsCode, withFailureScreenshot, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';

describe('Run Doctor (e2e, code-server, real Docker engine)', { timeout: 600000 }, () => {
  let vs: VsCodeSession;
  let report: FrameLocator;
  before(async () => {
    // A machine-scoped setting: in code-server it lives in the remote (machine) settings.
    vs = await openVsCode({ machineSettings: { 'amlDoctor.localDeploy.baseImage': IMAGE } });
    await vs.page.locator('.activitybar a[aria-label="AML Deploy Doctor"]').first().waitFor({ state: 'visible', timeout: 90000 });
  });
  after(async () => {
    await vs?.close();
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
      await vs.screenshot('doctor-report-examples');
      // The link opens conda.yml at the dependencies line.
      await env.locator('.where a').click();
      await page.locator('.tab[data-resource-name="conda.yml"], .tab:has-text("conda.yml")').first().waitFor({ state: 'visible', timeout: 30000 });
      await page.locator('.statusbar', { hasText: /Ln 4, Col/ }).first().waitFor({ state: 'visible', timeout: 30000 });
    }));

  it('after adding azureml-defaults, "Run Again" runs the deployment in a container and passes; "Copy as Markdown" copies it', () =>
    withFailureScreenshot(vs, 'doctor-healthy', async () => {
      const { page } = vs;
      const conda = path.join(vs.workspace, 'environment', 'conda.yml');
      writeFileSync(conda, readFileSync(conda, 'utf8').replace('      - inference-schema\n', '      - inference-schema\n      - azureml-defaults>=1.0.45\n'));
      await page.locator('.tab', { hasText: 'Doctor: diabetes-endpoint/blue' }).first().click();
      await report.locator('#rerun:not([disabled])').click();
      await report.locator('.verdict', { hasText: 'No step failed.' }).waitFor({ state: 'visible', timeout: 240000 });
      for (const id of ['script', 'environment', 'model', 'image', 'container', 'scoring']) {
        assert.match(await report.locator(`li.step[data-step="${id}"] .badge`).innerText(), /passed/, id);
      }
      assert.match(await report.locator('li.step[data-step="scoring"] .summary').innerText(), /POST \/score with sample-request\.json answered 200/);
      assert.match(await report.locator('li.step[data-step="azure"] .summary').innerText(), /not signed in to Azure/);
      await vs.screenshot('doctor-report-healthy');
      await report.locator('#copy').click();
      await page.locator('.statusbar', { hasText: 'report copied as Markdown' }).first().waitFor({ state: 'visible', timeout: 30000 });
    }));
});
