// Attach through the extension's debug adapter (dist/debug-adapter.js, real DAP over stdio) to the real
// scoring image running examples/score.py, with debugpy's adapter started inside the container.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import Docker from 'dockerode';
import { REPO, startScoringContainer, TEST_IMAGE, type ScoringContainer } from '../../helpers/scoringContainer';

const EXAMPLES = path.join(REPO, 'examples');
const SCORE = path.join(EXAMPLES, 'score.py');
const SAMPLE = readFileSync(path.join(EXAMPLES, 'sample-request.json'), 'utf8');
const lineOf = (text: string) => readFileSync(SCORE, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

function newClient(): DebugClient {
  const dc = new DebugClient(process.execPath, path.join(REPO, 'dist', 'debug-adapter.js'), 'aml-container', {
    env: { ...process.env, AML_DOCTOR_WORKSPACE_FOLDERS: EXAMPLES },
  });
  dc.defaultTimeout = 30000;
  return dc;
}

describe('attach debugger to a scoring container (integration: real engine, real debugpy)', { timeout: 240000 }, () => {
  let scoring: ScoringContainer;
  before(async () => {
    scoring = await startScoringContainer({ name: 'amld-debug-test-attach', project: EXAMPLES });
  });
  after(async () => {
    await scoring?.remove();
  });

  it('stops at a breakpoint in the local score.py, shows the request data, and the request then answers 200', async () => {
    const dc = newClient();
    await dc.start();
    try {
      const line = lineOf('coef, intercept = model');
      await dc.initializeRequest({ adapterID: 'aml-container', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const initialized = dc.waitForEvent('initialized');
      const attached = dc.attachRequest({ container: scoring.name } as DebugProtocol.AttachRequestArguments);
      await initialized;
      const bp = await dc.setBreakpointsRequest({ source: { path: SCORE }, breakpoints: [{ line }] });
      assert.equal(bp.body.breakpoints.length, 1);
      await dc.configurationDoneRequest();
      await attached;
      const response = fetch(`${scoring.url}/score`, { method: 'POST', body: SAMPLE, headers: { 'Content-Type': 'application/json' } });
      const stopped = await dc.assertStoppedLocation('breakpoint', { path: SCORE, line });
      const frameId = stopped.body.stackFrames[0]!.id;
      const scopes = await dc.scopesRequest({ frameId });
      const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0]!.variablesReference });
      const names = locals.body.variables.map((v) => v.name);
      assert.ok(names.includes('raw_data'), `locals: ${names.join(', ')}`);
      assert.ok(names.includes('data'), `locals: ${names.join(', ')}`);
      const raw = locals.body.variables.find((v) => v.name === 'raw_data')!;
      assert.match(raw.value, /0\.038/, 'the request body is visible in the debugger');
      const threadId = (stopped.body as { threadId?: number }).threadId ?? (await dc.threadsRequest()).body.threads[0]!.id;
      await dc.continueRequest({ threadId });
      const r = await response;
      assert.equal(r.status, 200);
      const body = (await r.json()) as { predictions: number[] };
      assert.equal(body.predictions.length, 2);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  });

  it('fails with the cause and the fix when the container has no debugpy', async () => {
    const nodebug = await startScoringContainer({ name: 'amld-debug-test-nodebugpy', project: EXAMPLES, image: TEST_IMAGE.replace(/:(.*)$/, ':$1-nodebugpy') });
    const dc = newClient();
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'aml-container' });
      await assert.rejects(dc.attachRequest({ container: nodebug.name } as DebugProtocol.AttachRequestArguments), (err: Error) => {
        assert.match(err.message, /debugpy is not installed/);
        assert.match(err.message, /debug mode|conda\/pip dependency/);
        return true;
      });
    } finally {
      await dc.stop();
      await nodebug.remove();
    }
  });

  it('names a container that does not exist', async () => {
    const dc = newClient();
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'aml-container' });
      await assert.rejects(dc.attachRequest({ container: 'amld-debug-test-no-such-container' } as DebugProtocol.AttachRequestArguments), /There is no container "amld-debug-test-no-such-container"/);
    } finally {
      await dc.stop();
    }
  });

  it('ends the session with an explanation when the container stops mid-session', async () => {
    const victim = await startScoringContainer({ name: 'amld-debug-test-stops', project: EXAMPLES });
    const dc = newClient();
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'aml-container' });
      const initialized = dc.waitForEvent('initialized');
      const attached = dc.attachRequest({ container: victim.name } as DebugProtocol.AttachRequestArguments);
      await initialized;
      await dc.configurationDoneRequest();
      await attached;
      // The last important output before `terminated` is the explanation.
      let explanation = '';
      dc.on('output', (e: DebugProtocol.OutputEvent) => {
        if (e.body.category === 'important') explanation = e.body.output;
      });
      const terminated = dc.waitForEvent('terminated', 60000);
      await new Docker().getContainer(victim.id).kill();
      await terminated;
      assert.match(explanation, /The container amld-debug-test-stops (stopped|was removed)/);
    } finally {
      await dc.stop();
      await victim.remove();
    }
  });
});
