"""Docker HEALTHCHECK for local deployments: GET / on the scoring port must answer 200."""
import os
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:%s/" % os.environ.get("AML_DOCTOR_PORT", "5001"), timeout=4) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:  # noqa: BLE001
    sys.exit(1)
