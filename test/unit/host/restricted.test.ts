// Restricted Mode as package.json declares it and as the code applies it: which settings an untrusted
// workspace may not set, which commands and menus need trust, and what the Deployments view says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandNeedsTrust, isOfType, restrictedMessage, RESTRICTED_SETTINGS, UNRESTRICTED_SETTINGS, UNTRUSTED_COMMANDS, untrustedSetting } from '../../../src/host/restricted';
import { localizedManifest } from '../../helpers/manifest';

// The texts as VS Code shows them in English (package.json's %keys% resolved from package.nls.json).
const pkg = localizedManifest();
const untrusted = pkg.capabilities.untrustedWorkspaces;
const settings = Object.keys(pkg.contributes.configuration.properties as Record<string, unknown>);
const commands = (pkg.contributes.commands as { command: string }[]).map((c) => c.command);
const menus = pkg.contributes.menus as Record<string, { command: string; when?: string }[]>;

/** True when a `when` clause can only hold in a trusted workspace: isWorkspaceTrusted is one of its top-level conjuncts. */
function requiresTrust(when: string | undefined): boolean {
  if (!when) return false;
  if (when.trim() === 'false') return true;
  if (when.includes('||')) return false; // an alternative could hold without trust
  return when.split('&&').some((part) => part.trim() === 'isWorkspaceTrusted');
}

describe('Restricted Mode declarations (unit, over package.json)', () => {
  it('is "limited" and says precisely what works untrusted', () => {
    assert.equal(untrusted.supported, 'limited');
    assert.match(untrusted.description, /Problems panel/);
    assert.match(untrusted.description, /log/);
    assert.match(untrusted.description, /does not contact Docker or Azure and runs no code/);
  });

  it('lists every security-relevant setting in restrictedConfigurations, and the code restricts the same ones', () => {
    const listed = new Set<string>(untrusted.restrictedConfigurations);
    for (const key of ['amlDoctor.entryScripts', 'amlDoctor.docker.host', 'amlDoctor.azure.credential', 'amlDoctor.azure.tenant', 'amlDoctor.azure.resourceManagerEndpoint', 'amlDoctor.logs.maxLines']) {
      assert.ok(listed.has(key), `${key} must be restricted`);
    }
    for (const key of settings.filter((k) => k.startsWith('amlDoctor.localDeploy.'))) assert.ok(listed.has(key), `${key} (debug, port, memory, image...) must be restricted`);
    assert.deepEqual([...listed].sort(), Object.keys(RESTRICTED_SETTINGS).sort());
    for (const key of listed) assert.ok(settings.includes(key), `${key} is not a contributed setting`);
  });

  it('classifies every contributed setting: a new setting must be declared restricted or harmless untrusted', () => {
    for (const key of settings) {
      const restricted = key in RESTRICTED_SETTINGS;
      const harmless = key in UNRESTRICTED_SETTINGS;
      assert.ok(restricted !== harmless, `${key}: ${restricted ? 'listed twice' : 'not classified in src/host/restricted.ts'}`);
    }
  });

  it('every command that talks to Docker or Azure or runs code has isWorkspaceTrusted in every menu and in the palette', () => {
    for (const id of UNTRUSTED_COMMANDS) assert.ok(commands.includes(id), `${id} is not a contributed command`);
    const gated = commands.filter(commandNeedsTrust);
    for (const prefix of ['amlDoctor.docker.', 'amlDoctor.localDeploy.', 'amlDoctor.debug.', 'amlDoctor.azure.signIn', 'amlDoctor.azure.showLogs', 'amlDoctor.azure.followLogs', 'amlDoctor.azure.refresh']) {
      const ids = commands.filter((c) => c.startsWith(prefix));
      assert.ok(ids.length > 0, prefix);
      for (const id of ids) assert.ok(gated.includes(id), `${id} must need trust`);
    }
    for (const [menu, entries] of Object.entries(menus)) {
      for (const e of entries) {
        if (commandNeedsTrust(e.command)) assert.ok(requiresTrust(e.when), `${menu}: ${e.command} shows without trust (when: ${e.when ?? 'always'})`);
      }
    }
    for (const id of gated) {
      const entry = menus.commandPalette!.find((e) => e.command === id);
      assert.ok(entry && requiresTrust(entry.when), `${id} is in the Command Palette of an untrusted workspace`);
    }
  });

  it('the Deployments view explains Restricted Mode with a way to trust the workspace, and its other welcome texts need trust', () => {
    const welcome = pkg.contributes.viewsWelcome as { view: string; when?: string; contents: string }[];
    const restricted = welcome.filter((w) => w.when === '!isWorkspaceTrusted');
    assert.equal(restricted.length, 1);
    assert.match(restricted[0]!.contents, /Restricted Mode/);
    assert.match(restricted[0]!.contents, /\(command:workbench\.trust\.manage\)/);
    assert.match(restricted[0]!.contents, /Problems panel/);
    for (const w of welcome.filter((x) => x !== restricted[0])) assert.ok(requiresTrust(w.when), `welcome "${w.contents.slice(0, 40)}..." shows untrusted`);
  });

  it('a refused command says why and how to trust, in the words of its area', () => {
    assert.match(restrictedMessage('amlDoctor.docker.restart'), /Docker features are off in Restricted Mode.*Trust this workspace/);
    assert.match(restrictedMessage('amlDoctor.localDeploy.reload'), /Docker/);
    assert.match(restrictedMessage('amlDoctor.azure.signIn'), /Azure features are off/);
    assert.match(restrictedMessage('amlDoctor.debug.attach'), /Debugging is off/);
    assert.equal(commandNeedsTrust('amlDoctor.some.newCommand'), true, 'a new command needs trust unless it is listed as safe');
  });
});

