// End to end in a real VS Code (code-server + Chromium): the "Fix a failing Azure ML deployment" walkthrough
// opens by itself on the first activation, a step turns complete when its command runs (from the Explorer's
// context menu, as a user runs it), and after a reload it is not opened again.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contextMenuAction, openVsCode, runCommand, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

const TITLE = 'Fix a failing Azure ML deployment';

/** The text of every "AML Deploy Doctor" log file VS Code wrote for this session (one per window/reload). */
function extensionLogs(userData: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'AML Deploy Doctor.log') out.push(readFileSync(p, 'utf8'));
    }
  };
  try {
    walk(path.join(userData, 'logs'));
  } catch {
    /* no logs yet */
  }
  return out.join('\n');
}

describe('walkthrough (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  before(async () => {
    // VS Code's default; the harness turns it off for the other suites (a machine-scoped setting).
    vs = await openVsCode({ machineSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': true } });
  });
  after(async () => {
    await vs?.close();
  });

  const step = (id: string) => vs.page.locator(`button.getting-started-step[data-step-id$="#${id}"]`).first();
  const walkthrough = () => vs.page.locator('.gettingStartedContainer', { hasText: TITLE });

  it('opens on the first activation with its six steps, none done yet', () =>
    withFailureScreenshot(vs, 'walkthrough-opens', async () => {
      const { page } = vs;
      // Showing the view activates the extension (so does opening a Python file). workspaceContains:**/score*.py
      // would too, but VS Code gives up that search after a few seconds on a busy machine.
      await showContainer(page, 'AML Deploy Doctor');
      await walkthrough().first().waitFor({ state: 'visible', timeout: 90000 });
      const steps = page.locator('.gettingStartedContainer button.getting-started-step');
      await step('azureLogs').waitFor({ state: 'visible', timeout: 30000 });
      const ids = await steps.evaluateAll((els) => els.map((e) => (e.getAttribute('data-step-id') ?? '').split('#').pop()));
      assert.deepEqual(ids, ['checkScoreScript', 'deployLocally', 'sendTestRequest', 'explainLogs', 'attachDebugger', 'azureLogs']);
      assert.equal(await step('deployLocally').getAttribute('aria-checked'), 'false');
      await step('deployLocally').click(); // expands the step: its text, button and image
      // The step's screenshot is in the VSIX and loads (a wrong path shows only the alt text).
      await page.waitForFunction(
        () => {
          const img = document.querySelector<HTMLImageElement>('.getting-started-media img[alt^="The Explorer context menu of score.py"]');
          return !!img && img.complete && img.naturalWidth > 0;
        },
        undefined,
        { timeout: 30000 },
      );
      await page.locator('.monaco-list-row', { hasText: 'Local Docker' }).first().waitFor({ state: 'visible', timeout: 60000 });
      await vs.screenshot('walkthrough-opened');
    }));

  it('marks "Deploy locally" done when Deploy Locally (Docker) runs from the Explorer context menu', () =>
    withFailureScreenshot(vs, 'walkthrough-step-done', async () => {
      const { page } = vs;
      await runCommand(page, 'View: Show Explorer');
      const score = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^score\.py$/ }).first();
      await score.waitFor({ state: 'visible', timeout: 60000 });
      await contextMenuAction(page, score, 'Deploy Locally (Docker)', () => vs.screenshot('walkthrough-deploy-locally-menu'));
      // The command asks how to deploy (the workspace has a deployment YAML); cancelling is fine here.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter the settings step by step' }).first().waitFor({ state: 'visible', timeout: 60000 });
      await page.keyboard.press('Escape');
      await runCommand(page, 'AML Deploy Doctor: Open Walkthrough');
      await walkthrough().first().waitFor({ state: 'visible', timeout: 30000 });
      await page.waitForFunction(
        () => document.querySelector('button.getting-started-step[data-step-id$="#deployLocally"]')?.getAttribute('aria-checked') === 'true',
        undefined,
        { timeout: 30000 },
      );
      // Only that step: the others still wait for their own commands.
      assert.equal(await step('attachDebugger').getAttribute('aria-checked'), 'false');
      assert.equal(await step('azureLogs').getAttribute('aria-checked'), 'false');
      await vs.screenshot('walkthrough-step-done');
    }));

  // VS Code itself restores the editors of the previous session (the walkthrough among them), so what is
  // checked is the extension's decision on its second activation, from its log.
  it('is not opened again by the next activation (after a reload)', () =>
    withFailureScreenshot(vs, 'walkthrough-once', async () => {
      const { page } = vs;
      await page.reload({ timeout: 90000 });
      await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: 90000 });
      // The extension activates again (the view is restored) and decides from its globalState flag.
      await showContainer(page, 'AML Deploy Doctor');
      const deadline = Date.now() + 90000;
      while (!/walkthrough: already shown once/.test(extensionLogs(vs.userDataDir))) {
        if (Date.now() > deadline) throw new Error(`the extension did not log its walkthrough decision after the reload:\n${extensionLogs(vs.userDataDir).slice(-2000)}`);
        await page.waitForTimeout(250); // polling a log file for a condition, bounded by the deadline
      }
      assert.equal((extensionLogs(vs.userDataDir).match(/walkthrough: opened on first activation/g) ?? []).length, 1);
    }));
});
