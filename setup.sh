#!/usr/bin/env bash
# Set up the harness on Debian/Ubuntu (Python >= 3.11): OS packages, a virtualenv, the Python
# dependencies. Idempotent and quick when everything is already there. Needs root or sudo for apt.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO=""; fi
apt_install() {
  command -v apt-get >/dev/null || die "missing $*; this script installs with apt-get (Debian/Ubuntu). Install them by hand."
  [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ] || die "missing $*; run as root or install sudo."
  say "installing $* from the distribution's packages"
  if [ -z "${SETUP_APT_UPDATED:-}" ]; then $SUDO apt-get update -qq; SETUP_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || apt_install python3 python3-venv
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python >= 3.11 is needed ($("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11"

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v cp >/dev/null || missing+=(coreutils)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  say "creating the unprivileged 'postgres' user (PostgreSQL refuses to run as root)"
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall when the dependencies or the gRPC contracts change; the build compiles simulators/proto/*.proto.
stamp=".venv/.installed-$(cat pyproject.toml setup.py simulators/proto/*.proto | sha256sum | cut -c1-16)"
generated=(simulators/proto/*_pb2_grpc.py)
if [ ! -f "$stamp" ] || [ ! -e "${generated[0]}" ]; then
  say "installing the Python dependencies (pip install -e .[dev])"
  { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
    && .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]"; } >.venv/pip.log 2>&1 \
    || { tail -n 40 .venv/pip.log >&2; die "pip install failed (full log: .venv/pip.log)"; }
  rm -f .venv/.installed-* && touch "$stamp"
fi
say "ready"
