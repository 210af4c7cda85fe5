// End to end in a real VS Code (code-server + Chromium) whose display language is Traditional Chinese
// (--locale zh-tw, with the smallest language pack VS Code accepts: see SessionOptions.locale). What the
// extension shows comes from its own translations: the Deployments tree, a score.py diagnostic in the
// Problems panel, the Explorer's context menu (package.nls.zh-tw.json) and the log panel's card, labels and
// status (l10n/bundle.l10n.zh-tw.json). Screenshots: test-results/screenshots/l10n-*.png.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, contextMenuAction, openFile, openVsCode, runCommand, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';
import { GLOBAL_MISSING_SCORE } from './scripts';

describe('Traditional Chinese display language (e2e, code-server --locale zh-tw)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  before(async () => {
    source = mkdtempSync(path.join(os.tmpdir(), 'amld-l10n-e2e-'));
    writeFileSync(path.join(source, 'score.py'), GLOBAL_MISSING_SCORE);
    copyFileSync(path.join(REPO, 'test', 'fixtures', 'logs', 'init-exception.log'), path.join(source, 'deployment.log'));
    vs = await openVsCode({ workspaceSource: source, locale: 'zh-tw' });
  });
  after(async () => {
    await vs?.close();
    rmSync(source, { recursive: true, force: true });
  });

  it('the Deployments view, its rows and a score.py diagnostic are in Traditional Chinese', async () => {
    await withFailureScreenshot(vs, 'l10n-tree', async () => {
      const { page } = vs;
      // The extension host runs in the session's language.
      await showContainer(page, 'AML Deploy Doctor');
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: '部署' }) }).first();
      await view.waitFor({ state: 'visible', timeout: 90000 });
      await view.locator('.monaco-list-row', { hasText: '本機 Docker' }).first().waitFor({ state: 'visible', timeout: 90000 });
      await view.locator('.monaco-list-row', { hasText: '已登出' }).first().waitFor({ state: 'visible', timeout: 30000 });
      await view.locator('.monaco-list-row', { hasText: '登入以查看' }).first().waitFor({ state: 'visible', timeout: 30000 });
      assert.doesNotMatch(await view.innerText(), /Local Docker|signed out|Sign in/i);

      await openFile(page, 'score.py');
      await runCommand(page, 'View: Focus Problems');
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'init() 將 model 指派為區域變數' });
      await problem.first().waitFor({ state: 'visible', timeout: 90000 });
      const panel = await page.locator('.markers-panel').innerText();
      assert.match(panel, /global-missing/);
      assert.doesNotMatch(panel, /assigns model as a local variable/);
      await vs.screenshot('l10n-tree-and-problems');
    });
  });

  it('the Explorer menu item and the log panel speak Traditional Chinese', async () => {
    await withFailureScreenshot(vs, 'l10n-log-panel', async () => {
      const { page } = vs;
      await runCommand(page, 'View: Hide Panel');
      await runCommand(page, 'View: Show Explorer');
      const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'deployment.log' }).first();
      await file.waitFor({ state: 'visible', timeout: 30000 });
      await contextMenuAction(page, file, '說明記錄檔...');

      await page.locator('.tab', { hasText: 'deployment.log' }).first().waitFor({ state: 'visible', timeout: 60000 });
      const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const card = webview.locator('#card');
      await card.locator('.card-title', { hasText: 'init() 擲回例外狀況' }).waitFor({ state: 'visible', timeout: 60000 });
      // The card's labels and the confidence come from the bundle; the log's own text is left as it is.
      assert.match(await card.locator('.confidence').innerText(), /^高信賴度 \(0\.\d\d\)$/);
      const text = await card.innerText();
      assert.match(text, /修正方式/);
      assert.match(text, /階段/);
      assert.match(text, /ValueError: weights\.npz is truncated/);
      assert.doesNotMatch(text, /\bFix:|\bPhase:|high confidence/);
      await webview.locator('#status', { hasText: '記錄結束' }).waitFor({ state: 'visible', timeout: 30000 });
      assert.match(await webview.locator('details.noise summary').first().innerText(), /無害/);
      await vs.screenshot('l10n-log-panel');
    });
  });
});
