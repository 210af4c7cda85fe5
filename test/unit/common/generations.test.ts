// A refresh that arrives while a tree node's children are loading must not leave that node empty: the load
// is aborted (its requests stop) and run again in the new generation for the caller still waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadGenerations } from '../../../src/common/generations';

/** A load that waits until released, and rejects like the Azure SDK when its signal aborts. */
function controllableLoad() {
  const signals: AbortSignal[] = [];
  const releases: ((v: string) => void)[] = [];
  const load = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      signals.push(signal);
      releases.push(resolve);
      signal.addEventListener('abort', () => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })));
    });
  return { load, signals, releases };
}

describe('LoadGenerations (unit)', () => {
  it('returns the load result in a quiet generation', async () => {
    const g = new LoadGenerations();
    assert.equal(await g.run(async () => 'rows'), 'rows');
  });

  it('a refresh during a load aborts it and the waiting caller gets the result of the re-run', async () => {
    const g = new LoadGenerations();
    const c = controllableLoad();
    const result = g.run(c.load);
    await Promise.resolve();
    g.next();
    // the first run was aborted, a second one started under the new generation's signal
    await new Promise((r) => setImmediate(r));
    assert.equal(c.signals.length, 2);
    assert.equal(c.signals[0]!.aborted, true);
    assert.equal(c.signals[1]!.aborted, false);
    c.releases[1]!('fresh rows');
    assert.equal(await result, 'fresh rows');
  });

  it('errors that are not caused by a refresh reach the caller', async () => {
    const g = new LoadGenerations();
    await assert.rejects(g.run(async () => { throw new Error('HTTP 403'); }), /HTTP 403/);
  });

  it('after dispose an aborted load rejects instead of running again', async () => {
    const g = new LoadGenerations();
    const c = controllableLoad();
    const result = g.run(c.load);
    await Promise.resolve();
    g.dispose();
    await assert.rejects(result, /aborted/);
    assert.equal(c.signals.length, 1);
  });
});
