// The README's two commands run on a fresh clone, before node_modules exists: `npm start` (scripts/start.mjs)
// and `npm test` (scripts/test.mjs) install the npm packages themselves (ensureDeps). So what they import
// statically, and what those modules import statically in turn, must be Node's own modules or the repo's
// files: an npm package there fails at load, before ensureDeps runs (start.mjs imported pip-index.mjs, which
// imports yazl: `npm start` on a fresh clone stopped with ERR_MODULE_NOT_FOUND). Dynamic import() after
// ensureDeps is how such modules are loaded.
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Static import/export-from specifiers of an ES module (not import(), which runs when reached). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  // `import x from 'm'`, `import { a,\n b } from 'm'`, `import 'm'`, `export { a } from 'm'`, `export * from 'm'`.
  for (const m of text.matchAll(/^import\s+(?:[\w*\s{},$]+?\s*from\s*)?['"]([^'"\n]+)['"]|^export\s+(?:\*(?:\s+as\s+\w+)?|\{[\w\s,$]*\})\s*from\s*['"]([^'"\n]+)['"]/gm)) out.push((m[1] ?? m[2])!);
  return out;
}

/** npm packages reachable through static imports from `entry`, with the chain that reaches each. */
function packagesReached(entry: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        visit(path.resolve(path.dirname(file), spec), [...chain, spec]);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        found.push(`${[...chain, spec].join(' -> ')}`);
      }
    }
  };
  visit(entry, [path.relative(REPO, entry)]);
  return found;
}

describe('the README commands on a fresh clone (unit)', () => {
  for (const script of ['scripts/start.mjs', 'scripts/test.mjs']) {
    it(`${script} loads before node_modules exists: no npm package among its static imports`, () => {
      assert.deepEqual(packagesReached(path.join(REPO, script)), []);
    });
  }
  it('the check sees a package reached through a local module (pip-index.mjs imports yazl)', () => {
    assert.deepEqual(packagesReached(path.join(REPO, 'scripts', 'pip-index.mjs')), ['scripts/pip-index.mjs -> yazl']);
  });
});
