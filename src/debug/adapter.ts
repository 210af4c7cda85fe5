// The "aml-container" debug adapter: a DAP proxy built on @vscode/debugadapter's ProtocolServer.
// On attach it resolves the container, starts debugpy's own adapter *inside* the container over
// `docker exec -i` (stdio, no published port), and from then on relays messages both ways.
// debugpy applies the path mappings itself; the proxy adds what the user should not have to write:
// the process, the connect/pid mode, pathMappings, and clear errors.
import { ProtocolServer } from '@vscode/debugadapter/lib/protocol';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Logger } from '../common/logger';
import type { DockerClient, InteractiveExec } from '../docker/client';
import { DapReader, encodeDapMessage } from './framing';
import { AttachError, DEBUGPY_FIX, resolveDebugTarget, type AttachRequestArgs, type DebugTarget } from './target';

export interface ContainerDebugAdapterOptions {
  docker: DockerClient;
  log: Logger;
  workspaceFolders: string[];
  /** How long debugpy's adapter may take to answer (it starts a Python process in the container). */
  connectTimeoutMs?: number;
}

// What debugpy's adapter announces; the real set arrives in a `capabilities` event once it runs.
const PROVISIONAL_CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsSetVariable: true,
  supportsLogPoints: true,
  supportsExceptionInfoRequest: true,
  supportsTerminateRequest: true,
  exceptionBreakpointFilters: [
    { filter: 'raised', label: 'Raised Exceptions', default: false },
    { filter: 'uncaught', label: 'Uncaught Exceptions', default: true },
    { filter: 'userUnhandled', label: 'User Uncaught Exceptions', default: false },
  ],
};

type State = 'idle' | 'connecting' | 'connected' | 'ended';

export class ContainerDebugAdapter extends ProtocolServer {
  private state: State = 'idle';
  private initializeArgs: DebugProtocol.InitializeRequestArguments = { adapterID: 'aml-container' };
  private upstream?: InteractiveExec;
  private upstreamSeq = 1;
  /** upstream request seq -> client request seq (for the responses coming back). */
  private readonly pendingToClient = new Map<number, number>();
  /** our seq of a reverse request sent to the client -> the seq debugpy gave it. */
  private readonly reverseRequests = new Map<number, number>();
  private readonly queued: DebugProtocol.Request[] = [];
  private target?: DebugTarget;
  private upstreamStderr = '';
  private ending = false;
  private containerDied: () => void = () => undefined;
  private readonly died = new Promise<void>((resolve) => (this.containerDied = resolve));

  constructor(private readonly options: ContainerDebugAdapterOptions) {
    super();
  }

  override handleMessage(msg: DebugProtocol.ProtocolMessage): void {
    if (msg.type === 'response') {
      const response = msg as DebugProtocol.Response;
      const upstreamSeq = this.reverseRequests.get(response.request_seq);
      if (upstreamSeq !== undefined) {
        this.reverseRequests.delete(response.request_seq);
        this.sendUpstream({ ...response, request_seq: upstreamSeq });
      } else {
        super.handleMessage(msg);
      }
      return;
    }
    if (msg.type !== 'request') return;
    const request = msg as DebugProtocol.Request;
    if (this.state === 'connected') {
      this.forward(request);
      return;
    }
    switch (request.command) {
      case 'initialize':
        this.initializeArgs = request.arguments ?? this.initializeArgs;
        this.respond(request, PROVISIONAL_CAPABILITIES);
        return;
      case 'attach':
        void this.attach(request as DebugProtocol.AttachRequest);
        return;
      case 'launch':
        this.fail(request, 'The aml-container debugger attaches to a running scoring container; use "request": "attach".');
        return;
      case 'disconnect':
      case 'terminate':
        this.respond(request);
        this.end();
        return;
      default:
        if (this.state === 'connecting') this.queued.push(request);
        else this.fail(request, `"${request.command}" before attach`);
    }
  }

