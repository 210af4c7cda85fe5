// The "aml-container" debug adapter: a DAP proxy built on @vscode/debugadapter's ProtocolServer.
// On attach it resolves the container, starts debugpy's own adapter *inside* the container over
// `docker exec -i` (stdio, no published port), and from then on relays messages both ways.
// debugpy applies the path mappings itself; the proxy adds what the user should not have to write:
// the process, the connect/pid mode, pathMappings, and clear errors.
// Everything from the container is untrusted (see relay.ts): reverse requests are refused here, events
// are filtered, and nothing from the container reaches VS Code once the session has ended.
import { randomUUID } from 'node:crypto';
import { ProtocolServer } from '@vscode/debugadapter/lib/protocol';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as l10n from '../common/l10n';
import type { Logger } from '../common/logger';
import type { DockerClient, InteractiveExec } from '../docker/client';
import { DapReader, encodeDapMessage, type DapDrop } from './framing';
import { endSessionCommand, SESSION_ENV } from './probe';
import { forLog, sanitizeCapabilities, sanitizeEvent } from './relay';
import { AttachError, debugpyFix, resolveDebugTarget, type AttachRequestArgs, type DebugTarget } from './target';

export interface ContainerDebugAdapterOptions {
  docker: DockerClient;
  log: Logger;
  workspaceFolders: string[];
  /** How long debugpy's adapter may take to answer (it starts a Python process in the container). */
  connectTimeoutMs?: number;
  /** Bound of the clean-up after a session: letting an injection that already started finish, detaching, ending debugpy. */
  releaseTimeoutMs?: number;
  /** Cap of one DAP message from the container (framing.ts's default when unset). */
  maxMessageBytes?: number;
}

// What debugpy's adapter announces; the real set arrives in a `capabilities` event once it runs. A function:
// the filter labels are translated with the bundle activation chose (after this module loaded).
const provisionalCapabilities = (): DebugProtocol.Capabilities => ({
  supportsConfigurationDoneRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsSetVariable: true,
  supportsLogPoints: true,
  supportsExceptionInfoRequest: true,
  supportsTerminateRequest: true,
  exceptionBreakpointFilters: [
    { filter: 'raised', label: l10n.t('Raised Exceptions'), default: false },
    { filter: 'uncaught', label: l10n.t('Uncaught Exceptions'), default: true },
    { filter: 'userUnhandled', label: l10n.t('User Uncaught Exceptions'), default: false },
  ],
});

/**
 * idle -> connecting (probe, exec, debugpy's initialize: ours, cancellable at each step) -> attaching (the
 * attach is forwarded: debugpy connects or injects itself into the worker) -> connected -> ended.
 */
type State = 'idle' | 'connecting' | 'attaching' | 'connected' | 'ended';

class Cancelled extends Error {}

/** Rejects with Cancelled as soon as the signal aborts (the operation itself goes on; its owner cleans it up). */
function unlessCancelled<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Reverse requests refused per session before the log stops naming each one. */
const LOG_BUDGET = 20;

export class ContainerDebugAdapter extends ProtocolServer {
  private state: State = 'idle';
  private initializeArgs: DebugProtocol.InitializeRequestArguments = { adapterID: 'aml-container' };
  private upstream?: InteractiveExec;
  /** The exec of debugpy's adapter while it starts: a cancelled attach still closes what it returns. */
  private upstreamStarting?: Promise<InteractiveExec | undefined>;
  private upstreamExited = false;
  private upstreamSeq = 1;
  /** upstream request seq -> the client's request (for the responses coming back). */
  private readonly pendingToClient = new Map<number, DebugProtocol.Request>();
  private readonly internal = new Map<number, (r: DebugProtocol.Response) => void>();
  private readonly queued: DebugProtocol.Request[] = [];
  /** The client's attach while we resolve the target (not yet forwarded). */
  private attachRequest?: DebugProtocol.AttachRequest;
  /** Our seq of the attach forwarded to debugpy, and what became of it. */
  private attachSeq?: number;
  private attachAnswered?: boolean;
  private readonly attachSettled = latch();
  private readonly initialized = latch();
  private readonly exited = latch();
  private configurationDoneSent = false;
  private disconnectSent = false;
  private target?: DebugTarget;
  private upstreamStderr = '';
  private terminatedSent = false;
  /** Aborted when the session ends: the attach stops at its next step, the container watch stops. */
  private readonly cancel = new AbortController();
  /** Marks debugpy's adapter and every process it starts in the container (see endSessionCommand). */
  private readonly session = randomUUID();
  private released?: Promise<void>;
  private logBudget = LOG_BUDGET;
  private containerDied: () => void = () => undefined;
  private readonly died = new Promise<void>((resolve) => (this.containerDied = resolve));

