// Custom protocol shared by the language client (host) and the language server: typed once.

/** Sent by the client as initializationOptions and on configuration change. */
export interface ServerSettings {
  /** Glob of entry scripts, relative to a workspace folder (amlDoctor.entryScripts). */
  entryScripts: string;
  /** Quiet time after the last edit before re-analysis (ms). Only benchmarks and tests change it. */
  debounceMs?: number;
  /** Scan the workspace folders for entry_script= / scoring_script: references (default true). */
  scanWorkspace?: boolean;
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = { entryScripts: '**/score*.py' };

/** Notification: client -> server, the settings changed. */
export const SettingsChangedNotification = 'amlDoctor/settingsChanged';

/** Source string on every diagnostic this server publishes. */
export const DIAGNOSTIC_SOURCE = 'AML Deploy Doctor';

/**
 * Node options the extension starts the server with (and `npm run bench:lsp` measures with): a 1 MB young
 * generation instead of up to 16 MB. The analysis allocates about 1 MB per keystroke on a 5,000-line file and
 * almost none of it survives; a small young generation keeps the server near 75 MB instead of 90 MB at the
 * cost of more (sub-millisecond) scavenges. Only long-standing Node/V8 options: an unknown one would stop
 * the server from starting.
 */
export const SERVER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=1'];
