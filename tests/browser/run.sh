#!/usr/bin/env bash
# ctest's PortalBrowser: finds node when the test runs (it may be installed
# after CMake configured the build, as `make test` installs it), then runs
# portal.mjs. Exit 77 (skipped) without node, unless STEWARD_REQUIRE_BROWSER=1.
set -uo pipefail
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
  if [ "${STEWARD_REQUIRE_BROWSER:-0}" = 1 ]; then
    echo "FAIL: node is not installed (STEWARD_REQUIRE_BROWSER=1)"
    exit 1
  fi
  echo "skipped: node is not installed (scripts/deps.sh test)"
  exit 77
fi
exec "$node" "$(dirname "$0")/portal.mjs"
