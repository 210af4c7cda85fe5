// (unit) Host files copied into a container: links never take a file from outside the folder, the
// archive is streamed (GNU tar reads it), a file that changes mid-copy stops the copy, and aborting
// closes the file being read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArchiveAbortedError, FileChangedError, packArchive, walkFolder, type ArchiveEntry } from '../../../src/docker/archive';
import { waitForClosed } from '../../helpers/fds';

const SECRET = 'aws_secret_access_key = AMLD-TEST-SECRET-9f3c';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Lists an archive with GNU tar: "type name -> link" per entry. */
function gnuList(tar: Buffer, dir: string): string[] {
  const file = path.join(dir, 'list.tar');
  writeFileSync(file, tar);
  const r = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => `${l[0]} ${l.replace(/^(\S+\s+){5}/, '')}`);
}

describe('walkFolder + packArchive: links (unit)', () => {
  let tmp: string;
  let project: string;
  let home: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-links-'));
    home = path.join(tmp, 'home');
    project = path.join(tmp, 'project');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(path.join(home, '.aws', 'credentials'), `[default]\n${SECRET}\n`);
    mkdirSync(path.join(project, 'data'), { recursive: true });
    writeFileSync(path.join(project, 'score.py'), 'def init():\n    pass\n\n\ndef run(raw):\n    return raw\n');
    writeFileSync(path.join(project, 'data', 'real.txt'), 'inside data\n');
    // Out of the folder: absolute, relative, a whole folder, and a chain that leaves through an inside link.
    symlinkSync(path.join(home, '.aws', 'credentials'), path.join(project, 'creds'));
    symlinkSync('../../home/.aws/credentials', path.join(project, 'data', 'rel-creds'));
    symlinkSync(path.join(home, '.aws'), path.join(project, 'aws-dir'));
    symlinkSync('creds', path.join(project, 'chain'));
    symlinkSync('no-such-file', path.join(project, 'dangling'));
    // Inside: relative, absolute, and a link to the folder itself (a loop if it were followed).
    symlinkSync('data/real.txt', path.join(project, 'alias.txt'));
    symlinkSync(path.join(project, 'data', 'real.txt'), path.join(project, 'data', 'abs-alias.txt'));
    symlinkSync('..', path.join(project, 'data', 'up'));
    spawnSync('mkfifo', [path.join(project, 'pipe')]);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('never copies a file reached through a link that leaves the folder, and says which were left out', async () => {
    const walk = await walkFolder(project, 'var/azureml-app');
    const tar = await collect(packArchive(walk.entries));
    assert.equal(tar.indexOf(SECRET), -1, 'the credentials file must not be in the archive');
    const names = walk.entries.map((e) => e.name.replace('var/azureml-app/', ''));
    for (const out of ['creds', 'data/rel-creds', 'aws-dir', 'chain', 'dangling', 'pipe']) assert.ok(!names.includes(out), `${out} left out: ${names.join(', ')}`);
    const skipped = new Map(walk.skipped.map((s) => [path.relative(project, s.path), s.why]));
    for (const out of ['creds', 'data/rel-creds', 'aws-dir', 'chain']) assert.match(skipped.get(out) ?? '', /outside/, out);
    assert.match(skipped.get('dangling') ?? '', /does not exist/);
    assert.match(skipped.get('pipe') ?? '', /fifo/);
  });

  it('copies links that stay inside as links, relative to where they are (absolute ones rewritten)', async () => {
    const walk = await walkFolder(project, 'var/azureml-app');
    const list = gnuList(await collect(packArchive(walk.entries)), tmp);
    assert.ok(list.includes('l var/azureml-app/alias.txt -> data/real.txt'), list.join('\n'));
    assert.ok(list.includes('l var/azureml-app/data/abs-alias.txt -> real.txt'), list.join('\n'));
    assert.ok(list.includes('l var/azureml-app/data/up -> ..'), list.join('\n'));
    assert.ok(list.includes('- var/azureml-app/score.py'), list.join('\n'));
    assert.ok(list.includes('d var/azureml-app/data'), list.join('\n'));
  });

  it('a model folder that is itself a link is followed (the user chose it), its content judged against the real folder', async () => {
    const viaLink = path.join(tmp, 'model-link');
    symlinkSync(project, viaLink);
    try {
      const walk = await walkFolder(viaLink, 'm');
      assert.ok(walk.entries.some((e) => e.name === 'm/score.py'));
      assert.ok(walk.skipped.some((s) => s.path.endsWith('creds')));
    } finally {
      rmSync(viaLink);
    }
  });
});

