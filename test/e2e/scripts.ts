// Entry scripts the e2e tests open in VS Code.

/** init() assigns `model` without `global model` (global-missing, with a quick fix); run() is guarded. */
export const GLOBAL_MISSING_SCORE = [
  'import joblib',
  '',
  'model = None',
  '',
  '',
  'def init():',
  '    model = joblib.load("model.pkl")',
  '',
  '',
  'def run(raw_data):',
  '    try:',
  '        return model.predict(raw_data).tolist()',
  '    except Exception:',
  '        return {"error": "scoring failed"}',
  '',
].join('\n');
