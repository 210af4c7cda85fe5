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
