// Shows the result of "Send test request" in a webview without scripts (see testRequestHtml.ts for the CSP).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TestRequestResult } from '../docker/testRequest';
import { renderTestRequestHtml } from './testRequestHtml';

export class TestRequestPanel {
  private static current: vscode.WebviewPanel | undefined;

  static show(result: TestRequestResult, title: string, requestBody: string): vscode.WebviewPanel {
    let panel = TestRequestPanel.current;
    if (!panel) {
      panel = vscode.window.createWebviewPanel('amlDoctor.testRequest', title, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
      panel.onDidDispose(() => (TestRequestPanel.current = undefined));
      TestRequestPanel.current = panel;
    }
    panel.title = title;
    panel.webview.html = renderTestRequestHtml(result, title, requestBody, panel.webview.cspSource, randomBytes(16).toString('base64'));
    panel.reveal(vscode.ViewColumn.Active);
    return panel;
  }
}
