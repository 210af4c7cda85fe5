// A PEP 503 "simple" pip index on loopback, serving wheels written here: used by `npm start` (the example's
// pip packages, repackaged from Debian's pure-Python .debs, since PyPI is not reachable) and by the
// integration tests (a wheel the test writes). A wheel is a zip: the package files, METADATA, WHEEL, RECORD.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import yazl from 'yazl';

const b64 = (buf) => createHash('sha256').update(buf).digest('base64url');
export const normalizeName = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * Writes <dir>/<name>-<version>-py3-none-any.whl. files: { 'pkg/__init__.py': 'text' | Buffer }.
 * requires: ['numpy>=1'] (Requires-Dist). Returns the wheel's path.
 */
export async function writeWheel(dir, { name, version, files, requires = [], summary = '' }) {
  mkdirSync(dir, { recursive: true });
  const dist = `${name.replace(/[-.]+/g, '_')}-${version}`;
  const info = `${dist}.dist-info`;
  const entries = Object.entries(files).map(([p, d]) => [p, Buffer.isBuffer(d) ? d : Buffer.from(d)]);
  entries.push([`${info}/METADATA`, Buffer.from([`Metadata-Version: 2.1`, `Name: ${name}`, `Version: ${version}`, ...(summary ? [`Summary: ${summary}`] : []), ...requires.map((r) => `Requires-Dist: ${r}`), ''].join('\n'))]);
  entries.push([`${info}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: aml-deploy-doctor\nRoot-Is-Purelib: true\nTag: py3-none-any\n')]);
  const record = entries.map(([p, d]) => `${p},sha256=${b64(d)},${d.length}`).concat(`${info}/RECORD,,`).join('\n') + '\n';
  entries.push([`${info}/RECORD`, Buffer.from(record)]);
  const file = path.join(dir, `${dist}-py3-none-any.whl`);
  const zip = new yazl.ZipFile();
  for (const [p, d] of entries) zip.addBuffer(d, p, { mtime: new Date(0x12000000 * 1000), mode: 0o100644 });
  zip.end();
  await new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    zip.outputStream.pipe(out).on('close', resolve).on('error', reject);
  });
  return file;
}

/**
 * Repackages a pure-Python Debian package (python3-<x>) as a wheel: its modules under
 * usr/lib/python3/dist-packages, its name and version from the .egg-info/.dist-info Debian installs.
 */
export async function wheelFromDeb(debFile, outDir) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aml-doctor-deb-'));
  try {
    execFileSync('dpkg-deb', ['-x', debFile, tmp]);
    const site = path.join(tmp, 'usr', 'lib', 'python3', 'dist-packages');
    const names = readdirSync(site);
    const meta = names.find((n) => /\.(egg|dist)-info$/.test(n));
    if (!meta) throw new Error(`${debFile} has no .egg-info or .dist-info: not a Python package`);
    const m = /^(.+?)-([^-]+?)(?:\.egg-info|\.dist-info)$/.exec(meta);
    const [name, version] = [m[1], m[2].replace(/(-py\d\.\d+)$/, '')];
    const files = {};
    const add = (rel) => {
      const abs = path.join(site, rel);
      if (statSync(abs).isDirectory()) {
        for (const c of readdirSync(abs)) if (c !== '__pycache__') add(`${rel}/${c}`);
      } else if (!/\.so$/.test(rel)) files[rel] = readFileSync(abs);
    };
    for (const n of names) if (n !== meta && !n.endsWith('.pth')) add(n);
    return await writeWheel(outDir, { name, version, files });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Serves <dir>/*.whl as a simple index on 127.0.0.1 (a free port). Returns { url, close }. */
export async function startPipIndex(dir) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const wheels = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.whl')) : [];
    const simple = /^\/simple\/([^/]+)\/?$/.exec(url.pathname);
    if (url.pathname === '/simple/' || url.pathname === '/simple') {
      const names = [...new Set(wheels.map((w) => normalizeName(w.split('-')[0])))];
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!DOCTYPE html><html><body>${names.map((n) => `<a href="${n}/">${n}</a>`).join('\n')}</body></html>`);
    }
    if (simple) {
      const want = normalizeName(decodeURIComponent(simple[1]));
      const mine = wheels.filter((w) => normalizeName(w.split('-')[0]) === want);
      if (!mine.length) {
        res.writeHead(404);
        return res.end('not found');
      }
      const links = mine.map((w) => `<a href="../../files/${w}#sha256=${createHash('sha256').update(readFileSync(path.join(dir, w))).digest('hex')}">${w}</a>`);
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!DOCTYPE html><html><body>\n${links.join('\n')}\n</body></html>`);
    }
    const file = /^\/files\/([^/]+\.whl)$/.exec(url.pathname);
    if (file && wheels.includes(decodeURIComponent(file[1]))) {
      const data = readFileSync(path.join(dir, decodeURIComponent(file[1])));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      return res.end(data);
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// `node scripts/pip-index.mjs serve DIR`: serve a folder (npm start runs it as a child process).
if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href && process.argv[2] === 'serve') {
  const idx = await startPipIndex(path.resolve(process.argv[3]));
  writeFileSync(1, `${idx.url}\n`);
}
