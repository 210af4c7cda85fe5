// Azure sign-in: a TokenCredential over VS Code's own Microsoft authentication session, or @azure/identity's
// Azure CLI / default chain (setting amlDoctor.azure.credential). Tokens are handed to the SDK pipeline only;
// they never reach a log (HostLog redacts everything anyway).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { DEFAULT_RESOURCE_MANAGER_ENDPOINT, normalizeEndpoint, scopeFor, type AzureModule } from '../azure/client';
import type { Logger } from '../common/logger';
import { setting } from './settings';

export type CredentialKind = 'vscode' | 'azureCli' | 'default';

export interface AzureSettings {
  credential: CredentialKind;
  resourceManagerEndpoint: string;
  tenant: string;
  logTail: number;
  logPollSeconds: number;
}

export function readAzureSettings(): AzureSettings {
  const kind = setting<string>('amlDoctor.azure.credential', 'vscode');
  return {
    credential: kind === 'azureCli' || kind === 'default' ? kind : 'vscode',
    resourceManagerEndpoint: setting('amlDoctor.azure.resourceManagerEndpoint', DEFAULT_RESOURCE_MANAGER_ENDPOINT) || DEFAULT_RESOURCE_MANAGER_ENDPOINT,
    tenant: setting('amlDoctor.azure.tenant', ''),
    logTail: Math.max(10, Math.min(10000, setting('amlDoctor.azure.logTail', 300))),
    logPollSeconds: Math.max(2, setting('amlDoctor.azure.logPollSeconds', 5)),
  };
}

let azureModule: AzureModule | undefined;
/** Loads dist/azure.js (the SDKs) once, on first use. */
export function loadAzureModule(): AzureModule {
  return (azureModule ??= require(path.join(__dirname, 'azure.js')) as AzureModule);
}

export class SignInRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

/** Public cloud sessions come from the 'microsoft' provider; other clouds from 'microsoft-sovereign-cloud'. */
export function authProviderFor(endpoint: string): 'microsoft' | 'microsoft-sovereign-cloud' {
  return new URL(normalizeEndpoint(endpoint)).host.toLowerCase() === 'management.azure.com' ? 'microsoft' : 'microsoft-sovereign-cloud';
}

function sessionScopes(endpoint: string, tenant: string): string[] {
  const scopes = [scopeFor(endpoint)];
  if (tenant) scopes.push(`VSCODE_TENANT:${tenant}`);
  return scopes;
}

/** A TokenCredential over vscode.authentication: silent unless created for an explicit sign-in. */
export class VsCodeSessionCredential implements TokenCredential {
  constructor(private readonly endpoint: string, private readonly tenant: string) {}

  async getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    // The SDK asks for `<endpoint>/.default`: the same scope this credential was made for.
    const session = await vscode.authentication.getSession(authProviderFor(this.endpoint), sessionScopes(this.endpoint, this.tenant), { silent: true });
    if (!session) throw new SignInRequiredError(vscode.l10n.t('Sign in to Azure with your Microsoft account (AML Deploy Doctor: Sign in to Azure).'));
    // VS Code refreshes the session itself; asking again every few minutes picks up the refreshed token.
    return { token: session.accessToken, expiresOnTimestamp: Date.now() + 5 * 60_000 };
  }
}

export type SignInState = { signedIn: true; account?: string } | { signedIn: false; reason: string };