describe('packArchive streaming (unit)', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-pack-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function fileEntryOf(file: string, name: string, size: number): ArchiveEntry {
    return { name, type: 'file', size, mode: 0o644, mtimeMs: Date.now(), source: file };
  }

  it('writes an archive GNU tar extracts byte for byte, names over 100 and 255 bytes included', async () => {
    const long = `${'a'.repeat(80)}/${'b'.repeat(80)}/score.py`;
    const longer = `${'c'.repeat(120)}/${'d'.repeat(120)}/${'e'.repeat(60)}.txt`;
    const src = path.join(tmp, 'src.bin');
    const content = Buffer.alloc(700_001, 7);
    writeFileSync(src, content);
    const entries: ArchiveEntry[] = [
      { name: long.split('/')[0]!, type: 'directory', size: 0, mode: 0o755, mtimeMs: Date.now() },
      { name: long.split('/').slice(0, 2).join('/'), type: 'directory', size: 0, mode: 0o755, mtimeMs: Date.now() },
      fileEntryOf(src, long, content.length),
      { name: `${longer.split('/')[0]}`, type: 'directory', size: 0, mode: 0o755, mtimeMs: Date.now() },
      { name: longer.split('/').slice(0, 2).join('/'), type: 'directory', size: 0, mode: 0o755, mtimeMs: Date.now() },
      { name: longer, type: 'file', size: 3, mode: 0o755, mtimeMs: Date.now(), data: Buffer.from('pax') },
    ];
    const out = path.join(tmp, 'x');
    mkdirSync(out);
    writeFileSync(path.join(out, 'a.tar'), await collect(packArchive(entries)));
    const r = spawnSync('tar', ['-xf', 'a.tar'], { cwd: out, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(spawnSync('cmp', [src, path.join(out, long)]).status === 0, 'file content intact');
    assert.equal(spawnSync('cat', [path.join(out, longer)], { encoding: 'utf8' }).stdout, 'pax');
    assert.match(spawnSync('tar', ['-tvf', 'a.tar'], { cwd: out, encoding: 'utf8' }).stdout, /-rwxr-xr-x .*eeee\.txt/);
  });

  it('a file that shrinks while it is copied stops the copy with a message naming it', async () => {
    const src = path.join(tmp, 'shrinks.bin');
    writeFileSync(src, Buffer.alloc(4 * 1024 * 1024, 1));
    let cut = false;
    const stream = packArchive([fileEntryOf(src, 'shrinks.bin', 4 * 1024 * 1024)], {
      onBytes: () => {
        if (!cut) truncateSync(src, 1024);
        cut = true;
      },
    });
    await assert.rejects(collect(stream), (e: unknown) => {
      assert.ok(e instanceof FileChangedError, String(e));
      assert.match(e.message, /shrinks\.bin changed while it was being copied/);
      return true;
    });
  });

  it('aborting mid-copy ends the stream and closes the file being read', async () => {
    const src = path.join(tmp, 'big.bin');
    writeFileSync(src, '');
    truncateSync(src, 256 * 1024 * 1024); // sparse: no disk used
    const abort = new AbortController();
    let seen = 0;
    const stream = packArchive([fileEntryOf(src, 'big.bin', 256 * 1024 * 1024)], {
      signal: abort.signal,
      onBytes: (n) => {
        seen = n;
        if (n >= 4 * 1024 * 1024) abort.abort();
      },
    });
    await assert.rejects(collect(stream), (e: unknown) => e instanceof ArchiveAbortedError);
    await waitForClosed(src);
    assert.ok(seen < 256 * 1024 * 1024, `stopped after ${seen} bytes`);
  });
});
