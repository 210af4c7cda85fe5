// Restricted Mode policy, in one place and free of `vscode` (unit-tested against package.json): which
// settings a workspace may not set while untrusted, and which commands run untrusted. In an untrusted
// workspace the extension analyses files and explains logs; it never talks to Docker or Azure and runs
// nothing.
import * as l10n from '../common/l10n';

/**
 * Settings whose workspace and folder values are ignored while the workspace is untrusted (listed in
 * package.json `capabilities.untrustedWorkspaces.restrictedConfigurations`), with what a hostile
 * `.vscode/settings.json` could do with each.
 */
export const RESTRICTED_SETTINGS: Readonly<Record<string, string>> = {
  'amlDoctor.entryScripts': 'a glob the language server compiles and matches against every opened file',
  'amlDoctor.docker.host': 'which Docker engine (on which machine) receives code, models and commands',
  'amlDoctor.localDeploy.baseImage': 'which image local deployments run',
  'amlDoctor.localDeploy.port': 'which host port a deployment publishes',
  'amlDoctor.localDeploy.memoryGb': 'the memory a deployment may take',
  'amlDoctor.localDeploy.readinessTimeoutSeconds': 'how long a deployment is waited for',
  'amlDoctor.localDeploy.reloadOnSave': 'copies code into a running container and restarts its worker on every save',
  'amlDoctor.localDeploy.debug': 'opens a debugpy port (remote code execution in the worker) and returns exception text to clients',
  'amlDoctor.localDeploy.imageMap': 'which image (from which registry) replaces the one a deployment names',
  'amlDoctor.localDeploy.pipIndexUrl': 'where image builds download Python packages from (code that runs in the build)',
  'amlDoctor.localDeploy.pipExtraIndexUrls': 'more package sources for image builds',
  'amlDoctor.localDeploy.pipTrustedHosts': 'package hosts whose TLS certificate is not checked',
  'amlDoctor.localDeploy.condaChannelAlias': 'where conda packages of image builds come from',
  'amlDoctor.localDeploy.httpProxy': 'a proxy that sees the traffic of image builds',
  'amlDoctor.localDeploy.httpsProxy': 'a proxy that sees the traffic of image builds',
  'amlDoctor.localDeploy.noProxy': 'which hosts image builds reach without the proxy',
  'amlDoctor.azure.credential': 'which credential runs (Azure CLI, the default chain and its processes)',
  'amlDoctor.azure.tenant': 'which tenant tokens are requested for',
  'amlDoctor.azure.resourceManagerEndpoint': 'where Azure tokens are sent',
  'amlDoctor.logs.maxLines': 'how much memory the log panel keeps',
  'amlDoctor.logs.maxMegabytes': 'how much memory the log panel keeps',
};

/** Settings a workspace may set even untrusted, and why that is harmless. */
export const UNRESTRICTED_SETTINGS: Readonly<Record<string, string>> = {
  'amlDoctor.azure.logTail': 'clamped to 10-10000 lines, and Azure is only contacted in a trusted workspace',
  'amlDoctor.azure.logPollSeconds': 'at least 2 s, and Azure is only contacted in a trusted workspace',
  'amlDoctor.doctor.burstRequests': 'clamped to 1-500 requests, sent only to the local container Run Doctor started, only when trusted',
  'amlDoctor.doctor.burstConcurrency': 'clamped to 1-32, and the capacity check runs only in a trusted workspace',
  'amlDoctor.doctor.keepContainer': 'only whether Run Doctor removes its own container afterwards (trusted workspaces only)',
};

/**
 * Commands that run in Restricted Mode: they read files or show what is already known. Every other
 * amlDoctor command talks to Docker or Azure, or runs code, and is refused until the workspace is trusted.
 */
export const UNTRUSTED_COMMANDS: ReadonlySet<string> = new Set([
  'amlDoctor.log.show',
  'amlDoctor.deployments.refresh',
  'amlDoctor.logs.openFile',
  'amlDoctor.logs.explainSelection',
  // The quick fix of a runtime finding: shows the log panel it came from again (Docker findings exist only when trusted).
  'amlDoctor.logs.showRuntimeLog',
  'amlDoctor.azure.calculateReplicas',
  'amlDoctor.azure.explainFailure',
  'amlDoctor.azure.stopFollowingLogs',
  // Untrusted it runs the static steps (entry script, environment file, model paths) and says so.
  'amlDoctor.doctor.run',
  'amlDoctor.walkthrough.open',
]);

export function commandNeedsTrust(id: string): boolean {
  return !UNTRUSTED_COMMANDS.has(id);
}

/** Why a command is refused in Restricted Mode, in the words of its area. */
export function restrictedMessage(id: string): string {
  const what = id.startsWith('amlDoctor.azure.')
    ? l10n.t('Azure features are off in Restricted Mode: signing in runs a credential and sends your token to Azure.')
    : id.startsWith('amlDoctor.debug.')
      ? l10n.t('Debugging is off in Restricted Mode: it runs code in a container and on this machine.')
      : l10n.t('Docker features are off in Restricted Mode: they talk to the Docker engine and run code from this folder in containers.');
  return l10n.t('{0} Trust this workspace to use them (score.py diagnostics and log explanations work without).', what);
}

export interface SettingInspection<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value of an amlDoctor setting in an untrusted workspace: a restricted setting ignores workspace and
 * folder values (user value, else default); any other keeps folder over workspace over user over default.
 * A value of the wrong type (a hand-edited settings.json) counts as unset. (Trusted, VS Code's own
 * resolution applies: see host/settings.ts.)
 */
export function untrustedSetting<T>(key: string, inspected: SettingInspection<T> | undefined, fallback: T): T {
  const layers = key in RESTRICTED_SETTINGS
    ? [inspected?.globalValue, inspected?.defaultValue]
    : [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue, inspected?.defaultValue];
  for (const v of layers) if (isOfType(v, fallback)) return v;
  return fallback;
}

/** A settings value of the fallback's type (settings.json is hand-edited: "22" for a port is not a port). */
export function isOfType<T>(value: unknown, fallback: T): value is T {
  return value !== undefined && value !== null && typeof value === typeof fallback;
}
