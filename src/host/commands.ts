// Command registration with one error policy: log the failure, show it, ignore cancellation. And one
// Restricted Mode policy: a command that talks to Docker or Azure or runs code (restricted.ts) is refused
// with the reason and a way to trust the workspace, before its handler runs.
import * as vscode from 'vscode';
import type { HostLog } from './log';
import { commandNeedsTrust, restrictedMessage } from './restricted';

/** Tells the user why a command is off in Restricted Mode and offers the Workspace Trust editor. */
export function refuseUntrusted(id: string): void {
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window.showWarningMessage(vscode.l10n.t('AML Deploy Doctor: {0}', restrictedMessage(id)), manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
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
      const showLog = vscode.l10n.t('Show Log');
      const choice = await vscode.window.showErrorMessage(vscode.l10n.t('AML Deploy Doctor: {0}', (err as Error)?.message ?? String(err)), showLog);
      if (choice === showLog) log.show();
      return undefined;
    }
  });
}
