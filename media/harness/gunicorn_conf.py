"""gunicorn settings for the AML Deploy Doctor harness (mirrors the Azure ML inference server defaults)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

bind = "0.0.0.0:%s" % os.environ.get("AML_DOCTOR_PORT", "5001")
workers = int(os.environ.get("WORKER_COUNT", "1"))
# A worker paused at a breakpoint must not be killed by the worker timeout.
timeout = 0 if os.environ.get("AML_DOCTOR_DEBUGPY") == "1" else int(os.environ.get("WORKER_TIMEOUT", "300"))
graceful_timeout = 5
loglevel = "info"
wsgi_app = "aml_harness:create_app()"


def post_fork(server, worker):  # noqa: ARG001 - gunicorn hook signature
    import aml_harness

    aml_harness.SERVER = "gunicorn"
    aml_harness._setup_logging()
    aml_harness._start_debugpy()
