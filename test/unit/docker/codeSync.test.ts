// (unit) What a reload sends: changed and new files (with their parents), removals of what is gone,
// nothing for an unchanged folder, and a manifest from the container that is checked before use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArchiveEntry } from '../../../src/docker/archive';
import { diffCode, manifestOf, parseManifest } from '../../../src/docker/codeSync';

const P = 'var/azureml-app';
const file = (rel: string, size: number, mtimeMs: number): ArchiveEntry => ({ name: `${P}/${rel}`, type: 'file', size, mode: 0o644, mtimeMs, source: `/src/${rel}` });
const dir = (rel: string): ArchiveEntry => ({ name: `${P}/${rel}`, type: 'directory', size: 0, mode: 0o755, mtimeMs: 1 });
const link = (rel: string, to: string): ArchiveEntry => ({ name: `${P}/${rel}`, type: 'symlink', size: 0, mode: 0o777, mtimeMs: 1, linkname: to });

describe('diffCode (unit)', () => {
  const v1 = [file('score.py', 100, 1000), dir('pkg'), file('pkg/util.py', 10, 1000), dir('pkg/sub'), file('pkg/sub/deep.py', 5, 1000), file('notes.txt', 3, 1000), link('alias.py', 'score.py')];
  const before = manifestOf(v1, P);

  it('an unchanged folder sends nothing and removes nothing', () => {
    const d = diffCode(before, v1, P);
    assert.deepEqual([d.send, d.remove, d.changedFiles], [[], [], 0]);
  });

  it('an edited file (mtime moved, same size) is sent with its parents; a new file too', () => {
    const now = [file('score.py', 100, 1000), dir('pkg'), file('pkg/util.py', 10, 2000), dir('pkg/sub'), file('pkg/sub/deep.py', 5, 1000), file('notes.txt', 3, 1000), link('alias.py', 'score.py'), dir('new'), file('new/x.py', 1, 5)];
    const d = diffCode(before, now, P);
    assert.deepEqual(d.send.map((e) => e.name.slice(P.length + 1)), ['pkg', 'pkg/util.py', 'new', 'new/x.py']);
    assert.equal(d.changedFiles, 2);
    assert.deepEqual(d.remove, []);
  });

  it('a retargeted link is sent; deleted files and folders are removed, a folder once for its content', () => {
    const now = [file('score.py', 100, 1000), link('alias.py', 'other.py'), dir('pkg'), file('pkg/util.py', 10, 1000)];
    const d = diffCode(before, now, P);
    assert.deepEqual(d.send.map((e) => e.name.slice(P.length + 1)), ['alias.py']);
    assert.deepEqual(d.remove, ['notes.txt', 'pkg/sub']);
  });

  it('without a manifest everything is sent and nothing removed', () => {
    const d = diffCode(undefined, v1, P);
    assert.equal(d.send.length, v1.length);
    assert.deepEqual(d.remove, []);
  });
});

describe('parseManifest (unit)', () => {
  it('reads back what manifestOf wrote', () => {
    const m = manifestOf([file('score.py', 1, 2), link('a', 'score.py')], P);
    assert.deepEqual(parseManifest(Buffer.from(JSON.stringify(m))), m);
  });

  it('a manifest the container rewrote with unsafe paths or another shape counts as missing', () => {
    const ok = { version: 1, files: { 'score.py': { type: 'file', size: 1, mtimeMs: 2 } } };
    assert.ok(parseManifest(Buffer.from(JSON.stringify(ok))));
    for (const bad of [
      { version: 1, files: { '../../etc/passwd': { type: 'file', size: 1, mtimeMs: 2 } } },
      { version: 1, files: { '/etc/passwd': { type: 'file', size: 1, mtimeMs: 2 } } },
      { version: 1, files: { 'a/./b': { type: 'file', size: 1, mtimeMs: 2 } } },
      { version: 1, files: { 'score.py': { type: 'socket', size: 1, mtimeMs: 2 } } },
      { version: 2, files: {} },
      [],
    ]) assert.equal(parseManifest(Buffer.from(JSON.stringify(bad))), undefined, JSON.stringify(bad));
    assert.equal(parseManifest(Buffer.from('{not json')), undefined);
    assert.equal(parseManifest(Buffer.alloc(17 * 1024 * 1024, 32)), undefined);
  });
});
