// The container side of a debug session without a container: a DockerClient whose probe finds one gunicorn
// worker and whose `docker exec -i` is a DAP peer over byte streams (the part debugpy's adapter plays),
// scripted by the test. And the VS Code side: a client on the adapter's inline interface that does what
// VS Code does with reverse requests (runInTerminal runs the command), so a relayed one shows.
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ContainerDetails, DockerClient, DockerEvent, ExecResult, InteractiveExec } from '../../src/docker/client';
import { ContainerDebugAdapter } from '../../src/debug/adapter';
import { DapReader, encodeDapMessage } from '../../src/debug/framing';
import { PROBE_COMMAND } from '../../src/debug/probe';
import type { Logger } from '../../src/common/logger';

type Msg = DebugProtocol.ProtocolMessage & Record<string, unknown>;

/** A promise the test resolves when it wants a step to complete. */
export class Gate<T = void> {
  readonly promise: Promise<T>;
  open!: (value: T) => void;
  reached = false;
  private reachedListeners: (() => void)[] = [];
  constructor() {
    this.promise = new Promise<T>((resolve) => (this.open = resolve));
  }
  /** Called by the fake when it arrives at the gate. */
  arrive(): Promise<T> {
    this.reached = true;
    for (const l of this.reachedListeners.splice(0)) l();
    return this.promise;
  }
  /** Resolves once the fake has arrived. */
  whenReached(): Promise<void> {
    return this.reached ? Promise.resolve() : new Promise((r) => this.reachedListeners.push(r));
  }
}

/** debugpy's adapter as seen through `docker exec -i`: DAP on stdin/stdout. */
export class FakeDebugpy {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly received: Msg[] = [];
  closed = false;
  private seq = 1;
  private readonly listeners: ((m: Msg) => void)[] = [];
  private exit!: (code: number | undefined) => void;
  readonly exited = new Promise<number | undefined>((r) => (this.exit = r));

