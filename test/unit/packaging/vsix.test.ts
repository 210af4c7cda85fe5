// What the VSIX holds (`vsce ls`, the list `vsce package` packs): everything the manifest and the code load,
// the README's images (its relative links resolve inside the installed extension), and nothing else: no
// sources, tests, source maps, scripts, examples or the CLI package's files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
/** Bundles built but deliberately left out: the CLI is its own npm package, VS Code runs the adapter inline. */
const NOT_SHIPPED = ['dist/cli.js', 'dist/debug-adapter.js'];

describe('VSIX contents (vsce ls)', () => {
  let files: Set<string>;
  before(() => {
    assert.ok(existsSync(path.join(REPO, 'dist', 'extension.js')), 'dist/ is missing: run node esbuild.mjs first');
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    files = new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
  });

  it('holds nothing but the bundles, media, README images and the top-level documents', () => {
    const allowed = /^(package\.json|package\.nls(\.[a-z-]+)?\.json|l10n\/bundle\.l10n\.[a-z-]+\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[\w-]+\.(js|cjs|wasm)|media\/.+|docs\/screenshots\/[\w-]+\.png)$/;
    assert.deepEqual([...files].filter((f) => !allowed.test(f)), []);
    assert.deepEqual([...files].filter((f) => /\.(ts|map|svg)$/.test(f) && f !== 'media/activity.svg'), [], 'no sources, source maps or image sources');
    for (const f of NOT_SHIPPED) assert.ok(!files.has(f), `${f} is not needed by the extension`);
  });

  it('holds every bundle the build makes (but the two left out) and the parser\'s WebAssembly', () => {
    const built = readdirSync(path.join(REPO, 'dist')).map((f) => `dist/${f}`);
    const missing = built.filter((f) => !NOT_SHIPPED.includes(f) && !files.has(f));
    assert.deepEqual(missing, [], 'a bundle the extension loads is missing from the VSIX: let it in through .vscodeignore');
  });

  it('holds every file the manifest names: entry point, icons, walkthrough images', () => {
    const named: string[] = [pkg.main.replace(/^\.\//, ''), pkg.icon];
    for (const c of pkg.contributes.viewsContainers.activitybar) named.push(c.icon);
    for (const v of pkg.contributes.views.amlDoctor) if (v.icon) named.push(v.icon);
    for (const w of pkg.contributes.walkthroughs) for (const s of w.steps) named.push(s.media.image);
    assert.deepEqual(named.filter((f) => !files.has(f)), []);
  });

  it('holds the translations VS Code loads: package.nls.json and every package.nls.<locale>.json, every l10n/bundle.l10n.<locale>.json', () => {
    const locales = readdirSync(path.join(REPO, 'l10n')).map((f) => /^bundle\.l10n\.([a-z-]+)\.json$/.exec(f)?.[1]).filter((l): l is string => !!l);
    assert.ok(locales.includes('zh-tw'));
    const wanted = ['package.nls.json', ...locales.flatMap((l) => [`package.nls.${l}.json`, `${pkg.l10n.replace(/^\.\//, '')}/bundle.l10n.${l}.json`])];
    assert.deepEqual(wanted.filter((f) => !files.has(f)), []);
    assert.ok(!files.has('l10n/bundle.l10n.json'), 'the English bundle is the extraction\'s output, not needed at run time');
  });

  it('holds exactly the images the README shows, so its relative links work in the installed extension', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((u) => !/^https?:/.test(u));
    assert.ok(images.length >= 6, 'the README shows the screenshots');
    assert.deepEqual(images.filter((i) => !files.has(i)), [], 'README images missing from the VSIX');
    assert.deepEqual([...files].filter((f) => f.startsWith('docs/') && !images.includes(f)), [], 'screenshots in the VSIX that the README does not show');
  });

  it('the Marketplace icon is a real 128x128 PNG', () => {
    const png = readFileSync(path.join(REPO, pkg.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 128);
    assert.equal(png.readUInt32BE(20), 128);
    // Not a blank canvas (the placeholder was one): the inflated scanlines hold many distinct byte values.
    const idat: Buffer[] = [];
    for (let at = 8; at < png.length; ) {
      const len = png.readUInt32BE(at);
      if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
      at += 12 + len;
    }
    const distinct = new Set(inflateSync(Buffer.concat(idat))).size;
    assert.ok(distinct > 32, `media/icon.png has ${distinct} distinct byte values: a blank image?`);
  });
});
