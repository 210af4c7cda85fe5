// End to end in a real VS Code (code-server + Chromium): the packaged extension activates, its
// Deployments view is in the sidebar, and the language server's diagnostics reach the Problems panel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openFile, openVsCode, runCommand, type VsCodeSession } from './harness';

describe('foundation (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  before(async () => {
    vs = await openVsCode();
  });
  after(async () => {
    await vs?.close();
  });

  it('shows the Deployments view in the AML Deploy Doctor activity-bar container', async () => {
    const { page } = vs;
    await page.locator('.activitybar a[aria-label="AML Deploy Doctor"]').first().click();
    // With a single view the container shows the view's title in the sidebar header.
    await page.locator('.sidebar .composite.title', { hasText: /Deployments/i }).first().waitFor({ state: 'visible', timeout: 60000 });
    // Docker runs in the test environment: the tree shows the Local Docker root.
    await page.locator('.monaco-list-row', { hasText: 'Local Docker' }).first().waitFor({ state: 'visible', timeout: 60000 });
    await vs.screenshot('foundation-deployments-view');
  });

  it('shows missing-run for a half-written entry script in the Problems panel', async () => {
    const { page } = vs;
    await openFile(page, 'drafts/score_draft.py');
    await runCommand(page, 'View: Focus Problems');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'has no top-level run() function' });
    await problem.first().waitFor({ state: 'visible', timeout: 60000 });
    const text = await page.locator('.markers-panel').innerText();
    assert.match(text, /missing-run/);
    await vs.screenshot('foundation-problems-panel');
  });
});