/** Owns the credential for the current settings and the signed-in state the tree shows. */
export class AzureAuth implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SignInState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private current: SignInState = { signedIn: false, reason: vscode.l10n.t('Not signed in to Azure.') };
  private credential?: TokenCredential;

  constructor(private readonly log: Logger, private readonly memento: vscode.Memento) {
    this.disposables.push(
      vscode.authentication.onDidChangeSessions((e) => {
        if (e.provider.id.startsWith('microsoft') && readAzureSettings().credential === 'vscode') void this.check();
      }),
    );
  }

  get state(): SignInState {
    return this.current;
  }

  get settings(): AzureSettings {
    return readAzureSettings();
  }

  /** The credential for the current settings (throws SignInRequiredError when signed out). */
  getCredential(): TokenCredential {
    if (!this.current.signedIn || !this.credential) throw new SignInRequiredError(vscode.l10n.t('Not signed in to Azure: run "AML Deploy Doctor: Sign in to Azure".'));
    return this.credential;
  }

  private makeCredential(s: AzureSettings): TokenCredential {
    if (s.credential === 'vscode') return new VsCodeSessionCredential(s.resourceManagerEndpoint, s.tenant);
    return loadAzureModule().createIdentityCredential(s.credential, { tenantId: s.tenant });
  }

  private set(state: SignInState): void {
    const before = JSON.stringify(this.current);
    this.current = state;
    void vscode.commands.executeCommand('setContext', 'amlDoctor.azureSignedIn', state.signedIn);
    if (JSON.stringify(state) !== before) this.changed.fire(state);
  }

  /**
   * Re-evaluates the state without prompting. For VS Code sessions this is cheap (no SDK load). For the
   * CLI / default chain it runs the credential only if the user signed in that way before.
   */
  async check(): Promise<SignInState> {
    if (!vscode.workspace.isTrusted) {
      // Restricted Mode: no credential runs (the Azure CLI is a process) and no token is requested.
      this.set({ signedIn: false, reason: vscode.l10n.t('Azure is off in Restricted Mode.') });
      return this.current;
    }
    const s = readAzureSettings();
    try {
      normalizeEndpoint(s.resourceManagerEndpoint);
    } catch (err) {
      this.set({ signedIn: false, reason: (err as Error).message });
      return this.current;
    }
    if (s.credential === 'vscode') {
      // VS Code keeps the account signed in for other extensions; "Sign out" here only stops our use of it.
      if (this.memento.get<boolean>('amlDoctor.azure.signedOut.vscode')) {
        this.set({ signedIn: false, reason: vscode.l10n.t('Signed out.') });
        return this.current;
      }
      const session = await vscode.authentication.getSession(authProviderFor(s.resourceManagerEndpoint), sessionScopes(s.resourceManagerEndpoint, s.tenant), { silent: true }).then(
        (x) => x,
        (err: Error) => {
          this.log.warn(`azure: VS Code authentication failed: ${err.message}`);
          return undefined;
        },
      );
      this.credential = this.makeCredential(s);
      this.set(session ? { signedIn: true, account: session.account.label } : { signedIn: false, reason: vscode.l10n.t('Not signed in to Azure.') });
      return this.current;
    }
    if (!this.memento.get<boolean>(`amlDoctor.azure.signedIn.${s.credential}`)) {
      this.set({ signedIn: false, reason: vscode.l10n.t('Not signed in to Azure.') });
      return this.current;
    }
    return this.probe(s);
  }

  private async probe(s: AzureSettings): Promise<SignInState> {
    const credential = this.makeCredential(s);
    try {
      const token = await credential.getToken(scopeFor(s.resourceManagerEndpoint));
      if (!token) throw new Error(vscode.l10n.t('the credential returned no token'));
      this.credential = credential;
      await this.memento.update(`amlDoctor.azure.signedIn.${s.credential}`, true);
      this.set({ signedIn: true, account: s.credential === 'azureCli' ? 'Azure CLI' : vscode.l10n.t('default credential chain') });
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      this.log.info(`azure: ${s.credential} credential unavailable: ${msg}`);
      this.set({ signedIn: false, reason: msg });
    }
    return this.current;
  }

  /** Explicit sign-in: may show VS Code's account prompt, or run the Azure CLI credential. */
  async signIn(): Promise<SignInState> {
    const s = readAzureSettings();
    normalizeEndpoint(s.resourceManagerEndpoint); // clear message for a bad setting
    if (s.credential === 'vscode') {
      const session = await vscode.authentication.getSession(authProviderFor(s.resourceManagerEndpoint), sessionScopes(s.resourceManagerEndpoint, s.tenant), { createIfNone: true });
      await this.memento.update('amlDoctor.azure.signedOut.vscode', false);
      this.credential = this.makeCredential(s);
      this.set({ signedIn: true, account: session.account.label });
      return this.current;
    }
    const state = await this.probe(s);
    if (!state.signedIn && s.credential === 'azureCli') {
      const runLogin = vscode.l10n.t('Run az login in a Terminal');
      const useVsCode = vscode.l10n.t('Use VS Code Account');
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Azure CLI sign-in is not available: {0}', state.reason ?? ''), runLogin, useVsCode);
      if (choice === runLogin) {
        const terminal = vscode.window.createTerminal('az login');
        terminal.show();
        terminal.sendText('az login');
      } else if (choice === useVsCode) {
        await vscode.workspace.getConfiguration('amlDoctor.azure').update('credential', 'vscode', vscode.ConfigurationTarget.Global);
      }
    }
    return state;
  }

  async signOut(): Promise<void> {
    const s = readAzureSettings();
    if (s.credential === 'vscode') await this.memento.update('amlDoctor.azure.signedOut.vscode', true);
    else await this.memento.update(`amlDoctor.azure.signedIn.${s.credential}`, false);
    this.credential = undefined;
    this.set({ signedIn: false, reason: vscode.l10n.t('Signed out.') });
  }

  dispose(): void {
    this.changed.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
