// (unit) Reload on save: which saves count, saves coalesced per deployment, one reload at a time, a save
// during a reload queues exactly one more, a failure is reported and the next reload still runs.
// Time is driven with node:test's mock timers (no sleeping).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { isCodeFile, ReloadScheduler, type ReloadCandidate } from '../../../src/docker/reloadScheduler';

const SKIP = new Set(['.git', '__pycache__', '.venv']);
const cand = (key: string): ReloadCandidate => ({ key, endpoint: key.split('/')[0]!, deployment: key.split('/')[1]!, sourceDir: `/p/${key}` });

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('isCodeFile (unit)', () => {
  it('counts files of the code folder, not caches, VCS folders or files outside', () => {
    const dir = path.join('/work', 'proj');
    assert.equal(isCodeFile(path.join(dir, 'score.py'), dir, SKIP), true);
    assert.equal(isCodeFile(path.join(dir, 'pkg', 'util.py'), dir, SKIP), true);
    assert.equal(isCodeFile(path.join(dir, '.git', 'HEAD'), dir, SKIP), false);
    assert.equal(isCodeFile(path.join(dir, 'pkg', '__pycache__', 'u.pyc'), dir, SKIP), false);
    assert.equal(isCodeFile(path.join('/work', 'proj2', 'score.py'), dir, SKIP), false);
    assert.equal(isCodeFile(path.join('/work', 'other.py'), dir, SKIP), false);
    assert.equal(isCodeFile(dir, dir, SKIP), false);
  });
});

describe('ReloadScheduler (unit)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('a burst of saves makes one reload, after the debounce', async () => {
    const runs: string[] = [];
    const s = new ReloadScheduler(async (c) => void runs.push(c.key), { debounceMs: 300 });
    for (let i = 0; i < 5; i++) {
      s.request(cand('ep/blue'));
      mock.timers.tick(100);
    }
    assert.deepEqual(runs, []);
    mock.timers.tick(300);
    await settle();
    assert.deepEqual(runs, ['ep/blue']);
    s.dispose();
  });

  it('runs one reload at a time; a save during a reload queues exactly one more', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    const gates: (() => void)[] = [];
    const s = new ReloadScheduler(
      async (c) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(c.key);
        await new Promise<void>((r) => gates.push(r));
        active--;
      },
      { debounceMs: 50 },
    );
    s.request(cand('ep/blue'));
    s.request(cand('ep/green'));
    mock.timers.tick(50);
    await settle();
    assert.deepEqual(runs, ['ep/blue'], 'green waits for blue');
    // Three saves of blue while it reloads: one more reload of blue, after green.
    for (let i = 0; i < 3; i++) s.request(cand('ep/blue'));
    mock.timers.tick(50);
    gates.shift()!();
    await settle();
    assert.deepEqual(runs, ['ep/blue', 'ep/green']);
    gates.shift()!();
    await settle();
    assert.deepEqual(runs, ['ep/blue', 'ep/green', 'ep/blue']);
    gates.shift()!();
    await settle();
    assert.equal(runs.length, 3);
    assert.equal(maxActive, 1);
    s.dispose();
  });

  it('a failed reload is reported and the next one still runs', async () => {
    const errors: string[] = [];
    const runs: string[] = [];
    const s = new ReloadScheduler(
      async (c) => {
        runs.push(c.key);
        if (c.key === 'ep/bad') throw new Error('init() raised');
      },
      { debounceMs: 10, onError: (c, e) => errors.push(`${c.key}: ${(e as Error).message}`) },
    );
    s.request(cand('ep/bad'));
    s.request(cand('ep/good'));
    mock.timers.tick(10);
    await settle();
    await settle();
    assert.deepEqual(runs, ['ep/bad', 'ep/good']);
    assert.deepEqual(errors, ['ep/bad: init() raised']);
    s.dispose();
  });

  it('after dispose a pending save does not reload', async () => {
    const runs: string[] = [];
    const s = new ReloadScheduler(async (c) => void runs.push(c.key), { debounceMs: 10 });
    s.request(cand('ep/blue'));
    s.dispose();
    mock.timers.tick(100);
    await settle();
    assert.deepEqual(runs, []);
  });
});
