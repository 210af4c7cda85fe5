// End to end in a real VS Code (code-server + Chromium) against the real Docker engine (issue 11 item 4):
// "Deploy Locally (Docker)" on a deployment whose init() raises fails, and the traceback in the container's
// log puts an error on the raising line of score.py in the Problems panel (source "AML Deploy Doctor
// (runtime)"). Its quick fix shows the log; a line added above moves it with the text; editing the raising
// line clears it. Screenshots: test-results/screenshots/runtime-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, deployLocallyFromExplorer, goToLine, openFile, openVsCode, runCommand, withFailureScreenshot, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const endpoint = `amld-docker-test-e2e-runtime-${process.pid}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('runtime findings from a local deployment (e2e, code-server)', { timeout: 600000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  let raising = 0;

  before(async () => {
    source = mkdtempSync(path.join(os.tmpdir(), 'amld-e2e-runtime-'));
    cpSync(path.join(REPO, 'examples'), source, { recursive: true });
    // init() opens a model file the deployment does not have: np.load raises FileNotFoundError.
    const score = readFileSync(path.join(source, 'score.py'), 'utf8').replace('"diabetes-linear.npz")', '"diabetes-linear-v2.npz")');
    writeFileSync(path.join(source, 'score.py'), score);
    raising = score.split('\n').findIndex((l) => l.includes('weights = np.load(model_path)')) + 1;
    assert.ok(raising > 0);
    // The scoring image as it is (no environment build), under this run's own endpoint name.
    writeFileSync(
      path.join(source, 'deployment.yml'),
      readFileSync(path.join(source, 'deployment.yml'), 'utf8')
        .replace('endpoint_name: diabetes-endpoint', `endpoint_name: ${endpoint}`)
        .replace(/environment:\n(?: {2}.*\n)+/, `environment:\n  image: ${IMAGE}\n`),
    );
    vs = await openVsCode({ workspaceSource: source });
  });
  after(async () => {
    await vs?.close();
    const ids = docker('ps', '-aq', '--filter', `label=aml-doctor.endpoint=${endpoint}`).split('\n').filter(Boolean);
    if (ids.length) docker('rm', '-f', '-v', ...ids);
    rmSync(source, { recursive: true, force: true });
  });

  it('puts the init() traceback on the raising line of score.py; editing that line clears it', async () => {
    await withFailureScreenshot(vs, 'runtime-finding', async () => {
      const { page } = vs;
      await deployLocallyFromExplorer(page);
      // The deployment fails: the container exits while init() raises.
      const failed = page.locator('.notifications-toasts .notification-toast', { hasText: `Local deployment ${endpoint}/blue failed` }).first();
      await failed.waitFor({ state: 'visible', timeout: 240000 });

      // The Problems panel: an error of its own source on the raising line of score.py.
      await openFile(page, 'score.py');
      await page.keyboard.press('Control+Shift+M');
      const problems = page.locator('.markers-panel');
      await problems.waitFor({ state: 'visible', timeout: 30000 });
      const finding = problems.locator('.monaco-list-row', { hasText: 'AML Deploy Doctor (runtime)' });
      await finding.first().waitFor({ state: 'visible', timeout: 60000 });
      assert.equal(await finding.count(), 1);
      const text = await finding.first().innerText();
      assert.match(text, /The model could not be found/);
      assert.match(text, /FileNotFoundError: \[Errno 2\] No such file or directory: '\/var\/azureml-app\/azureml-models\/diabetes-linear\/1\/diabetes-linear-v2\.npz'/);
      assert.match(text, new RegExp(`\\[Ln ${raising}, Col 5\\]`));
      // Shown as an error (waited for: the row's icon can be drawn a moment after its text).
      await finding.first().locator('.codicon-error').first().waitFor({ state: 'visible', timeout: 10000 });
      // The squiggle in the editor, on that line.
      const squiggle = page.locator('.monaco-editor .squiggly-error').first();
      await squiggle.waitFor({ state: 'visible', timeout: 30000 });
      await goToLine(page, raising);
      await vs.screenshot('runtime-finding');
      // Its hover: the diagnosis, the exception, the source and the quick fix.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await failed.waitFor({ state: 'hidden', timeout: 30000 });
      // On the statement's text (the squiggle is drawn under it).
      await page.locator('.monaco-editor .view-line', { hasText: 'weights = np.load(model_path)' }).first().hover({ position: { x: 90, y: 8 } });
      const hover = page.locator('.monaco-hover', { hasText: 'AML Deploy Doctor (runtime)' }).first();
      await hover.waitFor({ state: 'visible', timeout: 30000 });
      assert.match(await hover.innerText(), /The model could not be found[\s\S]*FileNotFoundError/);
      await vs.screenshot('runtime-finding-hover');
      await page.keyboard.press('Escape');

      // Its quick fix shows the container's log in the log panel.
      await page.keyboard.press('Control+.');
      const action = page.locator('.action-widget .monaco-list-row, .context-view .action-item', { hasText: 'Show the log this came from' }).first();
      await action.waitFor({ state: 'visible', timeout: 30000 });
      await vs.screenshot('runtime-finding-quick-fix');
      await action.click();
      await page.locator('.tab', { hasText: `Log: ${endpoint}.blue (docker)` }).first().waitFor({ state: 'visible', timeout: 60000 });
      const card = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame').locator('#card');
      await card.locator('.card-title', { hasText: 'The model could not be found' }).waitFor({ state: 'visible', timeout: 60000 });

      // A line added above: the finding moves with the text.
      // Back to score.py by its tab (the log panel's webview has the keyboard focus).
      await page.locator('.tab', { hasText: 'score.py' }).first().click();
      await page.locator('.tab.active', { hasText: 'score.py' }).first().waitFor({ state: 'visible', timeout: 30000 });
      await goToLine(page, 2);
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('# a line added above');
      await problems.locator('.monaco-list-row', { hasText: 'AML Deploy Doctor (runtime)' }).filter({ hasText: `[Ln ${raising + 1}, Col 5]` }).first().waitFor({ state: 'visible', timeout: 30000 });

      // Editing the raising line clears it.
      await goToLine(page, raising + 1);
      await page.keyboard.press('End');
      await page.keyboard.type('  # edited');
      await problems.locator('.monaco-list-row', { hasText: 'AML Deploy Doctor (runtime)' }).first().waitFor({ state: 'detached', timeout: 30000 });
      assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 0);
      await vs.screenshot('runtime-finding-cleared');
    });
  });
});
