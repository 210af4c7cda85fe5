// Typed access to the amlDoctor.* settings.
import * as vscode from 'vscode';

export interface Settings {
  entryScripts: string;
  dockerHost: string;
  baseImage: string;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('amlDoctor');
  return {
    entryScripts: c.get<string>('entryScripts', '**/score*.py'),
    dockerHost: c.get<string>('docker.host', ''),
    baseImage: c.get<string>('localDeploy.baseImage', ''),
  };
}
