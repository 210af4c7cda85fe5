"""A half-written entry script: run() has not been written yet."""
import os

import numpy as np

model = None


def init():
    global model
    model = np.load(os.path.join(os.getenv("AZUREML_MODEL_DIR", ""), "diabetes-linear.npz"))
