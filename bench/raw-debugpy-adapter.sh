#!/bin/sh
# Reference for bench/attach.bench.mjs: debugpy's adapter in the container over the docker CLI, with
# nothing of ours in between (what a user hand-wires today).
exec docker exec -i "$AMLD_CONTAINER" python3 -m debugpy.adapter
