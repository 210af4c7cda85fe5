// SDK v1 deployment scripts (the troubleshooting guide's own code) as a local deployment source, read with
// the tree-sitter analysis: `InferenceConfig(entry_script=..., source_directory=..., environment=env)`
// with `env` from `Environment.from_conda_specification(name, file_path)`, `from_pip_requirements(name,
// file_path)`, `from_dockerfile(name, dockerfile)`, `Environment.get(ws, name, version)` (a registered
// environment), `env.docker.base_image = ...`, `CondaDependencies.create(conda_packages=[...],
// pip_packages=[...])`; the older `InferenceConfig(conda_file=..., base_image=...)`; the model from
// `Model.register(model_path=..., model_name=...)`; the port from `LocalWebservice.deploy_configuration(port=)`
// and the service name from `Model.deploy(ws, name, ...)`. Only literal strings are read: nothing runs.
import * as path from 'node:path';
import { getPythonParser, type SyntaxNode } from '../analysis/parser';
import { stringValue } from '../analysis/checks';
import { lastName, named } from '../analysis/pyast';
import type { EnvironmentSpec } from './types';

export interface SdkV1Deployment {
  /** Service name (Model.deploy's name), when given. */
  service?: string;
  sourceDir: string;
  /** Relative to sourceDir. */
  entryScript: string;
  environment: EnvironmentSpec;
  /** The environment's name in the script (Environment name=...). */
  environmentName?: string;
  modelPath?: string;
  modelName?: string;
  port?: number;
  /** 1-based line of the InferenceConfig call. */
  line: number;
}

interface Call {
  name: string;
  node: SyntaxNode;
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
}

function callOf(node: SyntaxNode | null | undefined): Call | undefined {
  if (!node || node.type !== 'call') return undefined;
  const fn = node.childForFieldName('function');
  const args = node.childForFieldName('arguments');
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  for (const a of named(args)) {
    if (a.type === 'keyword_argument') {
      const k = a.childForFieldName('name')?.text;
      const v = a.childForFieldName('value');
      if (k && v) keywords.set(k, v);
    } else if (a.type !== 'list_splat' && a.type !== 'dictionary_splat') positional.push(a);
  }
  return { name: fn?.text ?? '', node, positional, keywords };
}

function arg(call: Call, keyword: string, position: number): SyntaxNode | undefined {
  return call.keywords.get(keyword) ?? call.positional[position];
}

function str(node: SyntaxNode | undefined): string | undefined {
  return node && node.type === 'string' ? stringValue(node) : undefined;
}

function strings(node: SyntaxNode | undefined): string[] {
  if (!node || node.type !== 'list') return [];
  return named(node).map((n) => str(n)).filter((s): s is string => s !== undefined);
}

/** Conda YAML text for CondaDependencies.create(conda_packages=[...], pip_packages=[...]). */
function condaTextFrom(call: Call, name: string | undefined): string {
  const conda = strings(call.keywords.get('conda_packages'));
  const pip = strings(call.keywords.get('pip_packages'));
  const py = str(call.keywords.get('python_version'));
  const lines = [`name: ${JSON.stringify(name ?? 'environment')}`, 'dependencies:'];
  lines.push(`  - ${JSON.stringify(py ? `python=${py}` : 'python')}`);
  for (const c of conda) lines.push(`  - ${JSON.stringify(c)}`);
  if (pip.length) {
    lines.push('  - pip', '  - pip:');
    for (const p of pip) lines.push(`      - ${JSON.stringify(p)}`);
  }
  return lines.join('\n') + '\n';
}

/** Reads an SDK v1 deployment script; undefined when it has no InferenceConfig(...) naming an entry script. */
export async function readSdkV1Deployment(text: string, scriptPath: string): Promise<SdkV1Deployment | undefined> {
  if (!/InferenceConfig/.test(text)) return undefined; // cheap pre-check
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return undefined;
  try {
    return readTree(tree.rootNode, scriptPath);
  } finally {
    tree.delete();
  }
}

