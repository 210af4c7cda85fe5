// A PEP 503 "simple" pip index on loopback, serving wheels written here: used by `npm start` (the example's
// pip packages, repackaged from Debian's pure-Python .debs, since PyPI is not reachable) and by the
// integration tests (a wheel the test writes). A wheel is a zip: the package files, METADATA, WHEEL, RECORD.
import { execFileSync, spawnSync } from 'node:child_process';
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
  for (const [p, d] of entries) zip.addBuffer(d, p, { mtime: new Date('2020-01-01T00:00:00Z'), mode: 0o100644 });
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

/** The pip packages of an example project's conda file (environment/conda.yml, its pip section), by name. */
export function examplePipPackages(exampleDir) {
  const lines = readFileSync(path.join(exampleDir, 'environment', 'conda.yml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\s*- pip:\s*$/.test(l));
  if (start < 0) return [];
  return lines.slice(start + 1).map((l) => /^\s+-\s+([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(l)?.[1]).filter(Boolean).map(normalizeName);
}

/**
 * Wheels for the example's pip packages, repackaged from Debian's python3-<name> (apt-get download; cached
 * in wheelsDir). Returns one line per package for the console.
 */
export async function exampleWheels(exampleDir, wheelsDir, debsDir) {
  mkdirSync(wheelsDir, { recursive: true });
  mkdirSync(debsDir, { recursive: true });
  const out = [];
  for (const name of examplePipPackages(exampleDir)) {
    const have = readdirSync(wheelsDir).find((w) => normalizeName(w.split('-')[0]) === name);
    if (have) {
      out.push(`${have} (cached)`);
      continue;
    }
    const r = spawnSync('apt-get', ['download', `python3-${name}`], { cwd: debsDir, encoding: 'utf8' });
    const deb = readdirSync(debsDir).find((f) => f.startsWith(`python3-${name}_`) && f.endsWith('.deb'));
    if (r.status !== 0 || !deb) {
      out.push(`no Debian package python3-${name}: ${name} is not on the local index`);
      continue;
    }
    out.push(path.basename(await wheelFromDeb(path.join(debsDir, deb), wheelsDir)));
  }
  return out;
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
