"""Deploy the diabetes model as a local web service with the Azure ML SDK v1 (azureml-core).

The troubleshooting guide's way to reproduce a deployment failure: deploy it locally, fix, reload, update.
In VS Code, right-click this file -> "Deploy Locally (Docker)" does the same without azureml-core.
"""
from azureml.core import Environment, Model, Workspace
from azureml.core.model import InferenceConfig
from azureml.core.webservice import LocalWebservice

ws = Workspace.from_config()
model = Model.register(ws, model_path="model/diabetes-linear.npz", model_name="diabetes-linear")

env = Environment.from_conda_specification(name="diabetes-scoring", file_path="environment/conda.yml")
env.docker.base_image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"

inference_config = InferenceConfig(entry_script="score.py", source_directory=".", environment=env)
deployment_config = LocalWebservice.deploy_configuration(port=6789)

service = Model.deploy(ws, "diabetes-local", [model], inference_config, deployment_config, overwrite=True)
service.wait_for_deployment(show_output=True)
print(service.scoring_uri)
