// Start-up work of the language server, done before it answers `initialize`: compile the grammar and run
// the whole pipeline (full parse, every rule, an incremental re-parse) on a built-in script. A cold
// pipeline takes 35-45 ms on a 30-line file (JIT of the rules, first calls into WebAssembly); warm, 4-5 ms.
// The client sends no didOpen before `initialize` is answered, so doing this first moves the cost off the
// first file the user opens and onto start-up, which runs while VS Code is still restoring its editors.
import { inspectScoringScript } from '../analysis/analyze';
import { editTree } from '../analysis/incremental';
import { loadPythonGrammar } from '../analysis/parser';

/** A scoring script that exercises every online rule (and the error-recovery path on its broken copy). */
const SAMPLE = `import json
import logging
import os
import pickle
import traceback

import joblib
import numpy as np
from azureml.core.model import Model

model = None


def init():
    model_path = Model.get_model_path("model")
    model = joblib.load(os.path.join("/tmp/models", "model.pkl"))
    import debugpy
    debugpy.listen(5678)


def run(*args, **kwargs):
    data = json.loads(args[0])["data"]
    clf = pickle.load(open("model.pkl", "rb"))
    try:
        result = model.predict(np.array(data))
        return result
    except Exception as e:
        logging.exception("failed")
        return {"error": str(e), "trace": traceback.format_exc()}
`;

/** The same edit every round: one character typed in run(), as the editor sends it. */
const EDIT_AT = SAMPLE.indexOf('data = json');
const EDITED = SAMPLE.slice(0, EDIT_AT) + 'x' + SAMPLE.slice(EDIT_AT);
const EDIT_LINES = SAMPLE.slice(0, EDIT_AT).split('\n');
const EDIT_POS = { line: EDIT_LINES.length - 1, character: EDIT_LINES[EDIT_LINES.length - 1]!.length };
/** The broken-file path: an unclosed bracket (error recovery re-parses each def on its own). */
const BROKEN = SAMPLE.replace('data = json.loads(args[0])["data"]', 'data = json.loads(args[0]["data"');

/** Runs the sample through the analysis a few times; resolves when the pipeline is warm. Never rejects. */
export async function warmUpAnalysis(rounds = 3): Promise<void> {
  try {
    await loadPythonGrammar();
    for (let i = 0; i < rounds; i++) {
      const first = await inspectScoringScript(SAMPLE, { keepTree: true });
      if (first.tree) editTree(first.tree, { startOffset: EDIT_AT, oldEndOffset: EDIT_AT, start: EDIT_POS, oldEnd: EDIT_POS, newText: 'x' });
      await inspectScoringScript(EDITED, { oldTree: first.tree });
      await inspectScoringScript(BROKEN);
    }
  } catch {
    /* the first real analysis reports a grammar that cannot load */
  }
}
