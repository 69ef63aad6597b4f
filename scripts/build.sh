#!/usr/bin/env bash
# Builds the given targets quietly, for `make run`: the compiler's and make's
# lines go to BUILD/build.log; the terminal sees one line of progress (or,
# when it is not a terminal, a line at each tenth). On a failure the
# errors are printed, with the log's path.
#
#   scripts/build.sh BUILD JOBS TARGET...
set -euo pipefail
build=$1 jobs=$2
shift 2
log=$build/build.log
start=$(date +%s)
tty=false
[ -t 1 ] && tty=true
last=-1
status=0
# make's own "Entering directory" lines come from the make that runs this
# one (MAKEFLAGS): the sub-make is told not to print them.
cmake --build "$build" -j "$jobs" --target "$@" -- --no-print-directory >"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  pct=$(grep -o '^\[ *[0-9]*%\]' "$log" 2>/dev/null | tail -n 1 | tr -dc '0-9' || true)
  [ -n "$pct" ] || continue
  if $tty; then
    printf '\rBuilding %s: %3d%%' "$*" "$pct"
  elif [ $((pct / 10)) -gt "$last" ]; then
    last=$((pct / 10))
    echo "Building $*: $pct%"
  fi
done
wait "$pid" || status=$?
$tty && printf '\r\033[K'
if [ "$status" -ne 0 ]; then
  echo "The build failed (the whole output: $log):" >&2
  grep -E -A3 'error|Error' "$log" | head -n 60 >&2 || tail -n 40 "$log" >&2
  exit "$status"
fi
echo "Built $* in $(($(date +%s) - start)) s."
