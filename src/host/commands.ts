// Command registration with one error policy: log the failure, show it, ignore cancellation. And one
// Restricted Mode policy: a command that talks to Docker or Azure or runs code (restricted.ts) is refused
// with the reason and a way to trust the workspace, before its handler runs.
import * as vscode from 'vscode';
import type { HostLog } from './log';
import { commandNeedsTrust, restrictedMessage } from './restricted';

/** Tells the user why a command is off in Restricted Mode and offers the Workspace Trust editor. */
export function refuseUntrusted(id: string): void {
  void vscode.window.showWarningMessage(`AML Deploy Doctor: ${restrictedMessage(id)}`, 'Manage Workspace Trust').then((choice) => {
    if (choice === 'Manage Workspace Trust') void vscode.commands.executeCommand('workbench.trust.manage');
  });
}

export function registerCommand(
  log: HostLog,
  id: string,
  handler: (...args: any[]) => unknown,
): vscode.Disposable {
  const needsTrust = commandNeedsTrust(id);
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    if (needsTrust && !vscode.workspace.isTrusted) {
      log.info(`${id} refused: the workspace is not trusted (Restricted Mode)`);
      refuseUntrusted(id);
      return undefined;
    }
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof vscode.CancellationError) return undefined;
      log.error(err instanceof Error ? err : String(err));
      const choice = await vscode.window.showErrorMessage(`AML Deploy Doctor: ${(err as Error)?.message ?? err}`, 'Show Log');
      if (choice === 'Show Log') log.show();
      return undefined;
    }
  });
}
