import type { RuleInfo } from './types';

const GUIDE = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';
const GUIDE_V1 = 'https://learn.microsoft.com/azure/machine-learning/v1/how-to-troubleshoot-deployment';

/** One place for every rule's stable id, default severity and guide section. */
export const RULES: Record<string, RuleInfo> = {
  'missing-init': { id: 'missing-init', severity: 'error', title: 'No init() function', docsUrl: `${GUIDE_V1}#function-fails-get_model_path` },
  'missing-run': { id: 'missing-run', severity: 'error', title: 'No run() function', docsUrl: `${GUIDE_V1}#function-fails-runinput_data` },
  'syntax-error': { id: 'syntax-error', severity: 'error', title: 'Syntax error', docsUrl: `${GUIDE}#error-resourcenotready` },
};
