// (unit) Docker stream framing, newline-delimited JSON and the tar writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DockerStreamDemuxer, JsonLineSplitter, createTar } from '../../../src/docker/streams';

function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('DockerStreamDemuxer (unit)', () => {
  it('splits stdout/stderr frames even when a frame arrives in pieces', () => {
    const all = Buffer.concat([frame(1, 'Booting worker\n'), frame(2, 'Traceback (most recent call last):\n'), frame(1, 'ok\n')]);
    const d = new DockerStreamDemuxer();
    const out: { stream: string; data: string }[] = [];
    for (let i = 0; i < all.length; i += 5) for (const f of d.push(all.subarray(i, i + 5))) out.push({ stream: f.stream, data: f.data.toString() });
    assert.deepEqual(out, [
      { stream: 'stdout', data: 'Booting worker\n' },
      { stream: 'stderr', data: 'Traceback (most recent call last):\n' },
      { stream: 'stdout', data: 'ok\n' },
    ]);
  });

  it('passes a TTY (unframed) stream through unchanged', () => {
    const d = new DockerStreamDemuxer();
    assert.equal(d.push(Buffer.from('plain text\n')).map((f) => f.data.toString()).join(''), 'plain text\n');
    assert.equal(d.push(Buffer.from('more\n')).map((f) => f.data.toString()).join(''), 'more\n');
  });
});

describe('JsonLineSplitter (unit)', () => {
  it('joins objects split across chunks and reports malformed lines without throwing', () => {
    const s = new JsonLineSplitter();
    const bad: string[] = [];
    assert.deepEqual(s.push('{"Action":"st', (l) => bad.push(l)), []);
    assert.deepEqual(s.push('art"}\n{"Action":"die"}\nnot json\n', (l) => bad.push(l)), [{ Action: 'start' }, { Action: 'die' }]);
    assert.deepEqual(bad, ['not json']);
  });
});

describe('createTar (unit)', () => {
  it('writes an archive that GNU tar lists and extracts, including paths over 100 and 255 bytes', () => {
    const long = `${'a'.repeat(80)}/${'b'.repeat(80)}/score.py`;
    const longer = `${'c'.repeat(120)}/${'d'.repeat(120)}/${'e'.repeat(60)}.txt`;
    const tar = createTar([
      { path: 'var/' },
      { path: 'var/azureml-app/' },
      { path: 'var/azureml-app/score.py', data: Buffer.from('def init():\n    pass\n') },
      { path: 'var/azureml-app/start.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { path: `${long.split('/').slice(0, 1).join('/')}/` },
      { path: `${long.split('/').slice(0, 2).join('/')}/` },
      { path: long, data: Buffer.from('x'.repeat(1000)) },
      { path: `${longer.split('/')[0]}/` },
      { path: `${longer.split('/').slice(0, 2).join('/')}/` },
      { path: longer, data: Buffer.from('pax') },
    ]);
    assert.equal(tar.length % 512, 0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-tar-'));
    try {
      writeFileSync(path.join(dir, 'a.tar'), tar);
      const r = spawnSync('tar', ['-xf', 'a.tar'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(path.join(dir, 'var/azureml-app/score.py'), 'utf8'), 'def init():\n    pass\n');
      assert.equal(readFileSync(path.join(dir, long), 'utf8').length, 1000);
      assert.equal(readFileSync(path.join(dir, longer), 'utf8'), 'pax');
      const ls = spawnSync('tar', ['-tvf', 'a.tar'], { cwd: dir, encoding: 'utf8' }).stdout;
      assert.match(ls, /-rwxr-xr-x .* var\/azureml-app\/start\.sh/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
