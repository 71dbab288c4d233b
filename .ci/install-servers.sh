#!/usr/bin/env bash
# Installs the servers the tests and drills start on loopback, from Debian packages, only when they are
# missing. Idempotent; `apt-get update` runs first whenever something must be installed.
#   bash .ci/install-servers.sh          PostgreSQL + redis-server/redis-cli (npm run test:integration)
#   bash .ci/install-servers.sh --drill  also HAProxy and nftables (npm run drill, drill:ci: the AZ partition)
# PostgreSQL counts as present when initdb, postgres, pg_ctl and pg_basebackup are on PATH or under
# /usr/lib/postgresql/*/bin (the Debian packages put them there; the tests and the drill look there too).
# Nothing installed here is used as a service: the tests start their own servers on free ports.
set -euo pipefail

with_haproxy=0
for arg in "$@"; do
  case "$arg" in
    --drill) with_haproxy=1 ;;
    *) echo "install-servers: unknown argument '$arg' (allowed: --drill)" >&2; exit 64 ;;
  esac
done

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
have_nft() { command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ]; }

packages=()
have_pg || packages+=(postgresql)
have_redis || packages+=(redis-server)
if [ "$with_haproxy" -eq 1 ]; then
  have_haproxy || packages+=(haproxy)
  have_nft || packages+=(nftables)
fi

if [ "${#packages[@]}" -eq 0 ]; then
  echo "install-servers: everything needed is already present"
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
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"

# Packaged services a systemd host may have auto-started are not needed; stop the one that could surprise.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

have_pg || { echo "install-servers: PostgreSQL still missing after install" >&2; exit 1; }
have_redis || { echo "install-servers: redis-server still missing after install" >&2; exit 1; }
if [ "$with_haproxy" -eq 1 ]; then
  have_haproxy || { echo "install-servers: haproxy still missing after install" >&2; exit 1; }
fi
echo "install-servers: done"
