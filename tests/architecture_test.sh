#!/usr/bin/env bash
# Holds the one-way module dependencies of docs/architecture.md: every
# project include in src/<module> must name a module it may depend on.
set -euo pipefail
src=$(cd "$(dirname "$0")/../src" && pwd)
declare -A allowed=(
  [core]="core"
  [policy]="core policy"
  [roster]="core roster"
  [inspect]="core policy roster inspect"
  [store]="core store"
  [audit]="core store audit"
  [people]="core store audit roster people"
  [identity]="core store audit identity"
  [acknowledge]="core store audit acknowledge"
  [sites]="core store audit roster people sites"
  [extract]="core extract"
  [engine]="core policy inspect extract engine"
  [decide]="core policy inspect extract engine decide"
  [incidents]="core store audit incidents"
  [approvals]="core policy store audit approvals"
  [rulings]="core store audit rulings"
  [vendors]="core policy store audit vendors"
  [equipment]="core store audit equipment"
  [directory]="core policy store audit directory"
  [quarantine]="core policy inspect extract engine decide store audit incidents quarantine"
  [enforce]="core policy inspect extract engine decide store audit incidents quarantine vendors enforce"
  [weblog]="core policy weblog"
  [records]="core policy store audit records"
  [release]="core policy roster inspect extract engine release"
  [publish]="core policy roster inspect extract engine decide publish"
  [channels]="core policy roster inspect extract engine decide store audit incidents quarantine enforce people identity acknowledge sites weblog records release publish approvals rulings vendors equipment directory channels"
  [app]="channels"
  [tools]="core tools"
)
bad=0
# The doors only translate the enforcement layer's outcome: they keep
# nothing themselves (issue: one enforcement layer for every door).
for door in milter icap; do
  if grep -rnE '^#include "(quarantine|incidents|store|audit)/' "$src/channels/$door"; then
    echo "channels/$door may not include quarantine, store or audit: go through enforce"
    bad=1
  fi
done
# The web door depends on enforce, engine, http and core, and on no other
# door.
if grep -rnE '^#include "channels/(milter|portal|cli)/' "$src/channels/icap"; then
  echo "channels/icap may not include another door"
  bad=1
fi
for module in "${!allowed[@]}"; do
  [ -d "$src/$module" ] || continue
  while IFS=: read -r file line inc; do
    target=${inc#*\"}; target=${target%%/*}
    ok=0
    for m in ${allowed[$module]}; do [ "$target" = "$m" ] && ok=1; done
    if [ $ok -eq 0 ]; then
      echo "${file#$src/}:$line: $module may not include \"$target/...\" (docs/architecture.md)"
      bad=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$src/$module" | sed -E 's/^([^:]+):([0-9]+):(.*)$/\1:\2:\3/')
done
[ $bad -eq 0 ] && echo "module dependencies: 1 passed, 0 failed"
exit $bad
