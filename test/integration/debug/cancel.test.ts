// Disconnect in the middle of an attach, against the real engine, the real scoring image and real debugpy
// (through dist/debug-adapter.js): at the probe, while debugpy injects itself into the gunicorn worker,
// and after the injection but before configurationDone. Each time: nothing reaches the client after
// `terminated`, no exec and no debugpy/gdb process is left in the container, and the worker still answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import Docker from 'dockerode';
import { REPO, startScoringContainer, type ScoringContainer } from '../../helpers/scoringContainer';

const EXAMPLES = path.join(REPO, 'examples');
const SAMPLE = readFileSync(path.join(EXAMPLES, 'sample-request.json'), 'utf8');
/** How long the adapter may take to leave the container clean (an injection in flight is let finish first). */
const CLEAN_WITHIN_MS = 60000;

interface Recorded {
  dc: DebugClient;
  /** Every event the client received, in order. */
  events: string[];
}

async function client(): Promise<Recorded> {
  const dc = new DebugClient(process.execPath, path.join(REPO, 'dist', 'debug-adapter.js'), 'aml-container', {
    env: { ...process.env, AML_DOCTOR_WORKSPACE_FOLDERS: EXAMPLES },
  });
  dc.defaultTimeout = 30000;
  const events: string[] = [];
  // Every event passes through dispatch -> emit(event name): record them all.
  const emit = dc.emit.bind(dc);
  dc.emit = (name: string | symbol, ...args: unknown[]) => {
    if ((args[0] as { type?: string } | undefined)?.type === 'event') events.push(String(name));
    return emit(name, ...args);
  };
  await dc.start();
  await dc.initializeRequest({ adapterID: 'aml-container', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  return { dc, events };
}

/** Processes in the container that belong to a debug session (docker top: no exec needed). */
async function debugProcesses(c: Docker.Container): Promise<string[]> {
  const top = await c.top({ ps_args: '-eo pid,args' });
  return (top.Processes as string[][]).map((p) => p.join(' ')).filter((p) => /debugpy|gdb/.test(p));
}

async function runningExecs(c: Docker.Container): Promise<string[]> {
  const ids = (await c.inspect()).ExecIDs ?? [];
  const docker = new Docker();
  const running: string[] = [];
  for (const id of ids) {
    const e = await docker.getExec(id).inspect().catch(() => undefined);
    if (e?.Running) running.push(`${e.ProcessConfig.entrypoint} ${e.ProcessConfig.arguments.join(' ')}`.slice(0, 120));
  }
  return running;
}

/** Waits (polling the engine) until the container has no debug process and no running exec; returns what is left at the deadline. */
async function leftovers(c: Docker.Container): Promise<string[]> {
  const deadline = Date.now() + CLEAN_WITHIN_MS;
  for (;;) {
    const left = [...(await debugProcesses(c)), ...(await runningExecs(c))];
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function score(url: string): Promise<number> {
  const ac = new AbortController();
  const bound = setTimeout(() => ac.abort(), 30000);
  try {
    return (await fetch(`${url}/score`, { method: 'POST', body: SAMPLE, headers: { 'Content-Type': 'application/json' }, signal: ac.signal })).status;
  } finally {
    clearTimeout(bound);
  }
}

/** The attach's outcome, held from the start (it settles while the test is busy elsewhere). */
function attach(rec: Recorded, container: string): Promise<Error | undefined> {
  return rec.dc.attachRequest({ container } as DebugProtocol.AttachRequestArguments).then(
    () => undefined,
    (err: Error) => err,
  );
}

/** Disconnects, then checks the client saw nothing after terminated, the container is clean and the worker serves. */
async function disconnectAndCheck(rec: Recorded, attached: Promise<Error | undefined>, scoring: ScoringContainer): Promise<void> {
  try {
    const terminated = rec.dc.waitForEvent('terminated', 30000);
    const disconnected = await rec.dc.disconnectRequest({});
    assert.equal(disconnected.success, true);
    let bound: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([attached, new Promise<string>((r) => (bound = setTimeout(() => r('not answered within 30 s'), 30000)))]).finally(() => clearTimeout(bound));
    assert.match(String(typeof outcome === 'string' ? outcome : outcome?.message), /cancelled/, 'the attach is answered as cancelled');
    await terminated;
    // The adapter process keeps running (as inside VS Code): the clean-up must not depend on it exiting.
    assert.deepEqual(await leftovers(scoring.container), [], 'no exec and no debugpy/gdb process left in the container');
    const after = rec.events.slice(rec.events.indexOf('terminated') + 1);
    assert.deepEqual(after, [], `events after terminated: ${after.join(', ')}`);
    assert.equal(await score(scoring.url), 200, 'the worker still answers');
  } finally {
    await rec.dc.stop();
  }
}

describe('disconnect during attach (integration: real engine, real debugpy)', { timeout: 600000 }, () => {
  let scoring: ScoringContainer;
  before(async () => {
    scoring = await startScoringContainer({ name: `amld-debug-test-cancel-${process.pid}`, project: EXAMPLES });
  });
  after(async () => {
    await scoring?.remove();
  });

  it('at the probe: debugpy is never started', async () => {
    const rec = await client();
    const attached = attach(rec, scoring.name);
    await disconnectAndCheck(rec, attached, scoring);
  });

  it('while debugpy injects itself into the worker (its injector runs): let finish, detached, ended', async () => {
    const rec = await client();
    const attached = attach(rec, scoring.name);
    // The injector (python -m debugpy --pid) runs from the attach until the worker is configured: the
    // client never sends configurationDone here, so the window stays open until the disconnect.
    const deadline = Date.now() + 60000;
    while (!(await debugProcesses(scoring.container)).some((p) => p.includes('--pid'))) {
      assert.ok(Date.now() < deadline, 'the injector never ran');
      await new Promise((r) => setTimeout(r, 50));
    }
    await disconnectAndCheck(rec, attached, scoring);
  });

  it('after debugpy is injected, before configurationDone: configured, detached, ended', async () => {
    const rec = await client();
    const initialized = rec.dc.waitForEvent('initialized', 60000);
    const attached = attach(rec, scoring.name);
    await initialized;
    await disconnectAndCheck(rec, attached, scoring);
  });
});
