// Small scoring projects written by the doctor tests: a healthy one and one variant per broken step.
// The model is a JSON file (a linear model) so the real scoring image needs nothing beyond Python.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const HEALTHY_SCORE = `"""Scores a linear model stored as JSON."""
import json
import logging
import os

model = None


def init():
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "weights.json")
    with open(model_path) as f:
        model = json.load(f)
    logging.info("model loaded from %s", model_path)


def run(raw_data):
    try:
        rows = json.loads(raw_data)["data"]
        return {"predictions": [sum(w * x for w, x in zip(model["coef"], row)) + model["intercept"] for row in rows]}
    except Exception:
        logging.exception("scoring failed")
        return {"error": "could not score the request"}
`;

export const HEALTHY_CONDA = `name: linear-scoring
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - azureml-defaults>=1.0.45
`;

export const WEIGHTS = JSON.stringify({ version: 2, coef: [1, 2, 3], intercept: 0.5 });
export const SAMPLE = JSON.stringify({ data: [[1, 1, 1], [0, 0, 2]] });

export interface ProjectFiles {
  score?: string;
  conda?: string | null;
  weights?: string;
  weightsName?: string;
  sample?: string | null;
  /** Extra deployment YAML lines (request_settings...). */
  yamlExtra?: string;
  endpoint?: string;
  deployment?: string;
  image?: string;
  /** model.path of the YAML (default ./model/<weights>): e.g. ./model for the whole folder. */
  modelPath?: string;
  /** The YAML's environment value instead of the inline image + conda file (e.g. azureml:linear-env:3). */
  environment?: string;
}

/** Writes a project (deployment.yml, score.py, environment/conda.yml, model/<weights>, sample-request.json); returns the YAML path. */
export function writeProject(files: ProjectFiles = {}, parent = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, 'amld-doctor-project-'));
  mkdirSync(path.join(dir, 'environment'));
  mkdirSync(path.join(dir, 'model'));
  writeFileSync(path.join(dir, 'score.py'), files.score ?? HEALTHY_SCORE);
  if (files.conda !== null) writeFileSync(path.join(dir, 'environment', 'conda.yml'), files.conda ?? HEALTHY_CONDA);
  const weights = files.weightsName ?? 'weights.json';
  writeFileSync(path.join(dir, 'model', weights), files.weights ?? WEIGHTS);
  if (files.sample !== null) writeFileSync(path.join(dir, 'sample-request.json'), files.sample ?? SAMPLE);
  const yaml = [
    '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
    `name: ${files.deployment ?? 'blue'}`,
    `endpoint_name: ${files.endpoint ?? 'linear-ep'}`,
    'model:',
    '  name: linear',
    '  version: 1',
    `  path: ${files.modelPath ?? `./model/${weights}`}`,
    'code_configuration:',
    '  code: ./',
    '  scoring_script: score.py',
    ...(files.environment
      ? [`environment: ${files.environment}`]
      : ['environment:', ...(files.conda !== null ? ['  conda_file: ./environment/conda.yml'] : []), `  image: ${files.image ?? 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest'}`]),
    'instance_type: Standard_DS3_v2',
    'instance_count: 1',
    ...(files.yamlExtra ? [files.yamlExtra] : []),
    '',
  ].join('\n');
  const file = path.join(dir, 'deployment.yml');
  writeFileSync(file, yaml);
  return file;
}