  private async attach(request: DebugProtocol.AttachRequest): Promise<void> {
    const { docker, log } = this.options;
    const args = request.arguments as DebugProtocol.AttachRequestArguments & AttachRequestArgs;
    this.state = 'connecting';
    try {
      if (!args.container) throw new AttachError('The debug configuration names no container.', 'Set "container" to the name or id of a running scoring container.');
      const started = Date.now();
      const target = await resolveDebugTarget(docker, args, this.options.workspaceFolders, log);
      this.target = target;
      for (const note of target.notes) this.output(`${note}\n`);
      for (const note of target.notes) log.info(`debug: ${target.containerName}: ${note}`);
      const upstream = await docker.execInteractive(target.containerId, [target.python, '-m', 'debugpy.adapter']);
      this.upstream = upstream;
      const reader = new DapReader();
      upstream.stdout.on('data', (chunk: Buffer) => {
        for (const m of reader.push(chunk)) this.fromUpstream(m as DebugProtocol.ProtocolMessage);
      });
      upstream.stderr.on('data', (chunk: Buffer) => {
        this.upstreamStderr = (this.upstreamStderr + chunk.toString()).slice(-4000);
      });
      const adapterExit = upstream.exited.then((code) => ({ exited: code }));
      void adapterExit.then(({ exited }) => this.upstreamEnded(exited));

      const answer = await Promise.race([this.requestUpstream('initialize', { ...this.initializeArgs, adapterID: 'debugpy' }, this.options.connectTimeoutMs ?? 15000), adapterExit]);
      if ('exited' in answer) {
        if (/No module named .?debugpy/.test(this.upstreamStderr)) {
          throw new AttachError(`debugpy is not installed for ${target.python} in ${target.containerName}, so a debugger cannot attach.`, DEBUGPY_FIX);
        }
        throw new AttachError(`debugpy's adapter could not start in ${target.containerName} (exit code ${answer.exited ?? 'unknown'}).${this.stderrTail()}`);
      }
      const caps = answer;
      this.sendEvent({ type: 'event', event: 'capabilities', seq: 0, body: { capabilities: caps } } as DebugProtocol.CapabilitiesEvent);
      const debugpyArgs: Record<string, unknown> = {
        name: (args as { name?: string }).name,
        type: 'python',
        request: 'attach',
        justMyCode: args.justMyCode ?? true,
        pathMappings: target.pathMappings,
        redirectOutput: true,
        ...(target.mode.kind === 'connect' ? { connect: { host: '127.0.0.1', port: target.mode.port } } : { processId: target.mode.processId }),
      };
      log.info(`debug: attaching to ${target.containerName} (${target.mode.kind === 'connect' ? `connect :${target.mode.port}` : `pid ${target.mode.processId}`}) after ${Date.now() - started} ms`);
      this.state = 'connected';
      this.watchContainer(target.containerId);
      this.forward({ ...request, arguments: debugpyArgs as DebugProtocol.AttachRequestArguments });
      for (const q of this.queued.splice(0)) this.forward(q);
    } catch (err) {
      const e = err as AttachError;
      const text = e.fix ? `${e.message}\n${e.fix}` : e.message;
      log.warn(`debug: attach to ${args.container} failed: ${text}`);
      this.fail(request, text);
      for (const q of this.queued.splice(0)) this.fail(q, 'not attached');
      this.end();
    }
  }

  private readonly watch = new AbortController();

  /** Ends the session when the container dies or is removed (the exec stream alone may not say so). */
  private watchContainer(id: string): void {
    void (async () => {
      try {
        for await (const e of this.options.docker.events(this.watch.signal)) {
          if (e.id === id && ['die', 'destroy', 'oom'].includes(e.action)) {
            this.containerDied();
            await this.upstreamEnded(undefined);
            return;
          }
        }
      } catch (err) {
        if (!this.watch.signal.aborted) this.options.log.debug(`debug: container event stream ended: ${(err as Error).message}`);
      }
    })();
  }

  private forward(request: DebugProtocol.Request): void {
    const seq = this.upstreamSeq++;
    this.pendingToClient.set(seq, request.seq);
    this.sendUpstream({ ...request, seq });
  }

  private readonly internal = new Map<number, (r: DebugProtocol.Response) => void>();

