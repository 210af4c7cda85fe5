// End to end in a real VS Code (code-server + Chromium): "Explain a Log File..." opens the log panel on a
// deployment log, the diagnosis card names the failure, and the traceback frame opens score.py.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { REPO, openFile, openVsCode, runCommand, type VsCodeSession } from './harness';

describe('log panel (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  let webview: FrameLocator;
  before(async () => {
    vs = await openVsCode();
    copyFileSync(path.join(REPO, 'test', 'fixtures', 'logs', 'init-exception.log'), path.join(vs.workspace, 'deployment.log'));
    // The command palette lists contributed commands only once the extension is registered.
    await vs.page.locator('.activitybar a[aria-label="AML Deploy Doctor"]').first().waitFor({ state: 'visible', timeout: 90000 });
  });
  after(async () => {
    await vs?.close();
  });

  it('opens a log file through "Explain a Log File..." and pins the diagnosis card', async () => {
    const { page } = vs;
    await runCommand(page, 'AML Deploy Doctor: Explain a Log File...');
    // code-server's file dialog is a quick input holding a path: type the log's path and accept.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30000 });
    // Wait until the dialog has listed the workspace folder (it sets its own value while loading).
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'deployment.log' }).first().waitFor({ state: 'visible', timeout: 60000 });
    const target = path.join(vs.workspace, 'deployment.log');
    await input.fill(target);
    await page.waitForFunction((want) => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === want, target, { timeout: 10000 });
    await page.keyboard.press('Enter');

    await page.locator('.tab', { hasText: 'Log: deployment.log' }).first().waitFor({ state: 'visible', timeout: 60000 });
    webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const card = webview.locator('#card');
    await card.locator('.card-title', { hasText: 'init() raised an exception' }).waitFor({ state: 'visible', timeout: 60000 });
    assert.equal(await card.locator('.badge').innerText(), 'init_exception');
    assert.match(await card.innerText(), /ValueError: weights\.npz is truncated/);
    assert.match(await card.innerText(), /Fix:/);
    // What the diagnosis rests on: how sure it is, when it happened, the exception.
    assert.match(await card.locator('.confidence').innerText(), /^high confidence \(0\.\d\d\)$/);
    assert.match(await card.innerText(), /Phase: init\(\)/);
    assert.match(await card.innerText(), /Exception: ValueError: weights\.npz is truncated/);
    // Severity colouring, collapsed noise and the status line.
    await webview.locator('.row.sev-error', { hasText: 'ValueError: weights.npz is truncated' }).first().waitFor({ state: 'visible' });
    const noise = webview.locator('details.noise summary').first();
    assert.match(await noise.innerText(), /harmless line/);
    await webview.locator('#status', { hasText: 'End of log' }).waitFor({ state: 'visible', timeout: 30000 });
    await vs.screenshot('logs-diagnosis-card');
  });

  it('filters lines and opens the score.py frame from the card', async () => {
    const { page } = vs;
    await webview.locator('#filter').fill('Worker');
    await webview.locator('.row', { hasText: 'Worker exiting (pid: 40)' }).waitFor({ state: 'visible', timeout: 30000 });
    const rows = webview.locator('.row');
    await rows.first().waitFor({ state: 'visible' });
    for (const text of await rows.allInnerTexts()) assert.match(text, /worker/i);
    // The frame /var/azureml-app/src/score.py maps to the workspace's score.py.
    await webview.locator('#card .where a.frame').click();
    await page.locator('.tab[data-resource-name="score.py"], .tab:has-text("score.py")').first().waitFor({ state: 'visible', timeout: 30000 });
    // ...at the frame's line (17), selected.
    await page.locator('.statusbar', { hasText: /Ln 17, Col/ }).first().waitFor({ state: 'visible', timeout: 30000 });
    await vs.screenshot('logs-frame-opened');
  });

  it('explains the selected text of an editor', async () => {
    const { page } = vs;
    writeFileSync(path.join(vs.workspace, 'pasted.txt'), 'az ml online-deployment create output:\nERROR: (OutOfQuota) Not enough quota available for Standard_DS3_v2 in SubscriptionId 000. Current usage/limit: 4/6. Additional needed: 4\n');
    await openFile(page, 'pasted.txt');
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await runCommand(page, 'AML Deploy Doctor: Explain Selected Log Text');
    await page.locator('.tab', { hasText: 'Log: selection of pasted.txt' }).first().waitFor({ state: 'visible', timeout: 60000 });
    const card = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame').locator('#card');
    await card.locator('.badge', { hasText: 'quota' }).waitFor({ state: 'visible', timeout: 60000 });
    assert.match(await card.innerText(), /Not enough quota for the requested VM size/);
    await vs.screenshot('logs-selection-card');
  });
});
