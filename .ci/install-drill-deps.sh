#!/usr/bin/env bash
# Installs what `npm run drill` / `npm run drill:ci` start on loopback: HAProxy (the ALB and Aurora endpoint
# stand-ins), PostgreSQL (primary + synchronous standby) and redis-server/redis-cli (Redis Cluster), from Debian
# packages, only when missing. Idempotent; `apt-get update` runs first whenever something must be installed.
# PostgreSQL counts as present when initdb, postgres, pg_ctl and pg_basebackup are on PATH or under
# /usr/lib/postgresql/*/bin (where the Debian packages put them; the drill looks there too).
set -euo pipefail

have_pg() {
  local tools=(initdb postgres pg_ctl pg_basebackup) t dir ok
  ok=1
  for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || ok=0; done
  [ "$ok" -eq 1 ] && return 0
  for dir in /usr/lib/postgresql/*/bin; do
    ok=1
    for t in "${tools[@]}"; do [ -x "$dir/$t" ] || ok=0; done
    [ "$ok" -eq 1 ] && return 0
  done
  return 1
}
have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
have_haproxy() { command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; }

packages=()
have_haproxy || packages+=(haproxy)
have_pg || packages+=(postgresql)
have_redis || packages+=(redis-server)

if [ "${#packages[@]}" -eq 0 ]; then
  echo "install-drill-deps: haproxy, PostgreSQL and redis-server already present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-drill-deps: need root or sudo to install: ${packages[*]}" >&2
    exit 1
  fi
fi

echo "install-drill-deps: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"

# The drill starts its own servers on free ports and never touches packaged services a systemd host may have
# auto-started (they listen on their default ports, which the drill does not use).

have_haproxy || { echo "install-drill-deps: haproxy still missing after install" >&2; exit 1; }
have_pg || { echo "install-drill-deps: PostgreSQL still missing after install" >&2; exit 1; }
have_redis || { echo "install-drill-deps: redis-server still missing after install" >&2; exit 1; }
echo "install-drill-deps: done"