describe('settings reader (unit)', () => {
  it('untrusted: a restricted setting ignores the workspace and folder values (user value, else default)', () => {
    assert.equal(untrustedSetting('amlDoctor.localDeploy.debug', { defaultValue: false, workspaceValue: true }, false), false);
    assert.equal(untrustedSetting('amlDoctor.localDeploy.debug', { defaultValue: false, globalValue: true, workspaceValue: false }, false), true, 'the user\'s own value applies');
    assert.equal(untrustedSetting('amlDoctor.localDeploy.port', { defaultValue: 0, globalValue: 8080, workspaceValue: 22, workspaceFolderValue: 23 }, 0), 8080);
    assert.equal(untrustedSetting('amlDoctor.localDeploy.memoryGb', { defaultValue: 0, workspaceValue: 0.001 }, 0), 0);
    assert.equal(untrustedSetting('amlDoctor.azure.credential', { defaultValue: 'vscode', workspaceValue: 'default' }, 'vscode'), 'vscode');
    assert.equal(untrustedSetting('amlDoctor.azure.tenant', { defaultValue: '', workspaceValue: 'attacker-tenant' }, ''), '');
    assert.equal(untrustedSetting('amlDoctor.entryScripts', { defaultValue: '**/score*.py', workspaceValue: '{a,b}'.repeat(1000) }, '**/score*.py'), '**/score*.py');
  });

  it('untrusted: an unrestricted setting keeps folder over workspace over user over default', () => {
    assert.equal(untrustedSetting('amlDoctor.azure.logTail', { defaultValue: 300, globalValue: 100, workspaceValue: 50 }, 300), 50);
    assert.equal(untrustedSetting('amlDoctor.azure.logTail', { defaultValue: 300, globalValue: 100, workspaceValue: 50, workspaceFolderValue: 20 }, 300), 20);
  });

  it('a value of the wrong type counts as unset, and nothing set gives the fallback', () => {
    assert.equal(untrustedSetting<number>('amlDoctor.localDeploy.port', { defaultValue: 0, globalValue: '22' as unknown as number }, 0), 0);
    assert.equal(untrustedSetting<number>('amlDoctor.logs.maxLines', undefined, 50_000), 50_000);
    assert.equal(isOfType('22', 0), false);
    assert.equal(isOfType(null, ''), false);
    assert.equal(isOfType(false, true), true);
  });
});
