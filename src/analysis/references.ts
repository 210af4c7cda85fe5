// Which files are entry scripts because something names them: InferenceConfig(entry_script=...),
// CodeConfiguration(code=..., scoring_script=...), an online/batch deployment YAML's
// code_configuration.scoring_script, or a v1 inference-config file's entryScript. Also the conda files
// a deployment YAML uses. Pure: text in, relative paths out; resolveReference() makes them absolute.
import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { MAX_SOURCE_CHARS, precheckSource } from './bounds';
import { acquireParser, deleteTree, discardRuntime, isParserAbort, parseBudget, parseInSlices, type Tree } from './parser';
import { named } from './pyast';
import { stringValue } from './checks';

export interface EntryReference {
  /** The script as written (relative to codeDir, or to the referencing file's folder). */
  script: string;
  codeDir?: string;
}

export interface References {
  scripts: EntryReference[];
  condaFiles: string[];
}

const SCRIPT_KEYS = new Set(['entry_script', 'scoring_script', 'entryScript', 'scoringScript']);
const DIR_KEYS = new Set(['source_directory', 'code', 'sourceDirectory']);

export async function pythonReferences(text: string): Promise<References> {
  const out: References = { scripts: [], condaFiles: [] };
  if (text.length > MAX_SOURCE_CHARS) return out; // the analysis' own bounds (below: minified, not Python)
  if (!/entry_script|scoring_script|conda_file/.test(text)) return out; // cheap pre-check: most files name neither
  if (precheckSource(text)) return out;
  const lease = await acquireParser();
  let tree: Tree | undefined;
  try {
    const parsed = await parseInSlices(lease.parser, text, undefined, { overBudget: parseBudget(text.length) });
    if (typeof parsed === 'string') return out; // over the time budget: not Python
    tree = parsed;
    for (const args of tree.rootNode.descendantsOfType('argument_list')) {
      if (!args) continue;
      let script: string | undefined;
      let codeDir: string | undefined;
      for (const kw of named(args)) {
        if (kw.type !== 'keyword_argument') continue;
        const name = kw.childForFieldName('name')?.text ?? '';
        const value = kw.childForFieldName('value');
        const str = value?.type === 'string' ? stringValue(value) : undefined;
        if (str === undefined) continue;
        if (SCRIPT_KEYS.has(name)) script = str;
        else if (DIR_KEYS.has(name)) codeDir = str;
        else if (name === 'conda_file') out.condaFiles.push(str);
      }
      if (script) out.scripts.push({ script, codeDir });
    }
    return out;
  } catch (err) {
    if (!isParserAbort(err)) throw err;
    discardRuntime(); // the next parse loads a new runtime
    return { scripts: [], condaFiles: [] };
  } finally {
    deleteTree(tree);
    lease.release();
  }
}

/** Code cells of a Jupyter notebook as one Python text (magics and shell lines blanked). */
export function notebookPython(text: string): string {
  try {
    const nb = JSON.parse(text) as { cells?: { cell_type?: string; source?: string | string[] }[] };
    return (nb.cells ?? [])
      .filter((c) => c.cell_type === 'code')
      // [ \t]*, not \s*: \s crosses line breaks, and from every line start it would scan all the blank lines after it.
      .map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source ?? '').replace(/^[ \t]*[%!].*$/gm, ''))
      .join('\n\n');
  } catch {
    return '';
  }
}

export function yamlReferences(text: string): References {
  const out: References = { scripts: [], condaFiles: [] };
  if (!/scoring_script|entry_script|entryScript|conda_file|condaFile/.test(text)) return out;
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false });
  } catch {
    return out;
  }
  const visit = (node: YamlNode | null | undefined, depth: number): void => {
    if (!node || depth > 20) return;
    if (isMap(node)) {
      let script: string | undefined;
      let codeDir: string | undefined;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const value = pair.value as YamlNode | null;
        if (isScalar(value) && typeof value.value === 'string') {
          if (SCRIPT_KEYS.has(key)) script = value.value;
          else if (DIR_KEYS.has(key)) codeDir = value.value;
          else if (key === 'conda_file' || key === 'condaFile') out.condaFiles.push(value.value);
        } else visit(value, depth + 1);
      }
      if (script) out.scripts.push({ script, codeDir });
    } else if (isSeq(node)) for (const i of node.items) visit(i as YamlNode, depth + 1);
  };
  visit(doc.contents as YamlNode, 0);
  return out;
}

/** Absolute path of a referenced file, relative to the folder of the file that names it. Remote code (azureml:, http) is skipped. */
export function resolveReference(referencingFile: string, ref: string, codeDir?: string): string | undefined {
  if (/^(azureml:|https?:|wasbs?:|abfss?:)/.test(ref) || (codeDir && /^(azureml:|https?:|wasbs?:|abfss?:)/.test(codeDir))) return undefined;
  if (path.isAbsolute(ref)) return path.normalize(ref);
  return path.resolve(path.dirname(referencingFile), codeDir ?? '.', ref);
}
