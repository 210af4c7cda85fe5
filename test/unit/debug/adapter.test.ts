// The aml-container adapter between VS Code and a container side that is hostile or interrupted: reverse
// requests and custom events from the container never reach VS Code, and a disconnect at any step of the
// attach stops it, answers every request, sends nothing after `terminated` and cleans up the container side.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ContainerDebugAdapter } from '../../../src/debug/adapter';
import { SESSION_ENV } from '../../../src/debug/probe';
import { debugpyLike, FakeDocker, FakeVsCode, Gate, recordingLogger, WORKER_PID } from '../../helpers/fakeDebugContainer';

type Script = ConstructorParameters<typeof FakeDocker>[0];

function session(script: Script, options: { hold?: { probe?: boolean; exec?: boolean }; releaseTimeoutMs?: number } = {}) {
  const docker = new FakeDocker(script, options.hold);
  const log = recordingLogger();
  const adapter = new ContainerDebugAdapter({ docker, log, workspaceFolders: ['/w'], releaseTimeoutMs: options.releaseTimeoutMs ?? 20000 });
  const vscode = new FakeVsCode(adapter);
  return { docker, log, adapter, vscode, peer: () => docker.interactive[0]!.peer };
}

/** The session's processes were ended in the container with the mark its `docker exec` carried. */
function assertEndedInContainer(docker: FakeDocker): void {
  const mark = docker.interactive[0]!.env?.[SESSION_ENV];
  assert.ok(mark, 'debugpy\'s adapter is started with a session mark');
  assert.ok(docker.execs.some((e) => e.cmd.includes(mark)), 'the processes with that mark are ended in the container');
  assert.ok(docker.interactive[0]!.peer.closed, 'the exec stream is closed');
}

