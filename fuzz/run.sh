#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, seeded from fuzz/corpus/<target>
# and, where present, the shared corpora. Usage: fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
shared="$here/../../shared/corpora"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Inputs that crash or leak are kept here (the work folder is removed).
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
mkdir -p "$artifacts"
seed() {  # target -> seed folders
  case "$1" in
    fuzz_redact)
      echo "$here/corpus/mime"
      local pdfs="$work/seeds-redact"
      mkdir -p "$pdfs"
      find "$here/../tests/golden/cases" -name "*.pdf" -size -300k -exec cp {} "$pdfs/" \; 2>/dev/null || true
      echo "$pdfs" ;;
    fuzz_mime)
      echo "$here/corpus/mime"
      [ -d "$shared/mime4j" ] && echo "$shared/mime4j/testmsgs $shared/mime4j/mimetools-testmsgs"
      [ -d "$shared/rspamd-messages" ] && echo "$shared/rspamd-messages" ;;
    fuzz_inspect|fuzz_names)
      echo "$here/corpus/inspect $here/../tests/golden/cases" ;;
    fuzz_people)
      echo "$here/corpus/people" ;;
    fuzz_verdict)
      echo "$here/corpus/verdict" ;;
    fuzz_headers)
      echo "$here/corpus/headers" ;;
    fuzz_icap)
      echo "$here/corpus/icap" ;;
    fuzz_milter)
      echo "$here/corpus/milter" ;;
    fuzz_upload)
      echo "$here/corpus/upload" ;;
    fuzz_weblog)
      echo "$here/corpus/weblog $here/../tests/weblog/cases" ;;
    fuzz_page)
      echo "$here/corpus/page $here/../tests/publish/site $here/../tests/publish/site/lincoln $here/../tests/publish/site/buchanan"
      [ -d "$shared/adblock" ] && echo "$shared/adblock" ;;
    fuzz_csv|fuzz_table)
      echo "$here/corpus/csv $here/../tests/golden/roster"
      [ -d "$shared/oneroster" ] && echo "$shared/oneroster/Test_full_data_set"
      [ -d "$shared/textract" ] && echo "$shared/textract/csv $shared/textract/tsv" ;;
    fuzz_archive|fuzz_office|fuzz_pdf|fuzz_html|fuzz_ole|fuzz_document)
      # Seeds: the golden documents and textract's, per reader.
      local exts
      case "$1" in
        fuzz_archive) exts="zip" ;; fuzz_office) exts="docx xlsx pptx odt ods docm zip" ;;
        fuzz_pdf) exts="pdf" ;; fuzz_html) exts="html" ;; fuzz_ole) exts="doc xls msg" ;;
        *) exts="zip docx xlsx pptx odt ods pdf html doc xls msg csv rtf" ;;
      esac
      [ "$1" = fuzz_ole ] && echo "$here/corpus/ole"
      local dir="$work/seeds-$1"
      mkdir -p "$dir"
      for e in $exts; do
        find "$here/../tests/golden/cases" "$shared/textract" -name "*.$e" -size -300k \
          -exec cp {} "$dir/" \; 2>/dev/null || true
      done
      echo "$dir" ;;
  esac
}
if [ -n "${STEWARD_CI_START:-}" ]; then
  d=$(($(date +%s) - STEWARD_CI_START)); echo "== time: fuzz build done at $((d / 60)) min $((d % 60)) s"
fi
# Known leaks inside libraries (not Steward's code), each with a reproducer.
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
targets="fuzz_mime fuzz_inspect fuzz_names fuzz_csv fuzz_archive fuzz_office fuzz_pdf fuzz_html fuzz_table fuzz_ole fuzz_document fuzz_people fuzz_verdict fuzz_headers fuzz_icap fuzz_milter fuzz_upload fuzz_weblog fuzz_redact fuzz_page"
# Each target is one process on one core: FUZZ_JOBS of them at a time
# (default: the cores).
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {  # run_one TARGET: its log in $work/TARGET.log, 0 when no crash
  local t=$1 leaks=1
  mkdir -p "$work/$t"
  # Where an OLE2 file can be reached, libgsf's own leak on a corrupt
  # directory (fuzz/lsan.supp) would end every run, and suppressing it needs
  # slow unwinding (20 times fewer inputs). These two targets look for
  # crashes only; Steward's OLE code is leak-checked by the ASan unit tests.
  case "$t" in fuzz_ole|fuzz_document) leaks=0 ;; esac
  # shellcheck disable=SC2046
  ASAN_OPTIONS="detect_leaks=$leaks" "$build/$t" -max_total_time="$secs" -max_len=262144 \
    -rss_limit_mb=2048 -timeout=10 -detect_leaks=$leaks -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$work/$t" $(seed "$t") >"$work/$t.log" 2>&1
}
report() {  # report TARGET EXIT_CODE
  local t=$1 rc=$2 runs f
  if [ "$rc" != 0 ]; then
    echo "fuzz: $t FOUND A CRASH:"; tail -40 "$work/$t.log"
    for f in $(ls "$artifacts/$t-"* 2>/dev/null | head -3); do
      echo "--- $f (kept)"; xxd "$f" | head -20 || true
    done
    return 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$')
  echo "fuzz: $t ran ${runs:-?} inputs in ${secs}s, no crash"
}
# Start up to $jobs targets, then report each in the order given as it ends.
declare -A pid_of
list=(${FUZZ_TARGETS:-$targets})
next=0
running=0
status=0
passed=0
failed=0
for ((i = 0; i < ${#list[@]}; i++)); do
  while [ "$next" -lt "${#list[@]}" ] && [ "$running" -lt "$jobs" ]; do
    run_one "${list[$next]}" &
    pid_of[${list[$next]}]=$!
    next=$((next + 1)); running=$((running + 1))
  done
  t=${list[$i]}
  rc=0
  wait "${pid_of[$t]}" || rc=$?
  running=$((running - 1))
  if report "$t" "$rc"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
