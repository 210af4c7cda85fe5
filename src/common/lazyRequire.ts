// Loads a heavy dependency on first use from its own bundle next to the running bundle (dist/<name>.js),
// or from node_modules when running from source (tests). Keeps activation from paying for it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

// A require that esbuild does not follow, so the module is not inlined into the caller's bundle.
const nodeRequire = createRequire(__filename);

export function lazyRequire<T>(bundleFile: string, moduleName: string): T {
  const bundled = path.join(__dirname, bundleFile);
  return (existsSync(bundled) ? nodeRequire(bundled) : nodeRequire(moduleName)) as T;
}