const tmp = mkdtempSync(path.join(tmpdir(), 'amld-dap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('debug adapter: what crosses from the container (unit)', () => {
  it('refuses runInTerminal and startDebugging from the container: nothing runs on the host, VS Code never sees them', async () => {
    const marker = path.join(tmp, 'ran-on-the-host');
    const reverse: number[] = [];
    const hostile: Script = (peer, request) => {
      switch (request.command) {
        case 'initialize':
          peer.respond(request, { supportsConfigurationDoneRequest: true, supportsRunInTerminalRequest: true, supportsStartDebuggingRequest: true, evil: 'x' });
          return;
        case 'attach':
          reverse.push(peer.send({ type: 'request', command: 'runInTerminal', arguments: { kind: 'integrated', cwd: '/', args: ['sh', '-c', `touch ${marker}`] } }));
          reverse.push(peer.send({ type: 'request', command: 'startDebugging', arguments: { request: 'launch', configuration: { type: 'node', request: 'launch', program: marker } } }));
          peer.event('debugpyAttach', { type: 'python', request: 'attach', connect: { host: '127.0.0.1', port: 1 } });
          peer.event('output', { category: 'telemetry', output: 'ptvsd', data: { packageVersion: '1' } });
          peer.event('output', { category: 'important', output: 'look at me\n' });
          peer.event('process', { name: 'gunicorn', systemProcessId: WORKER_PID, isLocalProcess: true, startMethod: 'attach' });
          peer.event('initialized');
          void peer.next((m) => m.command === 'configurationDone').then(() => peer.respond(request));
          return;
        default:
          peer.respond(request);
      }
    };
    const { docker, log, adapter, vscode, peer } = session(hostile);
    await vscode.request('initialize', { adapterID: 'aml-container', supportsRunInTerminalRequest: true, supportsStartDebuggingRequest: true });
    const attached = vscode.request('attach', { container: 'scoring' });
    await vscode.next((m) => m.type === 'event' && m.event === 'initialized');
    await vscode.request('configurationDone');
    assert.equal((await attached).success, true);
    const answers = await Promise.all(reverse.map((seq) => peer().next((m) => m.type === 'response' && m.request_seq === seq)));
    assert.equal(existsSync(marker), false, 'the command from the container did not run on the host');
    // The container side got an error answer to each reverse request.
    for (const a of answers) {
      assert.equal(a.success, false);
      assert.match(String(a.message), /not allowed from a container/);
    }
    await vscode.request('disconnect', {});

    assert.deepEqual(vscode.sent.filter((m) => m.type === 'request'), [], 'VS Code received no request from the container');
    const events = vscode.sent.filter((m) => m.type === 'event') as unknown as { event: string; body?: Record<string, unknown> }[];
    assert.ok(!events.some((e) => e.event.startsWith('debugpy')), 'debugpy\'s custom events do not cross');
    const outputs = events.filter((e) => e.event === 'output').map((e) => e.body!);
    assert.ok(!outputs.some((o) => o.category === 'telemetry' || o.category === 'important'), 'no telemetry, no notification from the container');
    assert.ok(outputs.some((o) => o.output === 'look at me\n' && o.category === 'console'), 'the text itself still shows in the debug console');
    assert.equal(events.find((e) => e.event === 'process')!.body!.isLocalProcess, false, 'a pid in the container is not a local process');
    const caps = events.find((e) => e.event === 'capabilities')!.body!.capabilities as Record<string, unknown>;
    assert.deepEqual(caps, { supportsConfigurationDoneRequest: true });
    // debugpy is told not to expect the client's terminal or child sessions.
    const init = peer().received.find((m) => m.command === 'initialize')!.arguments as Record<string, unknown>;
    assert.equal(init.supportsRunInTerminalRequest, false);
    assert.equal(init.supportsStartDebuggingRequest, false);
    assert.ok(log.lines.some((l) => /refused the reverse request "runInTerminal"/.test(l)), log.lines.join('\n'));
    await adapter.shutdown();
    assertEndedInContainer(docker);
  });

  it('caps what the container may log about its refused requests', async () => {
    const flood: Script = (peer, request) => {
      if (request.command === 'attach') {
        for (let k = 0; k < 500; k++) peer.send({ type: 'request', command: `runInTerminal\u001b[2J${k}`, arguments: {} });
        peer.event('initialized');
        peer.respond(request);
        return;
      }
      debugpyLike(peer, request);
    };
    const { log, vscode, peer } = session(flood);
    await vscode.request('initialize', { adapterID: 'aml-container' });
    await vscode.request('attach', { container: 'scoring' });
    await peer().next((m) => m.type === 'response' && m.request_seq === 501); // the last refusal (seq 1 answered initialize)
    await vscode.request('disconnect', {});
    const refusals = log.lines.filter((l) => l.includes('refused the reverse request'));
    assert.ok(refusals.length <= 20, `${refusals.length} log lines`);
    assert.ok(refusals.every((l) => !l.includes('\u001b')), 'control characters from the container do not reach the log');
  });
});

