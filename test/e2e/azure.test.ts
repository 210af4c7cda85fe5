// End to end in a real VS Code (code-server + Chromium) with the Azure layer pointed at the local HTTPS ARM
// server (amlDoctor.azure.resourceManagerEndpoint + NODE_EXTRA_CA_CERTS for its generated certificate).
// Sign-in goes through @azure/identity's real AzureCliCredential; the `az` it runs is a stand-in on PATH
// that prints a token, since there is no Azure CLI or Entra ID here.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sampleFixture, startArmServer, type ArmServer } from '../integration/azure/armServer';
import { openVsCode, runCommand, runCommandAndPick, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

describe('Azure deployments in the explorer (e2e, code-server)', { timeout: 400000 }, () => {
  let vs: VsCodeSession;
  let server: ArmServer;
  let bin: string;
  let azLog: string;

  before(async () => {
    server = await startArmServer(sampleFixture(), 'e2e-arm-token');
    bin = mkdtempSync(path.join(os.tmpdir(), 'amld-azure-e2e-bin-'));
    azLog = path.join(bin, 'az-calls.log');
    const az = path.join(bin, 'az');
    writeFileSync(
      az,
      `#!/bin/sh\necho "$@" >> '${azLog}'\nexp=$(( $(date +%s) + 3600 ))\nprintf '{"accessToken":"%s","expiresOn":"2099-01-01 00:00:00.000000","expires_on":%s,"tokenType":"Bearer"}\\n' '${server.acceptToken}' "$exp"\n`,
    );
    chmodSync(az, 0o755);
    vs = await openVsCode({
      settings: {
        'amlDoctor.azure.credential': 'azureCli',
        'amlDoctor.azure.resourceManagerEndpoint': server.url,
        'amlDoctor.azure.logTail': 50,
        'amlDoctor.azure.logPollSeconds': 2,
      },
      // VSCODE_CLI=1: the server then keeps this environment for the extension host instead of replacing it
      // with a login shell's (as when a user starts VS Code from a terminal).
      env: { PATH: `${bin}:${process.env.PATH}`, NODE_EXTRA_CA_CERTS: server.caFile, VSCODE_CLI: '1' },
    });
  });

  after(async () => {
    await vs?.close();
    await server?.close();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  const row = (text: string | RegExp) => vs.page.locator('.sidebar .monaco-list-row', { hasText: text }).first();

  it('offers sign-in on an Azure row while signed out, then lists endpoints and deployments with state, instance type, count and traffic', () =>
    withFailureScreenshot(vs, 'azure-tree', async () => {
      const { page } = vs;
      await showContainer(page, 'AML Deploy Doctor');
      // a wider sidebar makes the screenshots readable (tree descriptions are long)
      const box = await page.locator('.part.sidebar').boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width + 350, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
      }
      const signIn = page.locator('.sidebar .actions-container a[aria-label="Sign in to Azure"]').first();
      await signIn.waitFor({ state: 'visible', timeout: 60000 });
      // Signed out, Azure has its own row next to Local Docker, and its child row signs in.
      await row(/^Azure\s*signed out/).waitFor({ state: 'visible', timeout: 60000 });
      const offer = row('Sign in to see online endpoints');
      await offer.waitFor({ state: 'visible', timeout: 60000 });
      await row('Local Docker').waitFor({ state: 'visible', timeout: 60000 });
      await vs.screenshot('azure-signed-out');
      await offer.click();
      await row(/^Azure\s*Azure CLI/).waitFor({ state: 'visible', timeout: 60000 });
      await offer.waitFor({ state: 'hidden', timeout: 60000 });
      assert.match(readFileSync(azLog, 'utf8'), new RegExp(`account get-access-token --output json --resource ${server.url.replace(/[.]/g, '\\.')}`), 'the token scope follows the endpoint setting');
      await row('ml-prod').waitFor({ state: 'visible', timeout: 60000 });
      await row('ml-prod').click();
      await row('diabetes-ep').waitFor({ state: 'visible', timeout: 60000 });
      const green = row(/green.*Failed/);
      await green.waitFor({ state: 'visible', timeout: 60000 });
      const greenText = await green.innerText();
      assert.match(greenText, /Standard_F4s_v2 ×2/);
      assert.match(greenText, /10% traffic/);
      const blueText = await row(/blue.*Succeeded/).innerText();
      assert.match(blueText, /Standard_DS3_v2 ×3/);
      assert.match(blueText, /autoscale 1-5 @70%/);
      assert.match(blueText, /90% traffic/);
      await vs.screenshot('azure-endpoints-deployments');
      const auth = server.requests.filter((r) => r.path.endsWith('/deployments'));
      assert.ok(auth.length > 0 && auth.every((r) => r.authorization === `Bearer ${server.acceptToken}`));
    }));

  it('shows why a failed deployment failed, on its tree item, with what to change', () =>
    withFailureScreenshot(vs, 'azure-explanation', async () => {
      await row('Out of quota for Standard_F4s_v2').waitFor({ state: 'visible', timeout: 60000 });
      assert.match(await row('Out of quota for Standard_F4s_v2').innerText(), /quota increase/);
      const gpu = row('No GPU free on the cluster (0/3 nodes available)');
      await gpu.waitFor({ state: 'visible', timeout: 60000 });
      await row("Couldn't schedule: cluster out of resources (gave up after 00:05:00)").waitFor({ state: 'visible', timeout: 60000 });
      await gpu.scrollIntoViewIfNeeded();
      await vs.screenshot('azure-failed-deployment-explanation');
      // compute targets: the AKS cluster with its node count, VM size and GPU
      await row(/^Compute$/).click();
      const aks = row(/aks-gpu\s*AKS/);
      await aks.waitFor({ state: 'visible', timeout: 60000 });
      assert.match(await aks.innerText(), /AKS · Standard_NC6s_v3 · 3 nodes · GPU/);
      await vs.screenshot('azure-compute-targets');
    }));

  it('opens the logs of the failed deployment with a diagnosis', () =>
    withFailureScreenshot(vs, 'azure-logs', async () => {
      const { page } = vs;
      // collapse aks-ep so that the first "Inference server logs" row is the failed green deployment's
      await row('aks-ep').click();
      await row('No GPU free on the cluster').waitFor({ state: 'hidden', timeout: 30000 });
      const logsRow = page.locator('.sidebar .monaco-list-row', { hasText: 'Inference server logs' }).first();
      await logsRow.click();
      // The log panel (a webview) classifies the lines and pins the diagnosis card on top.
      await page.locator('.tab', { hasText: 'diabetes-ep/green inference server' }).first().waitFor({ state: 'visible', timeout: 60000 });
      const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const card = webview.locator('#card');
      await card.locator('.card-title').first().waitFor({ state: 'visible', timeout: 60000 });
      assert.equal(await card.locator('.badge').first().innerText(), 'model_not_found');
      assert.match(await card.innerText(), /FileNotFoundError/);
      await webview.locator('.row', { hasText: 'Worker exiting (pid: 7)' }).first().waitFor({ state: 'visible', timeout: 30000 });
      const post = server.requests.find((r) => r.method === 'POST' && r.path.endsWith('/deployments/green/getLogs'));
      assert.deepEqual(post?.body, { containerType: 'InferenceServer', tail: 50 });
      await vs.screenshot('azure-logs-diagnosis');
    }));

  it('follows the logs of a deployment: lines written later appear once, by polling getLogs', () =>
    withFailureScreenshot(vs, 'azure-follow', async () => {
      const { page } = vs;
      const blue = server.fixture.workspaces[0]!.endpoints.find((e) => e.name === 'diabetes-ep')!.deployments.find((d) => d.name === 'blue')!;
      // From the palette: one quick pick of deployment and container, over the deployments the tree listed.
      await runCommandAndPick(page, 'AML Deploy Doctor: Follow Deployment Logs', 'diabetes-ep/blue: inference server');
      await page.locator('.tab', { hasText: 'diabetes-ep/blue inference server' }).first().waitFor({ state: 'visible', timeout: 60000 });
      const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await webview.locator('.row', { hasText: 'score.py init() done' }).first().waitFor({ state: 'visible', timeout: 60000 });
      blue.logs!.InferenceServer += 'POST /score 200 12ms\nPOST /score 200 9ms\n';
      await webview.locator('.row', { hasText: 'POST /score 200 9ms' }).first().waitFor({ state: 'visible', timeout: 60000 });
      // each line once, although every poll returns the whole tail again
      assert.equal(await webview.locator('.row', { hasText: 'score.py init() done' }).count(), 1);
      assert.equal(await webview.locator('.row', { hasText: 'POST /score 200 12ms' }).count(), 1);
      assert.ok(server.requests.filter((r) => r.path.endsWith('/deployments/blue/getLogs')).length >= 2);
      await vs.screenshot('azure-follow-logs');
    }));

  it('computes the replica plan for the guide example in the calculator', () =>
    withFailureScreenshot(vs, 'azure-calculator', async () => {
      const { page } = vs;
      await runCommand(page, 'AML Deploy Doctor: Autoscale Replica Calculator');
      const input = page.locator('.quick-input-widget input');
      for (const [i, value] of ['20', '10', '1', '70'].entries()) {
        await page.locator('.quick-input-widget', { hasText: `Replica calculator (${i + 1}/4)` }).first().waitFor({ state: 'visible', timeout: 30000 });
        await input.fill(value);
        await page.keyboard.press('Enter');
      }
      await page.locator('.notifications-toasts', { hasText: '286 replicas needed' }).first().waitFor({ state: 'visible', timeout: 60000 });
      await page.waitForFunction(() => /autoscale_min_replicas: 286/.test(document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ') ?? ''), undefined, { timeout: 60000 });
      await vs.screenshot('azure-replica-calculator');
    }));
});