  private requestUpstream(command: string, args: unknown, timeoutMs: number): Promise<DebugProtocol.Capabilities> {
    return new Promise((resolve, reject) => {
      const seq = this.upstreamSeq++;
      const timer = setTimeout(() => {
        this.internal.delete(seq);
        reject(new AttachError(`debugpy's adapter in the container did not answer within ${timeoutMs / 1000} s.${this.stderrTail()}`, 'Check that the container is healthy and that debugpy imports with the worker\'s Python.'));
      }, timeoutMs);
      this.internal.set(seq, (r) => {
        clearTimeout(timer);
        if (r.success) resolve(r.body ?? {});
        else reject(new AttachError(`debugpy refused ${command}: ${r.message}`));
      });
      this.sendUpstream({ seq, type: 'request', command, arguments: args });
    });
  }

  private fromUpstream(msg: DebugProtocol.ProtocolMessage): void {
    if (msg.type === 'response') {
      const r = msg as DebugProtocol.Response;
      const internal = this.internal.get(r.request_seq);
      if (internal) {
        this.internal.delete(r.request_seq);
        internal(r);
        return;
      }
      const clientSeq = this.pendingToClient.get(r.request_seq);
      this.pendingToClient.delete(r.request_seq);
      if (clientSeq === undefined) return;
      if (!r.success && r.command === 'attach') r.message = explainAttachFailure(r.message ?? '', this.stderrTail());
      this.sendResponse({ ...r, seq: 0, request_seq: clientSeq });
    } else if (msg.type === 'event') {
      this.sendEvent({ ...(msg as DebugProtocol.Event), seq: 0 });
    } else if (msg.type === 'request') {
      // Reverse requests (runInTerminal, startDebugging): relay and route the answer back.
      const req = msg as DebugProtocol.Request;
      this.sendRequest(req.command, req.arguments, 60000, (response) => this.sendUpstream({ ...response, request_seq: req.seq }));
    }
  }

  private sendUpstream(message: object): void {
    this.upstream?.write(encodeDapMessage(message));
  }

  private async upstreamEnded(code: number | undefined): Promise<void> {
    if (this.state !== 'connected' || this.ending) return; // before attach completes, attach() reports the failure
    this.ending = true;
    let why = `debugpy's adapter in the container exited${code !== undefined ? ` (exit code ${code})` : ''}.`;
    if (this.target) {
      // The adapter's stream can end a moment before the engine records the container's death: give
      // the die event a short while so the explanation names the real cause.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.died, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      try {
        const d = await this.options.docker.inspectContainer(this.target.containerId);
        if (!d.state.running) why = `The container ${this.target.containerName} stopped (${d.state.oomKilled ? 'killed: out of memory' : `exit code ${d.state.exitCode}`}), so the debug session ended.`;
      } catch {
        why = `The container ${this.target.containerName} was removed, so the debug session ended.`;
      }
    }
    this.options.log.warn(`debug: ${why}`);
    this.output(`${why}\n`, 'important');
    this.end();
  }

  private stderrTail(): string {
    const t = this.upstreamStderr.trim();
    return t ? `\ndebugpy said: ${t.split('\n').slice(-5).join('\n')}` : '';
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

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.watch.abort();
    this.sendEvent({ type: 'event', event: 'terminated', seq: 0 } as DebugProtocol.TerminatedEvent);
    this.upstream?.close();
  }

  override dispose(): void {
    this.end();
    super.dispose();
  }
}

/** Adds the cause and the fix to debugpy's terse attach failures. */
export function explainAttachFailure(message: string, stderrTail: string): string {
  const all = `${message}\n${stderrTail}`;
  if (/ptrace|Operation not permitted|attach.*(denied|not permitted)|gdb.*(failed|error)/i.test(all)) {
    return `${message}\nInjecting debugpy into a running process needs ptrace. On hosts that restrict it (Yama ptrace_scope 1, the Ubuntu default), start the container with --cap-add SYS_PTRACE, or use the local deployment's debug mode (debugpy listens from the start, no ptrace needed).`;
  }
  if (/timed? ?out|timeout/i.test(all)) {
    return `${message}\nThe worker did not load debugpy in time: it may be busy in a long request or in init(). Try again when it is idle.`;
  }
  return message;
}
