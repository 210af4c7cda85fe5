// One LogOutputChannel for the extension's own log, behind the core's Logger interface.
import * as vscode from 'vscode';
import { redactSecrets, type Logger } from '../common/logger';

export class HostLog implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  constructor(name = 'AML Deploy Doctor') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }
  trace(m: string): void { this.channel.trace(redactSecrets(m)); }
  debug(m: string): void { this.channel.debug(redactSecrets(m)); }
  info(m: string): void { this.channel.info(redactSecrets(m)); }
  warn(m: string): void { this.channel.warn(redactSecrets(m)); }
  error(m: string | Error): void {
    this.channel.error(redactSecrets(m instanceof Error ? m.stack ?? m.message : m));
  }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