  constructor(private readonly onRequest: (peer: FakeDebugpy, request: Msg) => void) {
    const reader = new DapReader();
    this.stdin.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk) as Msg[]) {
        this.received.push(m);
        for (const l of [...this.listeners]) l(m);
        if (m.type === 'request') this.onRequest(this, m);
      }
    });
  }

  send(message: Record<string, unknown>): number {
    const seq = this.seq++;
    if (!this.closed) this.stdout.write(encodeDapMessage({ ...message, seq }));
    return seq;
  }

  respond(request: Msg, body?: unknown, success = true): void {
    this.send({ type: 'response', request_seq: request.seq, command: request.command, success, body });
  }

  event(event: string, body?: unknown): void {
    this.send({ type: 'event', event, body });
  }

  /** The next message from the adapter that matches. */
  next(match: (m: Msg) => boolean, timeoutMs = 10000): Promise<Msg> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fake debugpy saw no matching message in ${timeoutMs} ms; got ${this.received.map((m) => m.command ?? m.type).join(', ')}`)), timeoutMs);
      const l = (m: Msg) => {
        if (!match(m)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  asExec(): InteractiveExec {
    return {
      write: (data) => void this.stdin.write(data),
      stdout: this.stdout,
      stderr: this.stderr,
      exited: this.exited,
      close: () => {
        if (this.closed) return;
        this.closed = true;
        this.stdout.end();
        this.stderr.end();
        this.exit(undefined);
      },
    };
  }
}

export const WORKER_PID = 42;

/** A running container with one gunicorn worker; each step of an attach can be held at a gate. */
export class FakeDocker implements DockerClient {
  readonly endpoint = 'fake://docker';
  readonly execs: { cmd: string[]; env?: Record<string, string> }[] = [];
  readonly interactive: { cmd: string[]; env?: Record<string, string>; peer: FakeDebugpy }[] = [];
  readonly gates = { probe: new Gate(), exec: new Gate() };
  private readonly started = new Gate<FakeDebugpy>();
  private readonly hold: { probe: boolean; exec: boolean };

  constructor(private readonly script: (peer: FakeDebugpy, request: Msg) => void, hold: Partial<{ probe: boolean; exec: boolean }> = {}) {
    this.hold = { probe: false, exec: false, ...hold };
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    return {
      id: 'c0ffee',
      name: `/${id}`,
      image: 'scoring',
      created: '',
      labels: {},
      env: ['AML_APP_ROOT=/var/azureml-app', 'AZUREML_ENTRY_SCRIPT=score.py'],
      state: { status: 'running', running: true, restarting: false, oomKilled: false, exitCode: 0, error: '', startedAt: '', finishedAt: '' },
      restartCount: 0,
      ports: [],
      memoryBytes: 0,
      raw: { Mounts: [] },
    };
  }

  async exec(_id: string, cmd: string[]): Promise<ExecResult> {
    this.execs.push({ cmd });
    if (cmd === PROBE_COMMAND) {
      if (this.hold.probe) await this.gates.probe.arrive();
      const proc = (pid: number, ppid: number) => ({ pid, ppid, exe: '/usr/bin/python3.11', cmdline: ['/usr/bin/python3', '-m', 'gunicorn'], env: {}, cwd: '/var/azureml-app' });
      return { exitCode: 0, stdout: JSON.stringify({ processes: [proc(1, 0), proc(WORKER_PID, 1)], listening: [5001] }), stderr: '' };
    }
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  async execInteractive(_id: string, cmd: string[], options: { env?: Record<string, string> } = {}): Promise<InteractiveExec> {
    const peer = new FakeDebugpy(this.script);
    this.interactive.push({ cmd, env: options.env, peer });
    this.started.open(peer);
    if (this.hold.exec) await this.gates.exec.arrive();
    return peer.asExec();
  }

  /** The first `docker exec -i` (debugpy's adapter), once the adapter starts it. */
  firstPeer(): Promise<FakeDebugpy> {
    return this.started.promise;
  }

  async *events(signal: AbortSignal): AsyncIterable<DockerEvent> {
    if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  }

  private unused(): never {
    throw new Error('not used by the debug adapter');
  }
  ping = async () => this.unused();
  listContainers = async () => this.unused();
  pastEvents = async () => this.unused();
  async *logs(): AsyncIterable<Buffer> {
    this.unused();
  }
  start = async () => this.unused();
  stop = async () => this.unused();
  restart = async () => this.unused();
  kill = async () => this.unused();
  remove = async () => this.unused();
  createContainer = async () => this.unused();
  putArchive = async () => this.unused();
  readFile = async () => this.unused();
  inspectImage = async () => this.unused();
  enginePlatform = async () => this.unused();
  buildImage = () => this.unused();
  pullImage = () => this.unused();
  imageExists = async () => this.unused();
}

/** What debugpy's adapter does for a plain attach: capabilities, initialized, then the attach answer after configurationDone. */
export function debugpyLike(peer: FakeDebugpy, request: Msg): void {
  switch (request.command) {
    case 'initialize':
      peer.respond(request, { supportsConfigurationDoneRequest: true, supportsConditionalBreakpoints: true });
      return;
    case 'attach':
      peer.event('initialized');
      void peer.next((m) => m.command === 'configurationDone').then(() => peer.respond(request));
      return;
    default:
      peer.respond(request);
  }
}

/** VS Code's side of the inline adapter: sends requests, records everything, honours runInTerminal as VS Code would. */
export class FakeVsCode {
  readonly sent: Msg[] = [];
  private seq = 1;
  private readonly listeners: ((m: Msg) => void)[] = [];

  constructor(readonly adapter: ContainerDebugAdapter) {
    adapter.onDidSendMessage((m) => {
      const msg = m as Msg;
      this.sent.push(msg);
      for (const l of [...this.listeners]) l(msg);
      if (msg.type === 'request') {
        const req = msg as unknown as DebugProtocol.Request;
        if (req.command === 'runInTerminal') {
          const args = (req.arguments as DebugProtocol.RunInTerminalRequestArguments).args;
          spawnSync(args[0]!, args.slice(1));
        }
        // Answered on a later turn, as VS Code does.
        setImmediate(() => adapter.handleMessage({ type: 'response', seq: this.seq++, request_seq: req.seq, command: req.command, success: true, body: {} } as DebugProtocol.Response));
      }
    });
  }

  request(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    const answered = this.next((m) => m.type === 'response' && m.request_seq === seq, 20000) as Promise<unknown> as Promise<DebugProtocol.Response>;
    this.adapter.handleMessage({ type: 'request', seq, command, arguments: args } as DebugProtocol.Request);
    return answered;
  }

  next(match: (m: Msg) => boolean, timeoutMs = 10000): Promise<Msg> {
    const seen = this.sent.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`VS Code's side saw no matching message in ${timeoutMs} ms`)), timeoutMs);
      const l = (m: Msg) => {
        if (!match(m)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  /** Everything the adapter sent after its `terminated` event. */
  afterTerminated(): Msg[] {
    const i = this.sent.findIndex((m) => m.type === 'event' && m.event === 'terminated');
    return i < 0 ? [] : this.sent.slice(i + 1);
  }
}

/** A logger that keeps the lines (to check what the adapter says about the container). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (m: string | Error) => void lines.push(String(m));
  return { lines, trace: rec, debug: rec, info: rec, warn: rec, error: rec };
}
