// Command registration with one error policy: log the failure, show it, ignore cancellation.
import * as vscode from 'vscode';
import type { HostLog } from './log';

export function registerCommand(
  log: HostLog,
  id: string,
  handler: (...args: any[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
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