function readTree(root: SyntaxNode, scriptPath: string): SdkV1Deployment | undefined {
  const dir = path.dirname(scriptPath);
  const rel = (p: string | undefined, base = dir) => (p ? path.resolve(base, p) : undefined);
  // Variables: the last assignment before use wins; env.docker.base_image-style attribute assignments.
  const calls = new Map<string, Call>();
  const baseImages = new Map<string, string>();
  const condaDeps = new Map<string, Call>();
  let inference: Call | undefined;
  let modelRegister: Call | undefined;
  let deployConfig: Call | undefined;
  let modelDeploy: Call | undefined;
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const call = callOf(right);
      if (left?.type === 'identifier' && call) {
        calls.set(left.text, call);
        if (lastName(call.node.childForFieldName('function')) === 'create' && /CondaDependencies/.test(call.name)) condaDeps.set(left.text, call);
      }
      if (left?.type === 'attribute') {
        const target = left.text.replace(/\s+/g, '');
        const m = /^(\w+)\.docker\.base_image$/.exec(target);
        const s = str(right ?? undefined);
        if (m && s) baseImages.set(m[1]!, s);
        const c = /^(\w+)\.python\.conda_dependencies$/.exec(target);
        if (c && right) {
          const deps = callOf(right) ?? (right.type === 'identifier' ? condaDeps.get(right.text) : undefined);
          if (deps) condaDeps.set(`${c[1]}.python`, deps);
        }
      }
    }
    if (node.type === 'call') {
      const call = callOf(node)!;
      const last = lastName(node.childForFieldName('function'));
      if (last === 'InferenceConfig' && (call.keywords.has('entry_script') || call.positional.length)) inference = call;
      else if (last === 'register' && /Model/.test(call.name)) modelRegister = call;
      else if (last === 'deploy_configuration' && /LocalWebservice/.test(call.name)) deployConfig = call;
      else if (last === 'deploy' && /^Model\b/.test(call.name)) modelDeploy = call;
    }
    for (const c of named(node)) visit(c);
  };
  visit(root);
  if (!inference) return undefined;
  const entry = str(arg(inference, 'entry_script', 0));
  if (!entry) return undefined;
  const sourceDir = rel(str(inference.keywords.get('source_directory'))) ?? dir;
  const origin = `${path.basename(scriptPath)} (InferenceConfig, line ${inference.node.startPosition.row + 1})`;
  let environment: EnvironmentSpec = { origin };
  let environmentName: string | undefined;
  const envNode = inference.keywords.get('environment');
  const envVar = envNode?.type === 'identifier' ? envNode.text : undefined;
  const envCall = envVar ? calls.get(envVar) : callOf(envNode);
  if (envCall) {
    const method = lastName(envCall.node.childForFieldName('function'));
    environmentName = str(arg(envCall, 'name', method === 'get' ? 1 : 0));
    if (method === 'from_conda_specification') environment.condaFile = rel(str(arg(envCall, 'file_path', 1)));
    else if (method === 'from_pip_requirements') environment.requirementsFile = rel(str(arg(envCall, 'file_path', 1)));
    else if (method === 'from_dockerfile') {
      const dockerfile = str(arg(envCall, 'dockerfile', 1));
      if (dockerfile && !/\n/.test(dockerfile)) {
        const abs = rel(dockerfile)!;
        environment.build = { context: path.dirname(abs), dockerfile: path.basename(abs) };
      }
      const conda = str(envCall.keywords.get('conda_specification'));
      if (conda) environment.condaFile = rel(conda);
    } else if (method === 'get' && environmentName) {
      const version = str(arg(envCall, 'version', 2));
      environment.azureml = { raw: `azureml:${environmentName}${version ? `:${version}` : '@latest'}`, name: environmentName, version, label: version ? undefined : 'latest' };
    }
  }
  if (envVar && baseImages.has(envVar)) environment.image = baseImages.get(envVar);
  const deps = envVar ? condaDeps.get(`${envVar}.python`) : undefined;
  if (deps && !environment.condaFile) environment.condaText = condaTextFrom(deps, environmentName);
  // The older InferenceConfig(conda_file=..., base_image=...) form (paths relative to source_directory).
  const condaKw = str(inference.keywords.get('conda_file'));
  if (condaKw && !environment.condaFile) environment.condaFile = rel(condaKw, sourceDir);
  const baseKw = str(inference.keywords.get('base_image'));
  if (baseKw && !environment.image) environment.image = baseKw;
  if (environment.build && (environment.image || environment.condaText)) environment = { origin, build: environment.build };

  const portNode = deployConfig ? arg(deployConfig, 'port', 0) : undefined;
  const port = portNode?.type === 'integer' ? Number(portNode.text) : undefined;
  return {
    service: modelDeploy ? str(arg(modelDeploy, 'name', 1)) : undefined,
    sourceDir,
    entryScript: path.relative(sourceDir, path.resolve(sourceDir, entry)).split(path.sep).join('/'),
    environment,
    environmentName,
    modelPath: modelRegister ? rel(str(arg(modelRegister, 'model_path', 1))) : undefined,
    modelName: modelRegister ? str(arg(modelRegister, 'model_name', 2)) : undefined,
    port: Number.isInteger(port) && port! > 0 && port! < 65536 ? port : undefined,
    line: inference.node.startPosition.row + 1,
  };
}
