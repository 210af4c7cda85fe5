// The "Fix a failing Azure ML deployment" walkthrough. Its steps, images and completion events are
// package.json contributions (contributes.walkthroughs); here it is only opened: once, on the first activation
// after install (VS Code opens walkthroughs itself only for extensions installed while it runs), and from the
// "Open Walkthrough" command.
import * as vscode from 'vscode';
import { registerCommand } from './commands';
import type { ExtensionServices } from './services';

export const WALKTHROUGH_ID = 'fixFailingDeployment';
/** Set on the first activation; synced, so a second machine of the same user does not open it again. */
export const WALKTHROUGH_SHOWN_KEY = 'amlDoctor.walkthrough.shown';

export function registerWalkthrough({ context, log }: ExtensionServices): void {
  const open = () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
  context.subscriptions.push(registerCommand(log, 'amlDoctor.walkthrough.open', open));
  context.globalState.setKeysForSync([WALKTHROUGH_SHOWN_KEY]);
  if (context.globalState.get<boolean>(WALKTHROUGH_SHOWN_KEY)) {
    log.info('walkthrough: already shown once, not opened');
    return;
  }
  // Recorded before opening: whatever happens next (closed at once, failed to open), it is offered once only.
  void context.globalState.update(WALKTHROUGH_SHOWN_KEY, true);
  // The user's "open walkthroughs on install" choice applies to ours too (machine-scoped: in a remote window,
  // the remote machine's settings hold the value this extension host sees).
  if (!vscode.workspace.getConfiguration('workbench.welcomePage.walkthroughs').get<boolean>('openOnInstall', true)) {
    log.info('walkthrough: not opened (workbench.welcomePage.walkthroughs.openOnInstall is off)');
    return;
  }
  open().then(
    () => log.info('walkthrough: opened on first activation'),
    (err: Error) => log.warn(`walkthrough: could not open: ${err.message}`),
  );
}
