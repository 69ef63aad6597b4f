#!/usr/bin/env bash
# Runs gtest binaries in shards, JOBS at a time, each shard one process
# (GTEST_SHARD_INDEX of GTEST_TOTAL_SHARDS): for a sanitizer build, whose
# every process start costs about 0.4 s (ASan registers the globals and
# maps its shadow), where ctest would start one process per test. Each
# shard writes gtest's XML to OUT/BINARY-SHARD.xml (read by
# .ci/summary.py) and its output to OUT/BINARY-SHARD.log, shown when the
# shard fails, crashes or runs past TIMEOUT seconds.
# Usage: scripts/gtest-shards.sh BUILD OUT JOBS SHARDS TIMEOUT BINARY...
set -uo pipefail
build=$1 out=$2 jobs=$3 shards=$4 limit=$5
shift 5
rm -rf "$out"
mkdir -p "$out"
run_shard() {  # run_shard BINARY SHARD
  local bin=$1 i=$2 rc=0
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i \
    timeout --kill-after=10 "$limit" "$build/$bin" --gtest_output="xml:$out/$bin-$i.xml" \
    >"$out/$bin-$i.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    {
      echo "== $bin, shard $((i + 1)) of $shards, exit $rc$([ "$rc" -eq 124 ] && echo " (ran past ${limit}s)"):"
      grep -E '^\[  FAILED  \]' "$out/$bin-$i.log" | sort -u
      tail -150 "$out/$bin-$i.log"
    } >&2
    # No XML when the process crashed or was stopped: the summary says so.
    return 1
  fi
}
export -f run_shard
export build out shards limit
status=0
for bin in "$@"; do
  for ((i = 0; i < shards; i++)); do echo "$bin $i"; done
done | xargs -P "$jobs" -L 1 bash -c 'run_shard "$0" "$1"' || status=1
exit "$status"