describe('debug adapter: disconnect during attach (unit)', () => {
  it('during the probe: the attach stops, no debugpy is started, nothing after terminated', async () => {
    const { docker, adapter, vscode } = session(debugpyLike, { hold: { probe: true } });
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await docker.gates.probe.whenReached();
    assert.equal((await vscode.request('disconnect', {})).success, true);
    assert.equal((await attached).success, false);
    docker.gates.probe.open();
    await adapter.shutdown();
    assert.equal(docker.interactive.length, 0, 'debugpy\'s adapter was never started');
    assert.deepEqual(vscode.afterTerminated(), []);
  });

  it('while the exec starts: the late exec is closed and its processes ended', async () => {
    const { docker, adapter, vscode } = session(debugpyLike, { hold: { exec: true } });
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await docker.gates.exec.whenReached();
    await vscode.request('disconnect', {});
    assert.equal((await attached).success, false);
    docker.gates.exec.open();
    await adapter.shutdown();
    assertEndedInContainer(docker);
    assert.equal(docker.interactive[0]!.peer.received.length, 0, 'nothing was sent to it');
    assert.deepEqual(vscode.afterTerminated(), []);
  });

  it('while debugpy\'s adapter starts: no attach is sent, the exec is closed', async () => {
    const answer = new Gate();
    const slowStart: Script = (peer, request) => {
      if (request.command === 'initialize') void answer.arrive().then(() => peer.respond(request, { supportsConfigurationDoneRequest: true }));
      else debugpyLike(peer, request);
    };
    const { docker, adapter, vscode } = session(slowStart);
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await answer.whenReached();
    await vscode.request('disconnect', {});
    assert.equal((await attached).success, false);
    answer.open();
    await adapter.shutdown();
    assertEndedInContainer(docker);
    assert.ok(!docker.interactive[0]!.peer.received.some((m) => m.command === 'attach'), 'no injection was started');
    assert.deepEqual(vscode.afterTerminated(), []);
  });

  it('while debugpy injects itself into the worker: the injection is let finish, configured and detached, then ended', async () => {
    // Interrupting the injection (gdb inside the worker) leaves the worker blocked: the adapter waits for it.
    const injected = new Gate();
    const injecting: Script = (peer, request) => {
      if (request.command === 'attach') {
        void injected.arrive().then(() => {
          peer.event('initialized');
          peer.event('output', { category: 'stdout', output: 'after the session\n' });
          void peer.next((m) => m.command === 'configurationDone').then(() => peer.respond(request));
        });
        return;
      }
      debugpyLike(peer, request);
    };
    const { docker, adapter, vscode, peer } = session(injecting);
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await injected.whenReached();
    await vscode.request('disconnect', {});
    assert.equal((await attached).success, false, 'the attach is answered (cancelled)');
    injected.open();
    await adapter.shutdown();
    assert.deepEqual(peer().received.map((m) => m.command), ['initialize', 'attach', 'configurationDone', 'disconnect'], 'the worker was released and detached before the end');
    assertEndedInContainer(docker);
    assert.deepEqual(vscode.afterTerminated(), [], 'the late initialized and output events did not cross');
  });

  it('after debugpy is injected but before configurationDone: configured and detached', async () => {
    const { docker, adapter, vscode, peer } = session(debugpyLike);
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await vscode.next((m) => m.type === 'event' && m.event === 'initialized');
    await vscode.request('disconnect', {});
    assert.equal((await attached).success, false);
    await adapter.shutdown();
    assert.deepEqual(peer().received.map((m) => m.command), ['initialize', 'attach', 'configurationDone', 'disconnect']);
    assertEndedInContainer(docker);
    assert.deepEqual(vscode.afterTerminated(), []);
  });

  it('gives up waiting for an injection after its bound and still ends the processes', async () => {
    const never: Script = (peer, request) => {
      if (request.command !== 'attach') debugpyLike(peer, request);
    };
    const { docker, adapter, vscode } = session(never, { releaseTimeoutMs: 300 });
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await (await docker.firstPeer()).next((m) => m.command === 'attach');
    await vscode.request('disconnect', {});
    assert.equal((await attached).success, false);
    await adapter.shutdown();
    assertEndedInContainer(docker);
  });

  it('a connected session: debugpy detaches first, then terminated, then the container side is ended', async () => {
    const { docker, adapter, vscode, peer } = session(debugpyLike);
    await vscode.request('initialize', { adapterID: 'aml-container' });
    const attached = vscode.request('attach', { container: 'scoring' });
    await vscode.next((m) => m.type === 'event' && m.event === 'initialized');
    await vscode.request('configurationDone');
    assert.equal((await attached).success, true);
    const disconnected = await vscode.request('disconnect', { terminateDebuggee: false });
    assert.equal(disconnected.success, true);
    assert.ok(peer().received.some((m) => m.command === 'disconnect'));
    peer().event('stopped', { reason: 'breakpoint', threadId: 1 });
    await adapter.shutdown();
    assertEndedInContainer(docker);
    assert.deepEqual(vscode.afterTerminated(), [], 'an event after the end does not cross');
    assert.equal(vscode.sent.filter((m) => m.type === 'event' && m.event === 'terminated').length, 1);
  });
});

