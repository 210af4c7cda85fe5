// The workspace's deployment YAMLs (they name a scoring_script): which one describes an Azure deployment,
// and which entry scripts they name. Used by Run Doctor and by the runtime findings' path mapping.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const MAX_YAML_SCAN = 200;
const MAX_YAML_BYTES = 1024 * 1024;

function readSmallYaml(u: vscode.Uri): string | undefined {
  try {
    return fs.statSync(u.fsPath).size < MAX_YAML_BYTES ? fs.readFileSync(u.fsPath, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Deployment YAMLs of the workspace (they name a scoring_script). */
export async function deploymentYamls(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles('**/*.{yml,yaml}', '**/{node_modules,.git}/**', MAX_YAML_SCAN);
  return files.filter((u) => /scoring_script/.test(readSmallYaml(u) ?? ''));
}

function parseYaml(u: vscode.Uri): Record<string, unknown> | undefined {
  const text = readSmallYaml(u);
  if (text === undefined) return undefined;
  try {
    const { parse } = require('yaml') as typeof import('yaml');
    const doc = parse(text) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not YAML we can read
  }
}

/** The workspace's deployment YAML for endpoint/deployment (endpoint_name and name), if any. */
export async function yamlFor(endpoint: string, deployment: string): Promise<vscode.Uri | undefined> {
  for (const u of await deploymentYamls()) {
    const doc = parseYaml(u);
    if (doc && String(doc.endpoint_name ?? '') === endpoint && String(doc.name ?? '') === deployment) return u;
  }
  return undefined;
}

/** The entry script a deployment YAML names (code_configuration.code + scoring_script), as a local path. */
export function entryScriptOf(yaml: vscode.Uri): string | undefined {
  const cc = parseYaml(yaml)?.code_configuration as Record<string, unknown> | undefined;
  const script = cc && typeof cc.scoring_script === 'string' ? cc.scoring_script : undefined;
  if (!script) return undefined;
  const code = typeof cc!.code === 'string' ? cc!.code : '.';
  return path.resolve(path.dirname(yaml.fsPath), code, script);
}
