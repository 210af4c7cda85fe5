"""Scoring script for the diabetes-progression model (Azure ML online endpoint / local deployment).

The inference server imports this file, calls init() once when the container starts and run()
for every POST /score request.
"""
import json
import logging
import os

import numpy as np

model = None


def init():
    global model
    # AZUREML_MODEL_DIR is set by Azure ML to the folder the registered model was copied to.
    model_dir = os.getenv("AZUREML_MODEL_DIR", "")
    model_path = os.path.join(model_dir, "diabetes-linear.npz")
    weights = np.load(model_path)
    model = (weights["coef"], float(weights["intercept"]))
    logging.info("Loaded model from %s", model_path)


def run(raw_data):
    # A malformed request raises here, outside any try: the client gets HTTP 502.
    data = np.array(json.loads(raw_data)["data"], dtype=float)
    try:
        coef, intercept = model
        predictions = data @ coef + intercept
        return {"predictions": predictions.round(2).tolist()}
    except Exception as e:
        # Sends the exception text back to the caller: fine while debugging, a leak in production.
        return {"error": str(e)}
