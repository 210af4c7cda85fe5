#!/bin/sh
# Entry point of AML Deploy Doctor local deployments. Uses the Azure ML inference server (azmlinfsrv)
# when the image has it, otherwise the bundled harness under gunicorn, otherwise under werkzeug/wsgiref.
cd "${AML_APP_ROOT:-/var/azureml-app}" || exit 2
PORT="${AML_DOCTOR_PORT:-5001}"
if [ "${AML_DOCTOR_DEBUGPY:-0}" != 1 ] && [ "${AML_DOCTOR_FORCE_HARNESS:-0}" != 1 ] && command -v azmlinfsrv >/dev/null 2>&1; then
  exec azmlinfsrv --entry_script "${AML_APP_ROOT:-/var/azureml-app}/${AZUREML_ENTRY_SCRIPT:-score.py}" --port "$PORT"
fi
PY="$(command -v python3 || command -v python)"
if [ -z "$PY" ]; then echo "AML Deploy Doctor: the image has no python3 or python on PATH" >&2; exit 127; fi
if "$PY" -c 'import gunicorn' 2>/dev/null; then
  "$PY" /var/aml-doctor/aml_harness.py --banner gunicorn
  exec "$PY" -m gunicorn -c /var/aml-doctor/gunicorn_conf.py
fi
exec "$PY" /var/aml-doctor/aml_harness.py
