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
  rm -rf "$run"
}
trap cleanup EXIT
pg_port=$((55000 + RANDOM % 400)); ldap_port=$((55400 + RANDOM % 400))
STEWARD_TEST_PG_URL=$("$root/scripts/postgres.sh" start "$run/pg" "$pg_port")
STEWARD_TEST_LDAP_URL=$("$root/scripts/slapd.sh" start "$run/slapd" "$ldap_port" "$root/tests/data/ldap/people.ldif")
STEWARD_TEST_LDAP_PW=$(cat "$run/slapd/admin.pw")
export STEWARD_TEST_PG_URL STEWARD_TEST_LDAP_URL STEWARD_TEST_LDAP_PW
# Here the servers exist: a test that cannot reach one fails, not skips.
export STEWARD_REQUIRE_PG=1 STEWARD_REQUIRE_LDAP=1 STEWARD_REQUIRE_POSTFIX=1
echo "test servers: $STEWARD_TEST_PG_URL, $STEWARD_TEST_LDAP_URL"
(cd "$build" && ctest --output-on-failure -j "$jobs")
cmake -S "$root" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DSTEWARD_SANITIZE=ON >/dev/null
cmake --build "$asan" -j "$jobs" --target unit_tests corpora_tests store_tests portal_tests
(cd "$asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -L unit)