  constructor(private readonly options: ContainerDebugAdapterOptions) {
    super();
  }

  override handleMessage(msg: DebugProtocol.ProtocolMessage): void {
    if (msg.type !== 'request') {
      super.handleMessage(msg); // responses to our own requests (none are sent today)
      return;
    }
    const request = msg as DebugProtocol.Request;
    if (this.state === 'ended') {
      // VS Code still sends disconnect after `terminated`: answer it, nothing else crosses any more.
      if (request.command === 'disconnect' || request.command === 'terminate') this.respond(request);
      else this.fail(request, l10n.t('The debug session has ended.'));
      return;
    }
    if (request.command === 'disconnect' || request.command === 'terminate') {
      if (this.state === 'connected') {
        this.forwardDisconnect(request);
      } else {
        // Stop the attach wherever it is; release() lets an injection in flight finish and detaches.
        this.respond(request);
        this.end(l10n.t('The attach was cancelled.'));
      }
      return;
    }
    if (this.state === 'connected' || this.state === 'attaching') {
      this.forward(request);
      return;
    }
    switch (request.command) {
      case 'initialize':
        this.initializeArgs = request.arguments ?? this.initializeArgs;
        this.respond(request, provisionalCapabilities());
        return;
      case 'attach':
        if (this.state !== 'idle') this.fail(request, l10n.t('An attach is already in progress.'));
        else void this.attach(request as DebugProtocol.AttachRequest);
        return;
      case 'launch':
        this.fail(request, l10n.t('The aml-container debugger attaches to a running scoring container; use "request": "attach".'));
        return;
      default:
        if (this.state === 'connecting') this.queued.push(request);
        else this.fail(request, l10n.t('"{0}" before attach', request.command));
    }
  }

  private async attach(request: DebugProtocol.AttachRequest): Promise<void> {
    const { docker, log } = this.options;
    const args = request.arguments as DebugProtocol.AttachRequestArguments & AttachRequestArgs;
    const cancelled = this.cancel.signal;
    this.state = 'connecting';
    this.attachRequest = request;
    try {
      if (!args.container) throw new AttachError(l10n.t('The debug configuration names no container.'), l10n.t('Set "container" to the name or id of a running scoring container.'));
      const started = Date.now();
      const target = await unlessCancelled(resolveDebugTarget(docker, args, this.options.workspaceFolders, log), cancelled);
      this.target = target;
      for (const note of target.notes) this.output(`${note}\n`);
      for (const note of target.notes) log.info(`debug: ${target.containerName}: ${note}`);
      this.upstreamStarting = docker.execInteractive(target.containerId, [target.python, '-m', 'debugpy.adapter'], { env: { [SESSION_ENV]: this.session } }).then(
        (upstream) => this.wireUpstream(upstream),
        (err: unknown) => {
          if (cancelled.aborted) return undefined;
          throw err;
        },
      );
      await unlessCancelled(this.upstreamStarting, cancelled);
      const adapterExit = this.exited.promise.then(() => ({ exited: true as const }));
      const initializeArgs = { ...this.initializeArgs, adapterID: 'debugpy', supportsRunInTerminalRequest: false, supportsStartDebuggingRequest: false, supportsArgsCanBeInterpretedByShell: false };
      const answer = await unlessCancelled(Promise.race([this.requestUpstream('initialize', initializeArgs, this.options.connectTimeoutMs ?? 15000), adapterExit]), cancelled);
      if ('exited' in answer) {
        const code = await this.upstream?.exited;
        if (/No module named .?debugpy/.test(this.upstreamStderr)) {
          throw new AttachError(l10n.t('debugpy is not installed for {0} in {1}, so a debugger cannot attach.', target.python, target.containerName), debugpyFix());
        }
        throw new AttachError(l10n.t('debugpy\'s adapter could not start in {0} (exit code {1}).', target.containerName, code ?? '?') + this.stderrTail());
      }
      if (!answer.success) throw new AttachError(l10n.t('debugpy refused initialize: {0}', forLog(answer.message, 300)));
      this.sendEvent({ type: 'event', event: 'capabilities', seq: 0, body: { capabilities: sanitizeCapabilities(answer.body) } } as DebugProtocol.CapabilitiesEvent);
      const debugpyArgs: Record<string, unknown> = {
        name: (args as { name?: string }).name,
        type: 'python',
        request: 'attach',
        justMyCode: args.justMyCode ?? true,
        pathMappings: target.pathMappings,
        redirectOutput: true,
        subProcess: false,
        ...(target.mode.kind === 'connect' ? { connect: { host: '127.0.0.1', port: target.mode.port } } : { processId: target.mode.processId }),
      };
      log.info(`debug: attaching to ${target.containerName} (${target.mode.kind === 'connect' ? `connect :${target.mode.port}` : `pid ${target.mode.processId}`}) after ${Date.now() - started} ms`);
      this.state = 'attaching';
      this.attachRequest = undefined;
      this.watchContainer(target.containerId);
      this.attachSeq = this.forward({ ...request, arguments: debugpyArgs as DebugProtocol.AttachRequestArguments });
      for (const q of this.queued.splice(0)) this.forward(q);
    } catch (err) {
      if (err instanceof Cancelled || cancelled.aborted) return; // the disconnect answered the attach and ended the session
      const e = err as AttachError;
      const text = e.fix ? `${e.message}\n${e.fix}` : e.message;
      log.warn(`debug: attach to ${args.container} failed: ${text}`);
      this.end(text);
    }
  }

