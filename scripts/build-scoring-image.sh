#!/usr/bin/env bash
# Builds the real scoring test image from Debian packages (no registry reachable) and imports it
# into the local Docker engine. Cached by tag: a second run does nothing.
# Contents: python3, numpy, flask, gunicorn, debugpy (+gdb via pydevd) - the parts the Azure ML
# inference server stack runs on. A second tag without debugpy is derived for the "no debugpy" tests, and a
# third with python3-venv and python3-pip (from Debian's archive, in a host-network build) for environment
# builds: local deployments install a conda file's pip section into a venv in it.
set -euo pipefail
TAG="${AML_DOCTOR_TEST_IMAGE:-aml-doctor/scoring:bookworm-1}"
NODEBUG_TAG="${TAG%:*}:bookworm-1-nodebugpy"
PIP_TAG="${AML_DOCTOR_TEST_PIP_IMAGE:-$TAG-pip}"
if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "[image] $TAG already present"
else
  command -v debootstrap >/dev/null || { echo "[image] debootstrap missing: run scripts/setup-system.sh" >&2; exit 1; }
  # The mirror apt already uses on this host (deb822 .sources or classic .list), never hard-coded.
  MIRROR=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  if [ -z "$MIRROR" ]; then
    MIRROR=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | awk '{print $2}' | head -1 || true)
  fi
  [ -n "$MIRROR" ] || { echo "[image] could not find the apt mirror of this host" >&2; exit 1; }
  ROOT=$(mktemp -d /tmp/aml-doctor-rootfs.XXXXXX)
  cleanup() { umount "$ROOT/proc" 2>/dev/null || true; rm -rf "$ROOT"; }
  trap cleanup EXIT
  echo "[image] debootstrap bookworm from $MIRROR (about 2-3 minutes)"
  debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >/tmp/aml-doctor-debootstrap.log 2>&1 \
    || { tail -30 /tmp/aml-doctor-debootstrap.log >&2; exit 1; }
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  echo "deb $MIRROR bookworm main" > "$ROOT/etc/apt/sources.list"
  mount -t proc proc "$ROOT/proc"
  echo "[image] installing python3-debugpy python3-numpy python3-flask gunicorn"
  chroot "$ROOT" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-debugpy python3-numpy python3-flask gunicorn procps && apt-get clean && rm -rf /var/lib/apt/lists/*' \
    >/tmp/aml-doctor-chroot.log 2>&1 || { tail -30 /tmp/aml-doctor-chroot.log >&2; exit 1; }
  umount "$ROOT/proc"
  : > "$ROOT/etc/resolv.conf"
  echo "[image] importing as $TAG"
  tar -C "$ROOT" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/bash"]' - "$TAG" >/dev/null
fi
if docker image inspect "$NODEBUG_TAG" >/dev/null 2>&1; then
  echo "[image] $NODEBUG_TAG already present"
else
  echo "[image] deriving $NODEBUG_TAG (debugpy removed)"
  cid=$(docker create "$TAG" /bin/sh -c 'rm -rf /usr/lib/python3/dist-packages/debugpy*')
  docker start -a "$cid" >/dev/null
  docker commit -c 'CMD ["/bin/bash"]' "$cid" "$NODEBUG_TAG" >/dev/null
  docker rm "$cid" >/dev/null
fi
if docker image inspect "$PIP_TAG" >/dev/null 2>&1; then
  echo "[image] $PIP_TAG already present"
else
  echo "[image] deriving $PIP_TAG (python3-venv, python3-pip from Debian; about a minute)"
  CTX=$(mktemp -d /tmp/aml-doctor-pip-image.XXXXXX)
  printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv python3-pip && apt-get clean && rm -rf /var/lib/apt/lists/*\n' "$TAG" > "$CTX/Dockerfile"
  # The classic builder with the host network: the RUN step reaches the apt mirror the host uses.
  DOCKER_BUILDKIT=0 docker build --network host -t "$PIP_TAG" "$CTX" >/tmp/aml-doctor-pip-image.log 2>&1 \
    || { tail -30 /tmp/aml-doctor-pip-image.log >&2; rm -rf "$CTX"; exit 1; }
  rm -rf "$CTX"
fi
echo "[image] ready: $TAG, $NODEBUG_TAG, $PIP_TAG"
