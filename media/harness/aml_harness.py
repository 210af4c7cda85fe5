"""AML Deploy Doctor scoring harness.

A small stand-in for the Azure ML inference server (azmlinfsrv) used when the image does not have it.
Same routes and error semantics: GET / (liveness), POST /score (calls the entry script's run()),
GET /swagger.json (404: no schema). A failing run() gets a generic HTTP 500 body; the exception text is
only returned when debug mode is on (AML_DOCTOR_DEBUG=1 or AML_DOCTOR_DEBUGPY=1). The app is plain WSGI:
gunicorn serves it when present (real worker processes and log lines), otherwise werkzeug (Flask's
development server), otherwise the standard library's wsgiref.
"""
import importlib.util
import json
import logging
import os
import signal
import sys
import time
import traceback

VERSION = "aml-doctor-harness/1.0"
APP_ROOT = os.environ.get("AML_APP_ROOT", "/var/azureml-app")
ENTRY_SCRIPT = os.environ.get("AZUREML_ENTRY_SCRIPT", "score.py")
MODEL_DIR = os.environ.get("AZUREML_MODEL_DIR", "")
PORT = int(os.environ.get("AML_DOCTOR_PORT", "5001"))
DEBUG = os.environ.get("AML_DOCTOR_DEBUG") == "1" or os.environ.get("AML_DOCTOR_DEBUGPY") == "1"
GENERIC_500 = "An unexpected error occurred in the scoring script. Check the container logs for more info."
# Which server runs the app (gunicorn, werkzeug, wsgiref): sent on every answer, so a reload knows
# whether a worker restart (gunicorn HUP) is possible.
SERVER = "unknown"

# Reload copies changed files whose mtime (whole seconds in a .pyc) may equal the previous copy's:
# never cache bytecode of the user's code, so a worker always compiles what is on disk.
sys.dont_write_bytecode = True

logger = logging.getLogger("root")


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s,%(msecs)03d | %(name)s | %(levelname)s | %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def banner(server):
    entry = os.path.join(APP_ROOT, ENTRY_SCRIPT)
    lines = [
        "Azure ML Inferencing HTTP server (AML Deploy Doctor harness %s)" % VERSION,
        "",
        "Server Settings",
        "---------------",
        "Entry Script Name: %s" % entry,
        "Model Directory: %s" % MODEL_DIR,
        "Worker Count: %s" % os.environ.get("WORKER_COUNT", "1"),
        "Worker Timeout (seconds): %s" % ("none (debug)" if os.environ.get("AML_DOCTOR_DEBUGPY") == "1" else os.environ.get("WORKER_TIMEOUT", "300")),
        "Server Port: %d" % PORT,
        "Server: %s" % server,
        "Debug Mode: %s" % ("on" if DEBUG else "off"),
        "",
        "Server Routes",
        "---------------",
        "Liveness Probe: GET   0.0.0.0:%d/" % PORT,
        "Score:          POST  0.0.0.0:%d/score" % PORT,
        "",
    ]
    print("\n".join(lines), flush=True)


