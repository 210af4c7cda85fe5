// Typed, trust-aware access to the amlDoctor.* settings: every read goes through setting(), so a
// restricted setting's workspace value is ignored while the workspace is untrusted (see restricted.ts).
import * as vscode from 'vscode';
import { isOfType, untrustedSetting } from './restricted';

/** One setting by its full name ('amlDoctor.localDeploy.port'), read now (trust can be granted at any time). */
export function setting<T>(key: string, fallback: T): T {
  const c = vscode.workspace.getConfiguration();
  if (vscode.workspace.isTrusted) {
    // VS Code's own resolution, which already keeps machine- and application-scoped settings out of workspaces.
    const value = c.get<T>(key);
    return isOfType(value, fallback) ? value : fallback;
  }
  return untrustedSetting(key, c.inspect<T>(key), fallback);
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
