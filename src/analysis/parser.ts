// The real Python parser: tree-sitter-python's WebAssembly grammar through web-tree-sitter.
// Error-tolerant by design, which is what an editor needs: a half-typed file still yields a tree.
//
// The runtime (web-tree-sitter's module and its WebAssembly instance) is loaded with require() from its own
// file, not bundled, so that it can be loaded afresh: when the instance aborts (it calls abort() when its
// memory runs out), it is unusable from then on, and every later parse would throw until the process
// restarts. discardRuntime() drops it (its memory goes with it) and the next parse loads a new one.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type * as TreeSitter from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree, Parser } from 'web-tree-sitter';
type Tree = TreeSitter.Tree;
type Parser = TreeSitter.Parser;

// A require that esbuild does not follow: the runtime stays a file of its own (dist/web-tree-sitter.cjs).
const nodeRequire = createRequire(__filename);

/** Where the runtime and the two .wasm files live: next to the bundle in dist/, or in node_modules when run from source. */
function runtimeFiles(): { module: string; runtime: string; python: string } {
  for (const dir of [__dirname, path.join(__dirname, '..', '..', 'dist')]) {
    const files = { module: path.join(dir, 'web-tree-sitter.cjs'), runtime: path.join(dir, 'tree-sitter.wasm'), python: path.join(dir, 'tree-sitter-python.wasm') };
    if (existsSync(files.module) && existsSync(files.runtime) && existsSync(files.python)) return files;
  }
  // Running from source (tests, tsx): the packages' own copies.
  const modules = path.join(__dirname, '..', '..', 'node_modules');
  return {
    module: nodeRequire.resolve('web-tree-sitter'),
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

/** WebAssembly memory the parser may use (64 KiB pages). A 1 MiB module's tree takes about 35 MB; beyond this the runtime aborts and is replaced. */
const DEFAULT_MAX_MEMORY_MB = 1024;
let maxMemoryMb = DEFAULT_MAX_MEMORY_MB;

interface Runtime {
  language: TreeSitter.Language;
  /** The parser for synchronous one-shot parses (never left in the middle of a parse), made on first use. */
  shared?: Parser;
  /** Parsers for parses that may pause between slices (parseInSlices); one each while in use. */
  spare: Parser[];
  ts: typeof TreeSitter;
}

/**
 * A node's type never changes, but web-tree-sitter's `type` getter crosses into WebAssembly on every read (marshal
 * the node, look the symbol up). The rules read the types of the same nodes many times (each walks run()'s body),
 * so the first read is kept on the node object. Done on this module's own copy of the runtime.
 */
function cacheNodeTypes(ts: typeof TreeSitter): void {
  const proto = ts.Node.prototype;
  const read = Object.getOwnPropertyDescriptor(proto, 'type')?.get;
  if (!read) return;
  Object.defineProperty(proto, 'type', {
    configurable: true,
    get(this: TreeSitter.Node) {
      const type = read.call(this) as string;
      Object.defineProperty(this, 'type', { value: type });
      return type;
    },
  });
}

let ready: Promise<Runtime> | undefined;
/** The loaded runtime (set once `ready` resolved). */
let current: Runtime | undefined;
/** The language of the current runtime: trees of an older (discarded) runtime must not be touched. */
let liveLanguage: TreeSitter.Language | undefined;

function loadRuntime(): Promise<Runtime> {
  if (!ready) {
    ready = (async () => {
      const files = runtimeFiles();
      // A fresh copy of the module: its WebAssembly instance is created by Parser.init below.
      delete nodeRequire.cache[files.module];
      const ts = nodeRequire(files.module) as typeof TreeSitter;
      cacheNodeTypes(ts);
      const wasmMemory = new WebAssembly.Memory({ initial: 512, maximum: Math.max(512, Math.floor(maxMemoryMb * 16)) });
      await ts.Parser.init({ locateFile: () => files.runtime, wasmMemory } as unknown as Parameters<typeof ts.Parser.init>[0]);
      const language = await ts.Language.load(files.python);
      liveLanguage = language;
      current = { language, spare: [], ts };
      return current;
    })();
    ready.catch(() => {
      ready = undefined;
    });
  }
  return ready;
}

/** Loads the runtime and the grammar (about 50 ms the first time). */
export async function loadPythonGrammar(): Promise<void> {
  await loadRuntime();
}

function sharedParser(rt: Runtime): Parser {
  if (!rt.shared) {
    rt.shared = new rt.ts.Parser();
    rt.shared.setLanguage(rt.language);
  }
  return rt.shared;
}

/** A parser for synchronous one-shot parses (tests, tools); analyses use acquireParser(). */
export async function getPythonParser(): Promise<Parser> {
  return sharedParser(await loadRuntime());
}

/**
 * A parser of its own for a parse that may pause (parseInSlices) while other parses run. Give it back with
 * release(), which resets it; a parser of a discarded runtime is dropped instead.
 */
export async function acquireParser(): Promise<{ parser: Parser; release(): void }> {
  const rt = await loadRuntime();
  let parser = rt.spare.pop();
  if (!parser) {
    parser = new rt.ts.Parser();
    parser.setLanguage(rt.language);
  }
  const p = parser;
  let released = false;
  return {
    parser: p,
    release() {
      if (released) return;
      released = true;
      if (liveLanguage !== rt.language) return;
      try {
        p.reset();
      } catch (err) {
        if (isParserAbort(err)) return; // the runtime is going away: drop the parser with it
        throw err;
      }
      if (rt.spare.length < 4) rt.spare.push(p);
      else p.delete();
    },
  };
}

/** The error web-tree-sitter throws once its WebAssembly instance aborted or trapped: the runtime is unusable from then on. */
export function isParserAbort(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError || (err instanceof Error && err.message.startsWith('Aborted('));
}

/** Drops the current runtime (after an abort); the next parse loads a new one. Trees of the old one are never touched again. */
export function discardRuntime(): void {
  ready = undefined;
  current = undefined;
  liveLanguage = undefined;
}

/** Whether a tree belongs to the current runtime (a tree of a discarded one must be dropped, not deleted or re-used). */
export function isLiveTree(tree: Tree): boolean {
  return liveLanguage !== undefined && tree.language === liveLanguage;
}

/** Deletes a tree of the current runtime; forgets one of a discarded runtime. */
export function deleteTree(tree: Tree | undefined): void {
  if (!tree || !isLiveTree(tree)) return;
  try {
    tree.delete();
  } catch (err) {
    if (!isParserAbort(err)) throw err; // an aborted runtime is discarded by the caller, trees and all
  }
}

/** The parser's WebAssembly memory limit in MB (tests lower it to reach an abort quickly). Applies to the next runtime loaded. */
export function setParserMemoryLimit(mb: number | undefined): void {
  maxMemoryMb = mb ?? DEFAULT_MAX_MEMORY_MB;
}

export interface SliceOptions {
  /** Checked between slices: true stops the parse (a newer version of the document, or it was closed). */
  isCancelled?: () => boolean;
  /** Given the CPU milliseconds spent so far, whether the parse must stop (parseBudget). */
  overBudget: (spentMs: number) => boolean;
}

/**
 * The parse budget. Text that is not Python (random characters, another language) can take tree-sitter's error
 * recovery 10-40 times as long as Python of the same length, seconds for a few hundred KB, and the checks in
 * bounds.ts cannot recognise every such text. So a parse may take PARSE_BUDGET_RATIO times the CPU time that
 * ordinary Python of the same length takes on this machine (measured on a built-in module when a parse runs
 * past the floor, see referenceCpuMsPerChar), and never less than the floor. Measured on 303 real modules of
 * 24 KB-1 MB (Debian's Python library, the corpus scripts): median 0.6x the reference, worst 2.7x (a table of
 * numbers); random text that passes bounds.ts takes 10x and more.
 */
export const PARSE_BUDGET_RATIO = 6;
const PARSE_BUDGET_FLOOR_MS = 100;

export function parseBudget(chars: number): (spentMs: number) => boolean {
  let limit: number | undefined;
  return (spent) => {
    if (spent <= PARSE_BUDGET_FLOOR_MS) return false;
    limit ??= Math.max(PARSE_BUDGET_FLOOR_MS, PARSE_BUDGET_RATIO * referenceCpuMsPerChar() * chars);
    return spent > limit;
  };
}

let referenceCost: number | undefined;
let referenceText: string | undefined;

/**
 * CPU ms per character for ordinary Python on this machine, from parses of referencePython(): three the first
 * time, one more at every parse that passes the floor, and the lowest cost kept. A measurement taken while the
 * machine was busy would make the budget loose; the lowest one is what the machine does when it can.
 */
export function referenceCpuMsPerChar(): number {
  const rt = current;
  if (!rt) return referenceCost ?? 0; // no runtime: nothing is being parsed
  const text = (referenceText ??= referencePython());
  for (let i = referenceCost === undefined ? 3 : 1; i > 0; i--) {
    const t0 = cpuMs();
    sharedParser(rt).parse(text)?.delete();
    referenceCost = Math.min(referenceCost ?? Infinity, (cpuMs() - t0) / text.length);
  }
  return referenceCost!;
}

/** About 64 KB of ordinary Python: imports, classes, helper functions with comprehensions, dicts, f-strings, try/except. */
export function referencePython(): string {
  const out = ['"""Reference module: ordinary Python the parse budget is measured against."""', 'import json', 'import logging', 'import os', 'from typing import Any, Dict, List', '', 'import numpy as np', ''];
  let length = 0;
  for (let i = 0; length < 64 * 1024; i++) {
    const chunk = [
      '',
      `class Step${i}:`,
      `    """Feature step ${i}."""`,
      '',
      `    def __init__(self, scale: float = ${i}.5, names: List[str] | None = None) -> None:`,
      '        self.scale = scale',
      `        self.names = names or ["f${i}", "g${i}"]`,
      '',
      '    def apply(self, rows: List[Dict[str, Any]]) -> np.ndarray:',
      '        values = [[float(r.get(n, 0)) * self.scale for n in self.names] for r in rows if r]',
      '        arr = np.asarray(values, dtype=float)',
      `        if arr.ndim == 1 and arr.size > ${i % 9}:`,
      '            arr = arr.reshape(1, -1)  # a single row',
      '        return np.clip(arr, -1e6, 1e6)',
      '',
      '',
      `def load_${i}(path: str) -> Dict[str, Any]:`,
      '    try:',
      '        with open(os.path.join(path, "config.json"), encoding="utf-8") as f:',
      '            return json.load(f)',
      '    except (OSError, ValueError) as e:',
      `        logging.warning(f"step ${i}: {e!r}")`,
      `        return {"step": ${i}, "ok": False, "items": [x ** 2 for x in range(${i % 13})]}`,
    ];
    out.push(...chunk);
    length += chunk.join('\n').length;
  }
  return out.join('\n') + '\n';
}

/**
 * Wall-clock length of one slice: the event loop gets a turn at least this often during a long parse. A halt and
 * resume cost about 4 ms of CPU (measured: 25 ms slices made a 5,000-line parse 12% slower; 50 ms, within noise).
 */
const SLICE_MS = 50;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Parses in slices: tree-sitter stops after SLICE_MS (its progress callback), the event loop gets a turn (a
 * didChange or didClose can arrive), and the parse resumes where it stopped. Small files finish in one slice.
 * Resolves with the tree, or with why it stopped: 'cancelled' or 'over-budget' (the parser is reset then).
 */
export async function parseInSlices(parser: Parser, text: string, oldTree: Tree | undefined, options: SliceOptions): Promise<Tree | 'cancelled' | 'over-budget'> {
  let spent = 0;
  let sliceEnd = 0;
  let calls = 0;
  const progressCallback = () => (++calls & 7) === 0 && performance.now() > sliceEnd;
  for (;;) {
    sliceEnd = performance.now() + SLICE_MS;
    const cpu0 = cpuMs();
    const tree = parser.parse(text, oldTree, { progressCallback } as TreeSitter.ParseOptions);
    spent += cpuMs() - cpu0;
    if (tree) return tree;
    if (options.overBudget(spent)) {
      parser.reset();
      return 'over-budget';
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.isCancelled?.()) {
      parser.reset();
      return 'cancelled';
    }
  }
}
