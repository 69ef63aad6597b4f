#!/usr/bin/env bash
# `make test`: starts the servers the tests talk to (PostgreSQL and slapd on
# loopback), runs every test against them, then the unit tests again under
# ASan/UBSan, and stops the servers whatever happens.
# Usage: scripts/test.sh BUILD ASAN_BUILD JOBS
set -euo pipefail
build=${1:-build}; asan=${2:-build-asan}; jobs=${3:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
run=$(mktemp -d /tmp/steward-test.XXXXXX)
chmod 755 "$run"
cleanup() {
  "$root/scripts/postgres.sh" stop "$run/pg" >/dev/null 2>&1 || true
  "$root/scripts/slapd.sh" stop "$run/slapd" >/dev/null 2>&1 || true
  "$root/scripts/slapd.sh" stop "$run/slapd-ppolicy" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
# Each server on a random port; when the port is taken (another run, another
# service), again on another, up to five times.
start_server() {  # start_server NAME BASE SCRIPT ARGS... (PORT replaced)
  local name=$1 base=$2 out port attempt
  shift 2
  for attempt in 1 2 3 4 5; do
    port=$((base + RANDOM % 400))
    if out=$("${@/#PORT/$port}" 2>"$run/$name.err"); then
      echo "$out"
      return 0
    fi
    echo "test servers: $name did not start on port $port (attempt $attempt): $(tail -1 "$run/$name.err")" >&2
  done
  cat "$run/$name.err" >&2
  return 1
}
STEWARD_TEST_PG_URL=$(start_server PostgreSQL 55000 "$root/scripts/postgres.sh" start "$run/pg" PORT)
STEWARD_TEST_LDAP_URL=$(start_server slapd 55400 "$root/scripts/slapd.sh" start "$run/slapd" PORT "$root/tests/data/ldap/people.ldif")
STEWARD_TEST_LDAP_PW=$(cat "$run/slapd/admin.pw")
# The directory with ppolicy and Steward's password module (N.4 at the
# directory; tests/directory), checking against a block-list of its own.
STEWARD_TEST_PPOLICY_URL=$(SLAPD_PPOLICY_MODULE="$(cd "$build" && pwd)/steward-ppolicy.so" \
  SLAPD_PPOLICY_ARG="blocklist=$root/tests/data/ldap/blocklist.txt" \
  start_server slapd-ppolicy 55800 "$root/scripts/slapd.sh" start "$run/slapd-ppolicy" PORT "$root/tests/data/ldap/accounts.ldif")
STEWARD_TEST_PPOLICY_PW=$(cat "$run/slapd-ppolicy/admin.pw")
export STEWARD_TEST_PG_URL STEWARD_TEST_LDAP_URL STEWARD_TEST_LDAP_PW \
  STEWARD_TEST_PPOLICY_URL STEWARD_TEST_PPOLICY_PW
# Here the servers exist: a test that cannot reach one fails, not skips.
export STEWARD_REQUIRE_PG=1 STEWARD_REQUIRE_LDAP=1 STEWARD_REQUIRE_POSTFIX=1 \
  STEWARD_REQUIRE_SQUID=1 STEWARD_REQUIRE_DOVECOT=1 STEWARD_REQUIRE_NGINX=1
echo "test servers: $STEWARD_TEST_PG_URL, $STEWARD_TEST_LDAP_URL, $STEWARD_TEST_PPOLICY_URL"
# Results per test also go to JUnit XML beside each build, which .ci/run
# summarises per suite (run, skipped, failed).
status=0
# Where each phase ends, in minutes since CI began (or since this script did).
t0=${STEWARD_CI_START:-$(date +%s)}
phase() { local d=$(($(date +%s) - t0)); echo "== time: $1 at $((d / 60)) min $((d % 60)) s"; }
phase "servers started (build and packages before)"
# The sanitizer build runs beside the tests at the lowest priority: it takes
# only what the tests leave idle (waiting on Postfix, the browser, a
# server), and the tests, which assert nothing about time, see no
# difference. Its output goes to a log, shown when it fails.
# It is built by clang, which compiles this tree unoptimised with the
# sanitizers in half the time GCC takes (a tree built by another compiler
# is configured afresh).
asan_log="$run/asan-build.log"
if [ -f "$asan/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++-14' "$asan/CMakeCache.txt"; then
  rm -rf "$asan"
fi
(nice -n 19 env CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$asan" -DCMAKE_BUILD_TYPE=Asan -DSTEWARD_SANITIZE=ON >/dev/null &&
  nice -n 19 cmake --build "$asan" -j "$jobs" --target unit_tests corpora_tests store_tests portal_tests) \
  >"$asan_log" 2>&1 &
asan_pid=$!
(cd "$build" && ctest --output-on-failure -j "$jobs" --output-junit ctest-junit.xml) || status=$?
phase "tests done"
asan_status=0
wait "$asan_pid" || asan_status=$?
if [ "$asan_status" -ne 0 ]; then
  echo "sanitizer build failed (exit $asan_status):" >&2
  tail -60 "$asan_log" >&2
  exit 1
fi
phase "sanitizer build done"
# The test binaries, four shards each, a process a shard (not one a test,
# as ctest would: an ASan process takes 0.4 s to start, which was a third
# of this phase); gtest's XML goes to $asan/gtest/, which .ci/summary.py
# reads.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$root/scripts/gtest-shards.sh" "$asan" "$asan/gtest" "$jobs" 4 1500 \
  unit_tests corpora_tests store_tests portal_tests || status=1
phase "sanitizer tests done"
exit "$status"
