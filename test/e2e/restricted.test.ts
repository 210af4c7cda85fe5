// End to end in a real VS Code (code-server + Chromium) with Workspace Trust on and the folder untrusted:
// the Problems panel still shows score.py diagnostics (the workspace's own entryScripts value ignored),
// the Deployments view says Restricted Mode with a way to trust, shows no container although one runs,
// and offers no container action, and never connects to the Docker engine (it is reached through a
// relay socket that counts connections); granting trust brings the container in without a reload.
// Screenshots: test-results/screenshots/restricted-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../src/common/logger';
import { DockerodeClient } from '../../src/docker/client';
import { LocalDeployer } from '../../src/docker/localDeploy';
import { REPO, openFile, openVsCode, runCommand, showContainer, withFailureScreenshot, type VsCodeSession } from './harness';

const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const endpoint = `amld-restricted-e2e-${process.pid}`;
const deployer = new LocalDeployer(new DockerodeClient(), nullLogger, { harnessDir: path.join(REPO, 'media', 'harness'), readinessTimeoutMs: 90000 });

/** A unix socket relaying to the real engine, counting the connections made through it. */
async function countingDockerRelay(socketPath: string): Promise<{ connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    count++;
    const engine = connect(process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock');
    for (const s of [client, engine]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => [client, engine].forEach((x) => x.destroy()));
    }
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    connections: () => count,
    close: () => {
      open.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Restricted Mode (e2e, code-server, untrusted folder)', { timeout: 400000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  let relay: Awaited<ReturnType<typeof countingDockerRelay>>;
  before(async () => {
    // A scoring container the tree would list in a trusted workspace.
    await deployer.deploy({ endpoint, deployment: 'blue', sourceDir: path.join(REPO, 'examples'), entryScript: 'score.py', modelPath: path.join(REPO, 'examples', 'model', 'diabetes-linear.npz'), modelName: 'diabetes-linear', baseImage: IMAGE, port: 0 });
    source = mkdtempSync(path.join(os.tmpdir(), 'amld-restricted-e2e-'));
    // score.py without run(): an entry script by the default glob only (it has no init()+run() pair).
    writeFileSync(path.join(source, 'score.py'), 'model = None\n\n\ndef init():\n    global model\n    model = 1\n');
    // What a hostile repository would ship: settings that would hide the diagnostics and open a debug port.
    mkdirSync(path.join(source, '.vscode'));
    writeFileSync(path.join(source, '.vscode', 'settings.json'), JSON.stringify({ 'amlDoctor.entryScripts': 'nothing/**/*.py', 'amlDoctor.localDeploy.debug': true }));
    const socket = `${source}.docker.sock`;
    relay = await countingDockerRelay(socket);
    // docker.host is machine-scoped: the remote (Machine) settings of code-server, which apply untrusted too.
    vs = await openVsCode({ workspaceSource: source, trust: 'untrusted', machineSettings: { 'amlDoctor.docker.host': `unix://${socket}` } });
  });
  after(async () => {
    await vs?.close();
    await relay?.close();
    await deployer.delete(endpoint, 'blue');
    if (source) rmSync(source, { recursive: true, force: true });
    rmSync(`${source}.docker.sock`, { force: true });
  });

  it('the Problems panel shows score.py diagnostics; the workspace\'s entryScripts value is ignored', async () => {
    await withFailureScreenshot(vs, 'restricted-problems', async () => {
      const { page } = vs;
      await page.locator('.statusbar', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: 60000 });
      await openFile(page, 'score.py');
      await runCommand(page, 'View: Focus Problems');
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'has no top-level run() function' }).first().waitFor({ state: 'visible', timeout: 90000 });
      assert.match(await page.locator('.markers-panel').innerText(), /missing-run/);
      await vs.screenshot('restricted-problems-panel');
    });
  });

  it('the Deployments view explains Restricted Mode and how to trust, lists no container and offers no container action', async () => {
    await withFailureScreenshot(vs, 'restricted-view', async () => {
      const { page } = vs;
      await showContainer(page, 'AML Deploy Doctor');
      const welcome = page.locator('.welcome-view-content', { hasText: 'Restricted Mode' }).first();
      await welcome.waitFor({ state: 'visible', timeout: 60000 });
      assert.match(await welcome.innerText(), /does not talk to Docker or Azure/);
      await welcome.locator('a.monaco-button, .monaco-button', { hasText: 'Manage Workspace Trust' }).first().waitFor({ state: 'visible' });
      // The welcome view shows only while the tree is empty: the running container is not listed.
      assert.equal(await page.locator('.monaco-list-row', { hasText: endpoint }).count(), 0);
      assert.doesNotMatch(await page.locator('.sidebar').innerText(), /Looking for the Docker engine|Sign in to Azure to see/);
      await vs.screenshot('restricted-deployments-view');

      // The palette offers the file features, not the container actions. Each query in a fresh palette:
      // VS Code answers a query without a match with "similar commands" (or "No matching commands").
      const query = async (title: string): Promise<number> => {
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible' });
        await input.fill(`>AML Deploy Doctor: ${title}`);
        const hit = page.locator('.quick-input-list .monaco-list-row', { hasText: title });
        const none = page.locator('.quick-input-widget', { hasText: /No matching commands|similar commands/ });
        await hit.or(none).first().waitFor({ state: 'visible', timeout: 30000 });
        const hits = await hit.count();
        await page.keyboard.press('Escape');
        await input.waitFor({ state: 'hidden' });
        return hits;
      };
      assert.ok((await query('Explain a Log File')) > 0, 'the palette lists the extension\'s file commands');
      for (const title of ['Restart Container', 'Stop Container', 'Remove Container', 'Reload Local Deployment', 'Deploy Locally', 'Attach Debugger to Container', 'Sign in to Azure']) {
        assert.equal(await query(title), 0, `"${title}" is offered in Restricted Mode`);
      }
      // The view was shown, the palette used: not one connection to the engine.
      assert.equal(relay.connections(), 0, 'the extension connected to the Docker engine in Restricted Mode');
    });
  });

  it('granting trust brings the running container into the tree without a reload', async () => {
    await withFailureScreenshot(vs, 'restricted-grant', async () => {
      const { page } = vs;
      await page.locator('.welcome-view-content .monaco-button', { hasText: 'Manage Workspace Trust' }).first().click();
      const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
      await trust.waitFor({ state: 'visible', timeout: 30000 });
      await vs.screenshot('restricted-trust-editor');
      await trust.click();
      await page.locator('.statusbar', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'detached', timeout: 30000 });
      await showContainer(page, 'AML Deploy Doctor');
      await page.locator('.monaco-list-row', { hasText: endpoint }).first().waitFor({ state: 'visible', timeout: 60000 });
      await page.locator('.monaco-list-row', { hasText: 'blue' }).filter({ hasText: /running/ }).first().waitFor({ state: 'visible', timeout: 60000 });
      assert.ok(relay.connections() > 0, 'the tree reached the engine through the relay');
      await vs.screenshot('restricted-after-trust');
    });
  });
});
