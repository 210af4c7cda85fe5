#!/usr/bin/env bash
# Starts dockerd if it is not answering, then waits (bounded) for the API socket.
set -euo pipefail
if docker version >/dev/null 2>&1; then echo "[docker] engine already running"; exit 0; fi
echo "[docker] starting dockerd"
setsid dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
for i in $(seq 1 120); do
  if docker version >/dev/null 2>&1; then echo "[docker] engine up after ${i}x0.5s"; exit 0; fi
  sleep 0.5
done
echo "[docker] dockerd did not come up in 60 s; last log lines:" >&2
tail -20 /tmp/dockerd.log >&2
exit 1
