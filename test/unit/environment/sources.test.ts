// Every way users describe an environment: the CLI v2 deployment YAML forms (inline image + conda file,
// inline build context, environment YAML file by reference, azureml: references, registry references),
// the SDK v1 deployment script forms read with tree-sitter, and the conda / requirements parsers.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalDeployError } from '../../../src/docker/localDeploy';
import { parseCondaFile, parseRequirements, EnvironmentFileError } from '../../../src/environment/condaFile';
import { configFromDeploymentYaml, environmentOfDeployment, readSmall } from '../../../src/environment/deploymentYaml';
import { readSdkV1Deployment } from '../../../src/environment/sdkv1';
import { parseAzureEnvironmentRef } from '../../../src/environment/types';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-unit-'));
  mkdirSync(path.join(dir, 'env'));
  writeFileSync(path.join(dir, 'env', 'conda.yml'), 'dependencies:\n  - python=3.11\n');
  writeFileSync(path.join(dir, 'env', 'environment.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: diabetes-env\nversion: 3\nimage: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest\nconda_file: conda.yml\n');
  writeFileSync(path.join(dir, 'env', 'docker-env.yml'), 'name: docker-env\nbuild:\n  path: ../docker-context\n  dockerfile_path: Dockerfile.cpu\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const deploymentYaml = (environment: string) => `name: green\nendpoint_name: ep\nmodel:\n  path: ./model.pkl\ncode_configuration:\n  code: ./src\n  scoring_script: score.py\nenvironment_variables:\n  WORKERS: 2\n  "bad name": x\n${environment}`;

describe('CLI v2 deployment YAML environments (unit)', () => {
  const read = (env: string, baseImage = 'fallback/image:1') => configFromDeploymentYaml(deploymentYaml(env), path.join(dir, 'deployment.yml'), { baseImage });

  it('inline image + conda_file: the deployment\'s image wins over the fallback setting', () => {
    const c = read('environment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\n  conda_file: env/conda.yml\n');
    assert.equal(c.baseImage, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
    assert.deepEqual(c.environment, { origin: 'deployment.yml (environment)', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest', condaFile: path.join(dir, 'env', 'conda.yml') });
    assert.equal(c.sourceDir, path.join(dir, 'src'));
    assert.deepEqual(c.env, { WORKERS: '2' }, 'environment_variables with valid names only');
  });

  it('inline conda_file without an image falls back to the setting', () => {
    const c = read('environment:\n  conda_file: env/conda.yml\n');
    assert.equal(c.environment?.image, undefined);
    assert.equal(c.baseImage, 'fallback/image:1');
  });

  it('inline build context (path, dockerfile_path; Dockerfile by default)', () => {
    assert.deepEqual(read('environment:\n  build:\n    path: ./docker\n    dockerfile_path: images/Dockerfile\n').environment?.build, { context: path.join(dir, 'docker'), dockerfile: 'images/Dockerfile' });
    assert.deepEqual(read('environment:\n  build:\n    path: ./docker\n').environment?.build, { context: path.join(dir, 'docker'), dockerfile: 'Dockerfile' });
    assert.throws(() => read('environment:\n  build:\n    path: ./docker\n  image: x:1\n'), /both build and image\/conda_file/);
    assert.throws(() => read('environment:\n  build:\n    dockerfile_path: Dockerfile\n'), /build has no path/);
  });

  it('a reference to an environment YAML file (plain path or file:), paths relative to that file', () => {
    for (const ref of ['env/environment.yml', 'file:env/environment.yml']) {
      const c = read(`environment: ${ref}\n`);
      assert.equal(c.environment?.origin, 'environment.yml');
      assert.equal(c.environment?.image, 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest');
      assert.equal(c.environment?.condaFile, path.join(dir, 'env', 'conda.yml'));
      assert.equal(c.baseImage, 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest');
    }
    assert.deepEqual(read('environment: env/docker-env.yml\n').environment?.build, { context: path.join(dir, 'docker-context'), dockerfile: 'Dockerfile.cpu' });
    assert.throws(() => read('environment: env/missing.yml\n'), /environment file .*missing\.yml does not exist/);
    assert.throws(() => read('environment: env/conda.yml\n'), /is a conda file, not an environment YAML/);
  });

  it('registered environments: azureml:<name>:<version>, @latest, bare name; registries and malformed refs are explained', () => {
    assert.deepEqual(read('environment: azureml:diabetes-env:7\n').environment?.azureml, { raw: 'azureml:diabetes-env:7', name: 'diabetes-env', version: '7', label: undefined });
    assert.deepEqual(read('environment: azureml:diabetes-env@latest\n').environment?.azureml, { raw: 'azureml:diabetes-env@latest', name: 'diabetes-env', version: undefined, label: 'latest' });
    assert.equal(parseAzureEnvironmentRef('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu')?.label, 'latest');
    assert.throws(() => read('environment: azureml://registries/azureml/environments/sklearn-1.5/versions/1\n'), /Azure ML registry/);
    assert.throws(() => read('environment: "azureml:bad name:1"\n'), /is not azureml:<name>:<version>/);
    assert.equal(environmentOfDeployment(undefined, path.join(dir, 'd.yml')), undefined);
  });

  it('an inline conda specification (mapping) becomes conda text', () => {
    const spec = read('environment:\n  image: i:1\n  conda_file:\n    name: inline\n    dependencies:\n      - python=3.10\n      - pip:\n          - joblib==1.2.0\n').environment!;
    assert.deepEqual(parseCondaFile(spec.condaText!).pip.map((p) => p.spec), ['joblib==1.2.0']);
  });

  it('bad YAML and a missing scoring script are invalid configurations', () => {
    assert.throws(() => configFromDeploymentYaml('name: [unclosed', '/x/d.yml', { baseImage: 'i' }), (e: unknown) => e instanceof LocalDeployError && e.kind === 'invalid-config');
    assert.throws(() => configFromDeploymentYaml('name: blue\n', '/x/d.yml', { baseImage: 'i' }), /scoring_script/);
  });
});

describe('conda and requirements files (unit)', () => {
  it('conda packages and the pip section with their 1-based lines; channel prefixes and extras normalised', () => {
    const d = parseCondaFile('name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - conda-forge::NumPy=1.24\n  - pip\n  - pip:\n      - scikit_learn[all]>=1.3\n      - Azure.Core==1.0\n');
    assert.equal(d.name, 'x');
    assert.deepEqual(d.channels, ['conda-forge']);
    assert.deepEqual(d.conda.map((p) => [p.name, p.line]), [['python', 5], ['numpy', 6], ['pip', 7]]);
    assert.deepEqual(d.pip.map((p) => [p.name, p.line, p.spec]), [['scikit-learn', 9, 'scikit_learn[all]>=1.3'], ['azure-core', 10, 'Azure.Core==1.0']]);
  });

  it('a file that is not a conda environment is refused with its line', () => {
    assert.throws(() => parseCondaFile('name: x\n'), (e: unknown) => e instanceof EnvironmentFileError && /no dependencies: list/.test(e.message));
    assert.throws(() => parseCondaFile('dependencies:\n  - a\n  b: [\n'), (e: unknown) => e instanceof EnvironmentFileError && e.line !== undefined);
  });

  it('requirements.txt: comments, options and blank lines skipped; lines kept', () => {
    const r = parseRequirements('# pinned\n--extra-index-url https://x\n\njoblib==1.2.0  # ok\nscikit-learn>=1.3\n');
    assert.deepEqual(r.map((p) => [p.name, p.line, p.spec]), [['joblib', 4, 'joblib==1.2.0'], ['scikit-learn', 5, 'scikit-learn>=1.3']]);
  });
});

describe('SDK v1 deployment scripts (unit, tree-sitter)', () => {
  const script = path.join('/proj', 'deploy', 'deploy_local.py');

  it('the guide\'s LocalWebservice script: conda specification, base image, model, port, service name', async () => {
    const text = [
      'from azureml.core import Environment, Model, Workspace',
      'from azureml.core.model import InferenceConfig',
      'from azureml.core.webservice import LocalWebservice',
      '',
      'ws = Workspace.from_config()',
      'model = Model.register(ws, model_path="../model/diabetes.pkl", model_name="diabetes")',
      'env = Environment.from_conda_specification(name="diabetes-env", file_path="../environment/conda.yml")',
      'env.docker.base_image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"',
      'inference_config = InferenceConfig(',
      '    entry_script="score.py",',
      '    source_directory="../src",',
      '    environment=env,',
      ')',
      'deployment_config = LocalWebservice.deploy_configuration(port=6789)',
      'service = Model.deploy(ws, "local-diabetes", [model], inference_config, deployment_config)',
      '',
    ].join('\n');
    const d = await readSdkV1Deployment(text, script);
    assert.ok(d);
    assert.equal(d.service, 'local-diabetes');
    assert.equal(d.sourceDir, '/proj/src');
    assert.equal(d.entryScript, 'score.py');
    assert.equal(d.line, 9);
    assert.equal(d.environmentName, 'diabetes-env');
    assert.deepEqual(d.environment, { origin: 'deploy_local.py (InferenceConfig, line 9)', condaFile: '/proj/environment/conda.yml', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04' });
    assert.equal(d.modelPath, '/proj/model/diabetes.pkl');
    assert.equal(d.modelName, 'diabetes');
    assert.equal(d.port, 6789);
  });

  it('from_pip_requirements, from_dockerfile (positional), Environment.get and CondaDependencies.create', async () => {
    const pip = await readSdkV1Deployment('env = Environment.from_pip_requirements("e", "requirements.txt")\nic = InferenceConfig(entry_script="score.py", environment=env)\n', script);
    assert.equal(pip?.environment.requirementsFile, '/proj/deploy/requirements.txt');
    const docker = await readSdkV1Deployment('env = Environment.from_dockerfile("e", "docker/Dockerfile")\nic = InferenceConfig("score.py", environment=env)\n', script);
    assert.deepEqual(docker?.environment.build, { context: '/proj/deploy/docker', dockerfile: 'Dockerfile' });
    const curated = await readSdkV1Deployment('env = Environment.get(ws, "AzureML-sklearn-1.0", "12")\nic = InferenceConfig(entry_script="score.py", environment=env)\n', script);
    assert.deepEqual(curated?.environment.azureml, { raw: 'azureml:AzureML-sklearn-1.0:12', name: 'AzureML-sklearn-1.0', version: '12', label: undefined });
    const created = await readSdkV1Deployment(
      'env = Environment("e")\ndeps = CondaDependencies.create(conda_packages=["numpy=1.24"], pip_packages=["azureml-defaults", "joblib==1.2.0"], python_version="3.10")\nenv.python.conda_dependencies = deps\nenv.docker.base_image = "img:1"\nic = InferenceConfig(entry_script="score.py", environment=env)\n',
      script,
    );
    assert.equal(created?.environment.image, 'img:1');
    const deps = parseCondaFile(created!.environment.condaText!);
    assert.deepEqual(deps.conda.map((p) => p.spec), ['python=3.10', 'numpy=1.24', 'pip']);
    assert.deepEqual(deps.pip.map((p) => p.spec), ['azureml-defaults', 'joblib==1.2.0']);
  });

  it('the older InferenceConfig(conda_file=..., base_image=...) form, relative to source_directory', async () => {
    const d = await readSdkV1Deployment('ic = InferenceConfig(runtime="python", entry_script="score.py", source_directory="app", conda_file="env.yml", base_image="img:2")\n', script);
    assert.deepEqual(d?.environment, { origin: 'deploy_local.py (InferenceConfig, line 1)', condaFile: '/proj/deploy/app/env.yml', image: 'img:2' });
  });

  it('examples/deploy_local_v1.py deploys the same project as examples/deployment.yml', async () => {
    const examples = path.resolve(__dirname, '..', '..', '..', 'examples');
    const file = path.join(examples, 'deploy_local_v1.py');
    const d = await readSdkV1Deployment(readFileSync(file, 'utf8'), file);
    const y = configFromDeploymentYaml(readFileSync(path.join(examples, 'deployment.yml'), 'utf8'), path.join(examples, 'deployment.yml'), { baseImage: '' });
    assert.ok(d);
    assert.equal(d.sourceDir, y.sourceDir);
    assert.equal(d.entryScript, y.entryScript);
    assert.equal(d.environment.condaFile, y.environment?.condaFile);
    assert.equal(d.environment.image, y.environment?.image);
    assert.equal(d.modelPath, y.modelPath);
  });

  it('scripts without an InferenceConfig, or with a non-literal entry script, are not deployment sources', async () => {
    assert.equal(await readSdkV1Deployment('import os\nprint(1)\n', script), undefined);
    assert.equal(await readSdkV1Deployment('ic = InferenceConfig(entry_script=os.environ["X"])\n', script), undefined);
    // Half-typed code still parses (error-tolerant): the call that is complete is read.
    assert.equal((await readSdkV1Deployment('env = Environment.from_pip_requirements("e", "r.txt")\nic = InferenceConfig(entry_script="s.py", environment=env)\ndef broken(:\n', script))?.entryScript, 's.py');
  });
});

describe('workspace files read with a bound (unit)', () => {
  it('a deployment YAML or environment file over 1 MB is refused with its name; 1 MB exactly is read', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-env-readsmall-'));
    try {
      const file = path.join(dir, 'deployment.yml');
      writeFileSync(file, '#'.repeat(1024 * 1024 + 1));
      assert.throws(() => readSmall(file, 'deployment YAML'), (e: unknown) => e instanceof LocalDeployError && /deployment YAML .*deployment\.yml is larger than 1 MB/.test(e.message));
      writeFileSync(file, `${'#'.repeat(1024 * 1024 - 1)}\n`);
      assert.equal(readSmall(file, 'deployment YAML').length, 1024 * 1024);
      assert.throws(() => readSmall(dir, 'deployment YAML'), /is not a file/);
      assert.throws(() => readSmall(path.join(dir, 'none.yml'), 'deployment YAML'), /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
