// Typed, trust-aware access to the amlDoctor.* settings: every read goes through setting(), so a
// restricted setting's workspace value is ignored while the workspace is untrusted (see restricted.ts).
import * as vscode from 'vscode';
import { effectiveSetting } from './restricted';

/** One setting by its full name ('amlDoctor.localDeploy.port'), read now (trust can be granted at any time). */
export function setting<T>(key: string, fallback: T): T {
  return effectiveSetting(key, vscode.workspace.getConfiguration().inspect<T>(key), vscode.workspace.isTrusted, fallback);
}

export interface Settings {
  entryScripts: string;
  dockerHost: string;
  baseImage: string;
}

export function readSettings(): Settings {
  return {
    entryScripts: setting('amlDoctor.entryScripts', '**/score*.py'),
    dockerHost: setting('amlDoctor.docker.host', ''),
    baseImage: setting('amlDoctor.localDeploy.baseImage', ''),
  };
}
