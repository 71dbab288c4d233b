#!/usr/bin/env bash
# Installs the servers the service's integration tests start on loopback (PostgreSQL and redis-server),
# from Debian packages, only when they are missing. Idempotent; safe to run on every CI build.
# PostgreSQL counts as present when initdb and postgres are on PATH or under /usr/lib/postgresql/*/bin
# (the Debian packages install them there without putting them on PATH; the tests look there too).
set -euo pipefail

have_pg() {
  if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then return 0; fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then return 0; fi
  done
  return 1
}

have_redis() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1
}

packages=()
have_pg || packages+=(postgresql)
have_redis || packages+=(redis-server)

if [ "${#packages[@]}" -eq 0 ]; then
  echo "install-servers: PostgreSQL and redis-server already present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-servers: need root or sudo to install: ${packages[*]}" >&2
    exit 1
  fi
fi

echo "install-servers: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps it small; policy-rc.d-free containers may try to start the services — the tests
# never use the packaged instances (they start their own on free ports), so a failed auto-start is harmless.
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"

# The packaged services are not needed (tests start their own); stop them if they were auto-started.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

have_pg || { echo "install-servers: PostgreSQL still missing after install" >&2; exit 1; }
have_redis || { echo "install-servers: redis-server still missing after install" >&2; exit 1; }
echo "install-servers: done"