def _load_user_module():
    path = os.path.join(APP_ROOT, ENTRY_SCRIPT)
    if not os.path.isfile(path):
        raise FileNotFoundError("Entry script not found at %s (AML_APP_ROOT=%s, AZUREML_ENTRY_SCRIPT=%s)" % (path, APP_ROOT, ENTRY_SCRIPT))
    logger.info("Found user script at %s", path)
    if APP_ROOT not in sys.path:
        sys.path.insert(0, APP_ROOT)
    spec = importlib.util.spec_from_file_location("entry_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["entry_module"] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError("The entry script %s has no run() function" % ENTRY_SCRIPT)
    logger.info("run() is not decorated. Server will invoke it with the input in JSON string.")
    return module


class ScoringApp:
    """The WSGI application. Loading it imports the entry script and calls init() (once per worker)."""

    def __init__(self):
        _setup_logging()
        self.boot_id = "%d-%d" % (os.getpid(), int(time.time() * 1000))
        self.module = _load_user_module()
        if callable(getattr(self.module, "init", None)):
            logger.info("Invoking user's init function")
            try:
                self.module.init()
            except BaseException:
                logger.error("User's init function failed")
                logger.error("Encountered Exception %s", traceback.format_exc())
                raise
            logger.info("Users's init has completed successfully")
        logger.info("Scoring timeout is set to %s", os.environ.get("SCORING_TIMEOUT_MS", "3600000"))
        logger.info("Worker with pid %d ready for serving traffic", os.getpid())

    def _respond(self, start_response, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        start_response(status, [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            ("x-ms-server-version", VERSION),
            ("x-aml-doctor-worker", self.boot_id),
            ("x-aml-doctor-server", SERVER),
        ])
        return [data]

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path == "/" and method in ("GET", "HEAD"):
            return self._respond(start_response, "200 OK", "Healthy", "text/plain; charset=utf-8")
        if path == "/swagger.json" and method == "GET":
            return self._respond(start_response, "404 NOT FOUND", json.dumps({"message": "Swagger not found: the entry script has no input/output schema."}))
        if path == "/score":
            if method != "POST":
                return self._respond(start_response, "405 METHOD NOT ALLOWED", json.dumps({"message": "Use POST /score."}))
            return self._score(environ, start_response)
        return self._respond(start_response, "404 NOT FOUND", json.dumps({"message": "Not found: %s" % path}))

    def _score(self, environ, start_response):
        started = time.monotonic()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            result = self.module.run(raw.decode("utf-8", errors="replace"))
            body = result if isinstance(result, (bytes, str)) and _is_json(result) else json.dumps(result)
            status = "200 OK"
        except Exception as exc:  # noqa: BLE001 - the server must survive any user error
            logger.error("Encountered Exception: %s", traceback.format_exc())
            message = "%s: %s" % (type(exc).__name__, exc) if DEBUG else GENERIC_500
            body = json.dumps({"message": message})
            status = "500 INTERNAL SERVER ERROR"
        elapsed = (time.monotonic() - started) * 1000
        logger.info("%s POST /score %.2f ms", status.split(" ")[0], elapsed)
        return self._respond(start_response, status, body)


def _is_json(value):
    try:
        json.loads(value)
        return True
    except (TypeError, ValueError):
        return False


def _start_debugpy():
    """Debug mode: debugpy listens in this (worker) process; AML_DOCTOR_DEBUGPY_WAIT=1 waits for a client before init()."""
    if os.environ.get("AML_DOCTOR_DEBUGPY") != "1":
        return
    try:
        import debugpy
    except ImportError:
        logger.warning("AML_DOCTOR_DEBUGPY=1 but debugpy is not installed in this image: debugging is not available")
        return
    port = int(os.environ.get("AML_DOCTOR_DEBUGPY_PORT", "5678"))
    debugpy.listen(("0.0.0.0", port))
    logger.info("debugpy listening on 0.0.0.0:%d (pid %d)", port, os.getpid())
    if os.environ.get("AML_DOCTOR_DEBUGPY_WAIT") == "1":
        logger.info("Waiting for a debugger to attach before init()")
        debugpy.wait_for_client()


def create_app():
    return ScoringApp()


def _serve_without_gunicorn():
    global SERVER
    # As PID 1 Python ignores SIGTERM unless it handles it: `docker stop` would wait for its timeout.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _setup_logging()
    try:
        from werkzeug.serving import run_simple
    except ImportError:
        run_simple = None
    SERVER = "werkzeug" if run_simple else "wsgiref"
    banner("werkzeug (Flask development server)" if run_simple else "wsgiref (Python standard library)")
    _start_debugpy()
    app = create_app()
    if run_simple:
        run_simple("0.0.0.0", PORT, app, threaded=False, use_reloader=False)
    else:
        from wsgiref.simple_server import make_server
        make_server("0.0.0.0", PORT, app).serve_forever()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--banner":
        banner(sys.argv[2] if len(sys.argv) > 2 else "gunicorn")
    else:
        _serve_without_gunicorn()