  private wireUpstream(upstream: InteractiveExec): InteractiveExec {
    this.upstream = upstream;
    const reader = new DapReader({ maxMessageBytes: this.options.maxMessageBytes, onDrop: (d) => this.dropped(d) });
    upstream.stdout.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) this.fromUpstream(m as Record<string, unknown>);
    });
    upstream.stderr.on('data', (chunk: Buffer) => {
      this.upstreamStderr = (this.upstreamStderr + chunk.toString()).slice(-4000);
    });
    void upstream.exited.then((code) => {
      this.upstreamExited = true;
      this.exited.resolve();
      void this.upstreamEnded(code);
    });
    return upstream;
  }

  /** Ends the session when the container dies or is removed (the exec stream alone may not say so). */
  private watchContainer(id: string): void {
    void (async () => {
      try {
        for await (const e of this.options.docker.events(this.cancel.signal)) {
          if (e.id === id && ['die', 'destroy', 'oom'].includes(e.action)) {
            this.containerDied();
            await this.upstreamEnded(undefined);
            return;
          }
        }
      } catch (err) {
        if (!this.cancel.signal.aborted) this.options.log.debug(`debug: container event stream ended: ${(err as Error).message}`);
      }
    })();
  }

  /** Relays a client request to debugpy; returns the seq it got upstream. */
  private forward(request: DebugProtocol.Request): number {
    const seq = this.upstreamSeq++;
    this.pendingToClient.set(seq, request);
    if (request.command === 'configurationDone') this.configurationDoneSent = true;
    this.sendUpstream({ ...request, seq });
    return seq;
  }

  /** A connected session's disconnect: debugpy detaches from the worker, then the session ends. */
  private forwardDisconnect(request: DebugProtocol.Request): void {
    this.disconnectSent = true;
    const seq = this.upstreamSeq++;
    const timer = setTimeout(() => {
      this.internal.delete(seq);
      this.respond(request);
      this.end(l10n.t('The session ended.'));
    }, 5000);
    this.internal.set(seq, () => {
      clearTimeout(timer);
      this.respond(request);
      this.end(l10n.t('The session ended.'));
    });
    this.sendUpstream({ ...request, seq });
  }

  private requestUpstream(command: string, args: unknown, timeoutMs: number): Promise<DebugProtocol.Response> {
    return new Promise((resolve, reject) => {
      const seq = this.upstreamSeq++;
      const timer = setTimeout(() => {
        this.internal.delete(seq);
        reject(new AttachError(l10n.t('debugpy\'s adapter in the container did not answer {0} within {1} s.', command, timeoutMs / 1000) + this.stderrTail(), l10n.t('Check that the container is healthy and that debugpy imports with the worker\'s Python.')));
      }, timeoutMs);
      const stop = () => {
        clearTimeout(timer);
        this.internal.delete(seq);
        reject(new Cancelled());
      };
      this.cancel.signal.addEventListener('abort', stop, { once: true });
      this.internal.set(seq, (r) => {
        clearTimeout(timer);
        this.cancel.signal.removeEventListener('abort', stop);
        resolve(r);
      });
      this.sendUpstream({ seq, type: 'request', command, arguments: args });
    });
  }

  private fromUpstream(msg: Record<string, unknown>): void {
    if (msg.type === 'response') {
      const r = msg as unknown as DebugProtocol.Response;
      if (typeof r.request_seq !== 'number') return;
      const internal = this.internal.get(r.request_seq);
      if (internal) {
        this.internal.delete(r.request_seq);
        internal(r);
        return;
      }
      if (r.request_seq === this.attachSeq && this.attachAnswered === undefined) {
        this.attachAnswered = r.success === true;
        this.attachSettled.resolve();
      }
      const request = this.pendingToClient.get(r.request_seq);
      this.pendingToClient.delete(r.request_seq);
      if (!request || this.state === 'ended') return;
      const success = r.success === true;
      let message = typeof r.message === 'string' ? r.message : undefined;
      if (request.command === 'attach') {
        if (!success) message = explainAttachFailure(message ?? l10n.t('Attach failed'), this.stderrTail());
        else if (this.state === 'attaching') this.state = 'connected';
      }
      // Only the answer itself crosses: the client's seq and command, success, message, body.
      this.sendResponse({ type: 'response', seq: 0, request_seq: request.seq, command: request.command, success, message, body: r.body } as DebugProtocol.Response);
      if (request.command === 'attach' && !success) this.end(message ?? l10n.t('Attach failed'));
    } else if (msg.type === 'event') {
      if (msg.event === 'initialized') this.initialized.resolve();
      if (this.state === 'ended') return;
      if (msg.event === 'terminated') {
        this.end(l10n.t('debugpy ended the session.'));
        return;
      }
      const event = sanitizeEvent(msg);
      if (event) this.sendEvent(event);
    } else if (msg.type === 'request') {
      // Reverse requests (runInTerminal, startDebugging...) would act on this machine: never relayed.
      const command = typeof msg.command === 'string' ? msg.command : '';
      if (typeof msg.seq === 'number') {
        this.sendUpstream({ type: 'response', seq: this.upstreamSeq++, request_seq: msg.seq, command, success: false, message: l10n.t('"{0}" is not allowed from a container', command) });
      }
      this.note(`debug: refused the reverse request "${forLog(command)}" from the container (requests from inside a container are never relayed)`);
    }
  }

  private dropped(d: DapDrop): void {
    this.note(`debug: dropped ${d.bytes} bytes from debugpy's adapter in the container (${d.kind})`);
  }

  /** A warning about what the container sent, at most LOG_BUDGET per session (a container can send floods). */
  private note(text: string): void {
    if (this.logBudget <= 0) return;
    this.logBudget--;
    this.options.log.warn(this.logBudget === 0 ? `${text}; further ones are not logged` : text);
  }

  private sendUpstream(message: object): void {
    if (!this.upstreamExited) this.upstream?.write(encodeDapMessage(message));
  }

  private async upstreamEnded(code: number | undefined): Promise<void> {
    if ((this.state !== 'connected' && this.state !== 'attaching') || this.explaining) return; // before attach is forwarded, attach() reports the failure
    this.explaining = true;
    let why = code !== undefined ? l10n.t('debugpy\'s adapter in the container exited (exit code {0}).', code) : l10n.t('debugpy\'s adapter in the container exited.');
    if (this.target) {
      // The adapter's stream can end a moment before the engine records the container's death: give
      // the die event a short while so the explanation names the real cause.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.died, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      try {
        const d = await this.options.docker.inspectContainer(this.target.containerId);
        if (!d.state.running) why = l10n.t('The container {0} stopped ({1}), so the debug session ended.', this.target.containerName, d.state.oomKilled ? l10n.t('killed: out of memory') : l10n.t('exit code {0}', d.state.exitCode));
      } catch {
        why = l10n.t('The container {0} was removed, so the debug session ended.', this.target.containerName);
      }
    }
    if ((this.state as State) === 'ended') return;
    this.options.log.warn(`debug: ${why}`);
    this.output(`${why}\n`, 'important');
    this.end(why);
  }

  private explaining = false;

  private stderrTail(): string {
    const t = this.upstreamStderr.trim();
    return t ? `\n${l10n.t('debugpy said: {0}', t.split('\n').slice(-5).join('\n'))}` : '';
  }

  private output(text: string, category: 'console' | 'important' = 'console'): void {
    this.sendEvent({ type: 'event', event: 'output', seq: 0, body: { category, output: text } } as DebugProtocol.OutputEvent);
  }

  private respond(request: DebugProtocol.Request, body?: unknown): void {
    this.sendResponse({ type: 'response', seq: 0, request_seq: request.seq, command: request.command, success: true, body } as DebugProtocol.Response);
  }

  private fail(request: DebugProtocol.Request, message: string): void {
    this.sendResponse({
      type: 'response',
      seq: 0,
      request_seq: request.seq,
      command: request.command,
      success: false,
      message,
      body: { error: { id: 1, format: message.replace(/[{}]/g, ''), showUser: true } },
    } as DebugProtocol.ErrorResponse);
  }

  /** Nothing is sent after `terminated`: the session is over for VS Code. */
  override sendEvent(event: DebugProtocol.Event): void {
    if (this.terminatedSent) return;
    if (event.event === 'terminated') this.terminatedSent = true;
    super.sendEvent(event);
  }

  /**
   * Ends the session: every request the client still waits for is answered (with `why`), then `terminated`;
   * from here on nothing from the container reaches the client, and release() cleans up the container.
   */
  private end(why: string): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.cancel.abort();
    if (this.attachRequest) this.fail(this.attachRequest, why);
    this.attachRequest = undefined;
    for (const request of this.pendingToClient.values()) this.fail(request, why);
    this.pendingToClient.clear();
    for (const q of this.queued.splice(0)) this.fail(q, why);
    this.sendEvent({ type: 'event', event: 'terminated', seq: 0 } as DebugProtocol.TerminatedEvent);
    this.released = this.release().catch((err: unknown) => this.options.log.debug(`debug: clean-up: ${(err as Error).message}`));
  }

  /**
   * Leaves the container as it was: no debugpy adapter, injector or gdb left running, the worker not
   * blocked. An injection in flight is let finish (interrupting gdb inside the worker leaves the worker
   * blocked or kills it), configured and detached; then the exec is closed and the session's processes
   * ended. Bounded by releaseTimeoutMs.
   */
  private async release(): Promise<void> {
    const upstream = await this.upstreamStarting?.catch(() => undefined);
    if (!upstream || !this.target) return;
    const deadline = Date.now() + (this.options.releaseTimeoutMs ?? 30000);
    const until = (p: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([p, this.exited.promise, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]).finally(() => clearTimeout(timer));
    };
    try {
      if (this.attachSeq !== undefined && this.attachAnswered === undefined) {
        await until(Promise.race([this.initialized.promise, this.attachSettled.promise]));
        if (this.attachAnswered === undefined && this.initialized.done && !this.configurationDoneSent && !this.upstreamExited) {
          this.configurationDoneSent = true;
          this.sendUpstream({ seq: this.upstreamSeq++, type: 'request', command: 'configurationDone' });
        }
        await until(this.attachSettled.promise);
      }
      if (this.attachAnswered && !this.disconnectSent && !this.upstreamExited) {
        this.disconnectSent = true;
        const seq = this.upstreamSeq++;
        const answered = new Promise<void>((resolve) => this.internal.set(seq, () => resolve()));
        this.sendUpstream({ seq, type: 'request', command: 'disconnect', arguments: { terminateDebuggee: false } });
        await until(answered);
      }
    } finally {
      upstream.close();
      // debugpy's adapter outlives its client while the worker's debug server stays connected to it.
      const r = await this.options.docker.exec(this.target.containerId, endSessionCommand(this.target.python, this.session), { timeoutMs: 10000 }).catch((err: Error) => err);
      if (r instanceof Error) this.options.log.debug(`debug: ending debugpy in ${this.target.containerName}: ${r.message}`);
    }
  }

  /** Ends the session and waits for the container's clean-up (the stand-alone adapter exits after it). */
  async shutdown(): Promise<void> {
    this.end(l10n.t('The debug adapter was stopped.'));
    await this.released;
  }

  override dispose(): void {
    this.end(l10n.t('The debug adapter was disposed.'));
    super.dispose();
  }
}

/** A promise with its resolver, settled once. */
function latch(): { promise: Promise<void>; resolve: () => void; readonly done: boolean } {
  let resolve!: () => void;
  let done = false;
  const promise = new Promise<void>((r) => (resolve = r));
  return {
    promise,
    resolve: () => {
      done = true;
      resolve();
    },
    get done() {
      return done;
    },
  };
}

/** Adds the cause and the fix to debugpy's terse attach failures. */
export function explainAttachFailure(message: string, stderrTail: string): string {
  const all = `${message}\n${stderrTail}`;
  if (/ptrace|Operation not permitted|attach.*(denied|not permitted)|gdb.*(failed|error)/i.test(all)) {
    return `${message}\n${l10n.t('Injecting debugpy into a running process needs ptrace. On hosts that restrict it (Yama ptrace_scope 1, the Ubuntu default), start the container with --cap-add SYS_PTRACE, or use the local deployment\'s debug mode (debugpy listens from the start, no ptrace needed).')}`;
  }
  if (/timed? ?out|timeout/i.test(all)) {
    return `${message}\n${l10n.t('The worker did not load debugpy in time: it may be busy in a long request or in init(). Try again when it is idle.')}`;
  }
  return message;
}
