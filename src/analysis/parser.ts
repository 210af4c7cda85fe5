// The real Python parser: tree-sitter-python's WebAssembly grammar through web-tree-sitter.
// Error-tolerant by design, which is what an editor needs: a half-typed file still yields a tree.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

let ready: Promise<Parser> | undefined;

/** Where the two .wasm files live: next to the bundle in dist/, or in node_modules when run from source. */
function wasmPaths(): { runtime: string; python: string } {
  const candidates = [__dirname, path.join(__dirname, '..', '..', 'dist')];
  for (const dir of candidates) {
    const runtime = path.join(dir, 'tree-sitter.wasm');
    const python = path.join(dir, 'tree-sitter-python.wasm');
    if (existsSync(runtime) && existsSync(python)) return { runtime, python };
  }
  // Running from source (tests, tsx): the packages' own copies.
  const modules = path.join(__dirname, '..', '..', 'node_modules');
  return {
    runtime: path.join(modules, 'web-tree-sitter', 'tree-sitter.wasm'),
    python: path.join(modules, 'tree-sitter-python', 'tree-sitter-python.wasm'),
  };
}

/**
 * Keeps the grammar on V8's baseline WebAssembly compiler (Liftoff). With the default dynamic tiering the
 * first parse of a big file pays for TurboFan recompiling tree-sitter's huge lexer function: measured here,
 * the first parse of a 2,000-line file took 160-195 ms instead of 39 ms, and the optimising compile added
 * about 20 MB to peak RSS. Steady-state parsing is within 10-40% either way, and incremental re-parses are
 * small. Call it from a process entry (language server, CLI) before the first getPythonParser(): the flag
 * is process-wide, so a library that happens to import this module must not set it.
 */
export function preferBaselineWasmCompiler(): void {
  setFlagsFromString('--liftoff-only');
}

/** Returns the shared parser, loading the grammar on first use (about 50 ms). */
export function getPythonParser(): Promise<Parser> {
  if (!ready) {
    ready = (async () => {
      const { runtime, python } = wasmPaths();
      await Parser.init({ locateFile: () => runtime });
      const language = await Language.load(python);
      const parser = new Parser();
      parser.setLanguage(language);
      return parser;
    })();
    ready.catch(() => {
      ready = undefined;
    });
  }
  return ready;
}
