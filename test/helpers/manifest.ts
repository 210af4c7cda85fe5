// package.json as VS Code reads it: every "%key%" replaced by its text from package.nls.json, or from
// package.nls.<locale>.json when a locale is given (a key missing there falls back to English, as in VS Code).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(path.join(REPO, file), 'utf8'));

export function localizedManifest(locale?: string): any {
  const english = read('package.nls.json') as Record<string, string>;
  const texts = locale ? { ...english, ...(read(`package.nls.${locale}.json`) as Record<string, string>) } : english;
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = /^%([^%]+)%$/.exec(v);
      return m && m[1]! in texts ? texts[m[1]!] : v;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve(read('package.json'));
}
