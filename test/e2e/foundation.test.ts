// End to end in a real VS Code (code-server + Chromium): the packaged extension activates, its
// Deployments view is in the sidebar, and the language server's diagnostics reach the Problems panel.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openFile, openVsCode, runCommand, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

describe('foundation (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  before(async () => {
    vs = await openVsCode();
  });
  after(async () => {
    await vs?.close();
  });

  it('shows the Deployments view in the AML Deploy Doctor activity-bar container, with Local Docker and a signed-out Azure row', async () => {
    const { page } = vs;
    await showContainer(page, 'AML Deploy Doctor');
    // With a single view the container shows the view's title in the sidebar header.
    await page.locator('.sidebar .composite.title', { hasText: /Deployments/i }).first().waitFor({ state: 'visible', timeout: 60000 });
    // Docker runs in the test environment: the tree shows the Local Docker root.
    await page.locator('.monaco-list-row', { hasText: 'Local Docker' }).first().waitFor({ state: 'visible', timeout: 60000 });
    // Azure is visible while signed out: its row offers sign-in.
    await page.locator('.monaco-list-row', { hasText: /^Azure\s*signed out/ }).first().waitFor({ state: 'visible', timeout: 60000 });
    await page.locator('.monaco-list-row', { hasText: 'Sign in to see online endpoints' }).first().waitFor({ state: 'visible', timeout: 60000 });
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

  it('turns the view into a welcome view that names the reason when Docker is unreachable', () => withFailureScreenshot(vs, 'docker-unreachable', async () => {
    const { page } = vs;
    // amlDoctor.docker.host is machine-scoped: in code-server it lives in the remote (Machine) settings.
    mkdirSync(path.dirname(vs.machineSettingsFile), { recursive: true });
    const before = existsSync(vs.machineSettingsFile) ? readFileSync(vs.machineSettingsFile, 'utf8') : '{}';
    writeFileSync(vs.machineSettingsFile, JSON.stringify({ ...JSON.parse(before), 'amlDoctor.docker.host': 'unix:///tmp/amld-no-such-docker.sock' }));
    await showContainer(page, 'AML Deploy Doctor');
    await page.locator('.welcome-view-content', { hasText: 'The Docker engine is not running' }).first().waitFor({ state: 'visible', timeout: 60000 });
    const sidebar = await page.locator('.sidebar').innerText();
    assert.match(sidebar, /sudo systemctl start docker/);
    assert.match(sidebar, /Refresh/);
    await vs.screenshot('foundation-docker-unreachable');
    // Pointing the setting back recovers without a reload.
    writeFileSync(vs.machineSettingsFile, before);
    await page.locator('.monaco-list-row', { hasText: 'Local Docker' }).first().waitFor({ state: 'visible', timeout: 60000 });
  }));
});
