#!/usr/bin/env bash
# A private PostgreSQL server on loopback for the tests: a fresh cluster in
# DIR, trust authentication, fsync off (test data only).
#   scripts/postgres.sh start [DIR] [PORT]   prints the admin URL
#   scripts/postgres.sh stop  [DIR]
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:-/tmp/steward-pg}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 1; }
run=()
# PostgreSQL refuses to run as root; run it as its own user.
if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
case "$cmd" in
  start)
    if [ -f "$dir/postmaster.pid" ]; then "${run[@]}" "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-sync >"$dir.log" 2>&1 \
      || { cat "$dir.log" >&2; exit 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-h 127.0.0.1 -p $port -k $dir -F -c max_connections=300" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && "${run[@]}" "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null
    rm -rf "$dir" "$dir.log"
    ;;
  *) echo "postgres.sh: start or stop" >&2; exit 2 ;;
esac
