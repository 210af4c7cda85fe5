import type { RuleInfo } from './types';

const GUIDE = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';
const GUIDE_V1 = 'https://learn.microsoft.com/azure/machine-learning/v1/how-to-troubleshoot-deployment';
const SCORING = 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-online-endpoints';
const BATCH = 'https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script';
const INFERENCE_SERVER = 'https://learn.microsoft.com/azure/machine-learning/how-to-inference-server-http';

/** One place for every rule's stable id, default severity and guide section. docs/rules.md documents each. */
export const RULES = {
  'missing-init': { id: 'missing-init', severity: 'error', title: 'No init() function', docsUrl: `${GUIDE_V1}#function-fails-get_model_path` },
  'missing-run': { id: 'missing-run', severity: 'error', title: 'No run() function', docsUrl: `${GUIDE_V1}#function-fails-runinput_data` },
  'syntax-error': { id: 'syntax-error', severity: 'error', title: 'Syntax error', docsUrl: `${GUIDE}#error-resourcenotready` },
  'run-signature': { id: 'run-signature', severity: 'error', title: 'run() signature the server cannot call', docsUrl: `${GUIDE_V1}#function-fails-runinput_data` },
  'run-unguarded': { id: 'run-unguarded', severity: 'warning', title: 'run() can raise outside try/except', docsUrl: `${GUIDE}#error-502-bad-gateway` },
  'error-leak': { id: 'error-leak', severity: 'warning', title: 'Exception text returned to the client', docsUrl: `${GUIDE_V1}#function-fails-runinput_data` },
  'global-missing': { id: 'global-missing', severity: 'error', title: 'init() assigns a local instead of the global run() reads', docsUrl: `${GUIDE}#error-resourcenotready` },
  'model-load-in-run': { id: 'model-load-in-run', severity: 'warning', title: 'Model loaded or fetched on every request', docsUrl: `${GUIDE}#http-status-codes` },
  'undefined-name': { id: 'undefined-name', severity: 'error', title: 'Name in init()/run() that nothing defines (NameError)', docsUrl: `${GUIDE}#error-resourcenotready` },
  'get-model-path': { id: 'get-model-path', severity: 'warning', title: 'Model.get_model_path() in the container', docsUrl: `${GUIDE_V1}#function-fails-get_model_path` },
  'non-serializable-return': { id: 'non-serializable-return', severity: 'warning', title: 'run() returns a value JSON cannot encode', docsUrl: `${GUIDE_V1}#function-fails-runinput_data` },
  'debugpy-left-in': { id: 'debugpy-left-in', severity: 'warning', title: 'debugpy left in the script', docsUrl: `${INFERENCE_SERVER}` },
  'sklearn-externals-joblib': { id: 'sklearn-externals-joblib', severity: 'error', title: 'sklearn.externals.joblib import', docsUrl: `${GUIDE}#error-resourcenotready` },
  'hardcoded-model-path': { id: 'hardcoded-model-path', severity: 'warning', title: 'Hard-coded azureml-models path', docsUrl: `${SCORING}#understand-the-scoring-script` },
  'conda-missing-inference-server': { id: 'conda-missing-inference-server', severity: 'error', title: 'Environment lacks the inference server', docsUrl: `${GUIDE}#error-resourcenotready` },
  'batch-run-return': { id: 'batch-run-return', severity: 'warning', title: 'Batch run() returns nothing', docsUrl: `${BATCH}` },
  'analysis-skipped': { id: 'analysis-skipped', severity: 'information', title: 'File not analysed (too large, minified or not Python)', docsUrl: `${SCORING}#understand-the-scoring-script` },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];
