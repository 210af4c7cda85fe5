// A real VS Code for end-to-end tests: code-server (installed once into a cache folder) with the packaged
// VSIX installed, driven by Debian's Chromium through playwright-core. Waits on selectors, never on timers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '..', '..');
export const VSIX = path.join(REPO, 'build', 'aml-deploy-doctor.vsix');
export const SCREENSHOTS = path.join(REPO, 'test-results', 'screenshots');
/** VS Code's own logs (extension host, our log channel) and code-server's output, saved when a test fails. */
export const FAILURE_LOGS = path.join(REPO, 'test-results', 'logs');

export function codeServerCommand(): string[] {
  const out = execFileSync('bash', [path.join(REPO, 'scripts', 'ensure-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!.split(' ');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, proc: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`code-server exited (${proc.exitCode}):\n${logs()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms:\n${logs()}`);
}

/** Debian's Chromium through playwright-core (no browser download): for the e2e tests and scripts/render-media.mjs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface VsCodeSession {
  page: Page;
  browser: Browser;
  workspace: string;
  url: string;
  /** The user settings.json; VS Code picks up changes to it while running. */
  settingsFile: string;
  /** Remote ("machine") settings: where machine-scoped settings live in code-server. */
  machineSettingsFile: string;
  /** code-server's user data folder (logs/ holds VS Code's and the extension's log files). */
  userDataDir: string;
  screenshot(name: string): Promise<string>;
  /** Copies VS Code's log folder and code-server's output tail to test-results/logs/<name>/. */
  saveLogs(name: string): void;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Extra user settings (merged over the test defaults). */
  settings?: Record<string, unknown>;
  /** Remote ("machine") settings: machine-scoped settings such as amlDoctor.docker.host live here in code-server. */
  machineSettings?: Record<string, unknown>;
  /** Folder copied as the workspace (default: examples/). */
  workspaceSource?: string;
  /** Environment for code-server (and so for the extension host). */
  env?: Record<string, string>;
  /**
   * 'untrusted': Workspace Trust on (as users have it) and the folder opened in Restricted Mode, without the
   * start-up prompt. Default: trust disabled, every folder trusted.
   */
  trust?: 'untrusted';
  /**
   * VS Code's display language (e.g. 'zh-tw'). VS Code switches only to a language a language pack provides;
   * the real packs come from the Marketplace, out of reach here. So the session gets the smallest pack VS Code
   * accepts (a languagepacks.json entry naming a translation file without translations): VS Code's own
   * strings stay English, the locale is `locale`, and everything the extension shows comes from its own
   * package.nls.<locale>.json and l10n/bundle.l10n.<locale>.json, as with the real pack installed.
   */
  locale?: string;
}

export async function openVsCode(options: SessionOptions = {}): Promise<VsCodeSession> {
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run node scripts/package.mjs first`);
  const cmd = codeServerCommand();
  const base = mkdtempSync(path.join(os.tmpdir(), 'aml-doctor-e2e-'));
  const userData = path.join(base, 'user-data');
  const extensions = path.join(base, 'extensions');
  const workspace = path.join(base, 'workspace');
  cpSync(options.workspaceSource ?? path.join(REPO, 'examples'), workspace, { recursive: true });
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': options.trust === 'untrusted',
      'security.workspace.trust.startupPrompt': 'never',
      'workbench.startupEditor': 'none',
      'chat.disableAIFeatures': true,
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'window.commandCenter': false,
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      ...options.settings,
    }),
  );
  mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  writeFileSync(
    path.join(userData, 'Machine', 'settings.json'),
    JSON.stringify({
      // Each session is a first install: the extension's walkthrough would open in every test (walkthrough.test.ts
      // turns it on). Machine-scoped, so the extension host reads it from here, not from the user settings.
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      ...options.machineSettings,
    }),
  );
  if (options.locale) {
    const translations = path.join(base, 'language-pack', 'main.i18n.json');
    mkdirSync(path.dirname(translations), { recursive: true });
    writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
    writeFileSync(
      path.join(userData, 'languagepacks.json'),
      JSON.stringify({
        [options.locale]: {
          hash: `e2e-${options.locale}`,
          // VS Code takes the language for installed when a pack names an extension; else it tries to install one from the gallery.
          extensions: [{ extensionIdentifier: { id: `aml-doctor-e2e.language-pack-${options.locale}` }, version: '1.0.0' }],
          translations: { vscode: translations },
          label: options.locale,
        },
      }),
    );
  }
  execFileSync(cmd[0]!, [...cmd.slice(1), '--install-extension', VSIX, '--extensions-dir', extensions, '--user-data-dir', userData], { stdio: 'ignore' });
  const port = await freePort();
  let log = '';
  const proc = spawn(
    cmd[0]!,
    [
      ...cmd.slice(1),
      ...['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check'],
      ...(options.trust === 'untrusted' ? [] : ['--disable-workspace-trust']),
      ...(options.locale ? ['--locale', options.locale] : []),
      ...['--extensions-dir', extensions, '--user-data-dir', userData, workspace],
    ],
    // Its own process group: close() ends code-server together with its extension hosts and servers.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, detached: true },
  );
  proc.stdout!.on('data', (d) => (log = (log + d).slice(-20000)));
  proc.stderr!.on('data', (d) => (log = (log + d).slice(-20000)));
  const url = `http://127.0.0.1:${port}/`;
  let browser: Browser | undefined;
  /** Ends what this session started: the browser, code-server's process group, the temporary folders. */
  const close = async () => {
    await browser?.close().catch(() => undefined);
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-proc.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    group('SIGTERM');
    const exited = new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
    const bound = new Promise((r) => setTimeout(r, 10000));
    await Promise.race([exited, bound]);
    group('SIGKILL'); // whatever of the group is left (extension hosts, language servers)
    rmSync(base, { recursive: true, force: true });
  };
  let page: Page;
  try {
    await waitForHttp(`${url}healthz`, 60000, proc, () => log);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    // The first load of the workbench is slow on a busy machine: wait for it as long as for the workbench.
    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`, { timeout: 180000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  } catch (err) {
    // A session that did not start has no caller to close it: code-server would outlive the test run.
    await close();
    throw err;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    browser,
    workspace,
    url,
    settingsFile: path.join(userData, 'User', 'settings.json'),
    machineSettingsFile: path.join(userData, 'Machine', 'settings.json'),
    userDataDir: userData,
    async screenshot(name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    saveLogs(name) {
      const dest = path.join(FAILURE_LOGS, name);
      mkdirSync(dest, { recursive: true });
      if (existsSync(path.join(userData, 'logs'))) cpSync(path.join(userData, 'logs'), path.join(dest, 'vscode'), { recursive: true });
      writeFileSync(path.join(dest, 'code-server.txt'), log);
    },
    close,
  };
}

/** Runs a command through the command palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Opens a workspace file through Quick Open and waits for its editor tab. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  const name = path.basename(relativePath);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator(`.tab[data-resource-name="${name}"], .tab:has-text("${name}")`).first().waitFor({ state: 'visible' });
}

/** Runs a test body; on failure saves a screenshot named FAILED-<name> and the logs before rethrowing. */
export async function withFailureScreenshot(vs: VsCodeSession | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await vs?.screenshot(`FAILED-${name}`).catch(() => undefined);
    try {
      vs?.saveLogs(`FAILED-${name}`);
    } catch {
      /* the failure itself matters more than its logs */
    }
    throw err;
  }
}

/** Shows an activity-bar view container (a click on an already active one would close the sidebar). */
export async function showContainer(page: Page, title: string): Promise<void> {
  const item = page.locator(`.activitybar li.action-item:has(a[aria-label="${title}"])`).first();
  await item.waitFor({ state: 'visible', timeout: 60000 });
  const active = (await item.getAttribute('class'))?.includes('checked') && (await page.locator('.sidebar').isVisible());
  if (!active) await item.locator('a').first().click();
}

/** Moves the cursor of the active editor to a line (Go to Line), waiting for the widget each step. */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.locator('.quick-input-widget', { hasText: `line ${line}` }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden' });
  await page.locator('.statusbar', { hasText: `Ln ${line},` }).first().waitFor({ state: 'visible' });
}

/**
 * Runs a context-menu action on a tree row. The item is chosen with the keyboard (arrow keys to the item,
 * then Enter), as a user can: a mouse click on a menu that has just opened can be swallowed (VS Code 1.139
 * animates menus open, and ignores a mouse-up too close to the opening right-click). If the tree re-renders
 * under the open menu (a Docker event refreshes the view) the menu closes: then it is opened again, up to
 * three times.
 */
export async function contextMenuAction(page: Page, row: Locator, label: string, onOpen?: () => Promise<unknown>): Promise<void> {
  let shown = false;
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu').first();
    try {
      await menu.locator('.action-item', { hasText: label }).first().waitFor({ state: 'visible', timeout: 15000 });
    } catch (err) {
      // The menu closed as it opened (a health change re-rendered the row: once in CI): right-click again.
      if (attempt >= 3) throw err;
      await page.keyboard.press('Escape');
      continue;
    }
    if (!shown) await onOpen?.(); // e.g. a screenshot of the open menu, once
    shown = true;
    const count = await menu.locator('.action-item:not(.disabled)').count();
    let chosen = false;
    for (let i = 0; i < count + 1 && !chosen; i++) {
      await page.keyboard.press('ArrowDown');
      const focused = menu.locator('.action-item.focused').first();
      chosen = (await focused.count()) > 0 && (await focused.innerText().catch(() => '')).trim().startsWith(label);
    }
    if (chosen) {
      await page.keyboard.press('Enter');
      try {
        await menu.waitFor({ state: 'hidden', timeout: 5000 });
        return;
      } catch {
        /* menu still open: retried below */
      }
    }
    if (attempt >= 3) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `FAILED-context-menu-${label.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
      throw new Error(`context menu action "${label}" could not be chosen (3 attempts)`);
    }
    await page.keyboard.press('Escape');
  }
}

/** Picks an item of the open quick pick by typing its text and pressing Enter (no click on a moving list). */
export async function pickQuickItem(page: Page, text: string, timeoutMs = 30000): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.quick-input-widget input').fill(text, { timeout: timeoutMs });
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/**
 * Runs a palette command that asks with a quick pick, and picks `item`. A quick pick closes when focus moves away
 * (a webview that finishes loading can take it, as the palette's own close animation can leave the new pick
 * inert): then, as a user would, run the command again (at most `attempts` times).
 */
export async function runCommandAndPick(page: Page, title: string, item: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      await pickQuickItem(page, item, 10000);
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * "Deploy Locally (Docker)" from the explorer's context menu on the workspace's deployment.yml, once the extension
 * is active (its tree shows the engine), so that its explorer menu entries can be relied on.
 */
export async function deployLocallyFromExplorer(page: Page): Promise<void> {
  await showContainer(page, 'AML Deploy Doctor');
  await page.locator('.monaco-list-row', { hasText: 'Local Docker' }).first().waitFor({ state: 'visible', timeout: 180000 });
  await page.keyboard.press('Control+Shift+E');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'deployment.yml' }).first();
  await row.waitFor({ state: 'visible', timeout: 60000 });
  await contextMenuAction(page, row, 'Deploy Locally (Docker)');
}

/**
 * The first frame (webview content) holding `selector`, polled until the deadline. Choose a selector only the
 * wanted page has: the log panel also has a `#status`, so the test-request page is found by `#latency`.
 */
export async function frameWith(vs: VsCodeSession, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of vs.page.frames()) if (await f.$(selector).catch(() => null)) return f;
    if (Date.now() > deadline) throw new Error(`no frame with ${selector} within ${timeoutMs} ms`);
    await vs.page.waitForTimeout(200); // polling frames for a condition, bounded by the deadline
  }
}
