// Local Docker features: the tree section, its welcome state and its commands.
import * as vscode from 'vscode';
import { DockerodeClient } from '../docker/client';
import { registerCommand } from '../host/commands';
import { readSettings } from '../host/settings';
import type { ExtensionServices } from '../host/services';
import { DockerSection } from './dockerSection';

export function registerDockerFeatures(services: ExtensionServices): void {
  const { context, log, tree, view } = services;
  const section = new DockerSection(new DockerodeClient({ host: readSettings().dockerHost }), log);
  tree.addSection(section);
  context.subscriptions.push(
    section,
    section.onDidChangeDockerState((s) => {
      void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerState', s.state);
      view.message = s.state === 'unreachable' ? s.reason : undefined;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.docker.host')) section.setDockerClient(new DockerodeClient({ host: readSettings().dockerHost }));
    }),
    registerCommand(log, 'amlDoctor.deployments.refresh', () => tree.refresh()),
  );
}
