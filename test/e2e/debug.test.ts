// End to end in code-server: a real scoring container (a v2-style local endpoint with the workspace's
// code bind-mounted) appears in the Deployments tree; "Attach Debugger to Container" from its context
// menu; a breakpoint in the local score.py is hit by a real request; the debug toolbar and the
// Variables view show it; continuing lets the request answer 200.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startScoringContainer, type ScoringContainer } from '../helpers/scoringContainer';
import { contextMenuAction, goToLine, openFile, openVsCode, runCommand, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

describe('attach debugger from the tree (e2e, code-server)', { timeout: 300000 }, () => {
  let vs: VsCodeSession;
  let scoring: ScoringContainer;
  before(async () => {
    vs = await openVsCode();
    // Mount the e2e workspace copy, labelled like an Azure ML CLI v2 local endpoint.
    scoring = await startScoringContainer({
      name: 'amld-e2e-debug.blue',
      project: vs.workspace,
      labels: { 'azureml-local-endpoint': 'true', endpoint: 'amld-e2e-debug', deployment: 'blue' },
    });
  });
  after(async () => {
    await scoring?.remove();
    await vs?.close();
  });

  it('hits a breakpoint in the local score.py and shows the request in the Variables view', () =>
    withFailureScreenshot(vs, 'debug-attach', async () => {
      const { page } = vs;
      const score = readFileSync(path.join(vs.workspace, 'score.py'), 'utf8').split('\n');
      const line = score.findIndex((l) => l.includes('coef, intercept = model')) + 1;
      await openFile(page, 'score.py');
      // Put the cursor on the line and toggle a breakpoint (F9).
      await goToLine(page, line);
      await page.keyboard.press('F9');
      await page.locator('.codicon-debug-breakpoint').first().waitFor({ state: 'visible', timeout: 30000 });

      await showContainer(page, 'AML Deploy Doctor');
      const row = page.locator('.monaco-list-row', { hasText: 'blue' }).first();
      await row.waitFor({ state: 'visible', timeout: 60000 });
      await contextMenuAction(page, row, 'Attach Debugger to Container');
      await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60000 });

      // A real request: the worker stops at the breakpoint.
      const response = fetch(`${scoring.url}/score`, { method: 'POST', body: readFileSync(path.join(vs.workspace, 'sample-request.json')), headers: { 'Content-Type': 'application/json' } });
      await page.locator('.debug-top-stack-frame-line, .debug-top-stack-frame').first().waitFor({ state: 'visible', timeout: 60000 });
      await runCommand(page, 'Run and Debug: Focus on Variables View');
      const variables = page.locator('.debug-variables');
      const locals = variables.locator('.monaco-list-row', { hasText: 'Locals' }).first();
      await locals.waitFor({ state: 'visible', timeout: 30000 });
      if ((await locals.getAttribute('aria-expanded')) !== 'true') await locals.click();
      await variables.locator('.monaco-list-row', { hasText: 'raw_data' }).first().waitFor({ state: 'visible', timeout: 30000 });
      assert.match(await variables.innerText(), /raw_data/);
      await vs.screenshot('debug-stopped-at-breakpoint');

      await page.keyboard.press('F5');
      const r = await response;
      assert.equal(r.status, 200);
      await runCommand(page, 'Debug: Disconnect');
    }));
});
