#!/usr/bin/env bash
# Scans one generated corpus with Steward and with the tools a district would
# otherwise use, in one run, and reports MB/s and ratios (best of REPEAT).
#   bench/run.sh BUILD_DIR            (make bench)
# Environment: BENCH_MB (corpus size, default 200), REPEAT (default 3),
# BENCH_OUT (default bench/out).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mb=${BENCH_MB:-200}
repeat=${REPEAT:-3}
out=${BENCH_OUT:-$here/out}
mkdir -p "$out"
corpus="$out/mail-${mb}mb.mbox"
roster="$out/roster"
if [ ! -s "$corpus" ]; then
  "$build/steward-corpus" --mbox "$corpus" --roster "$roster" --bytes $((mb * 1000000)) \
    --students 4800 --employees 200 --seed 11
fi
bytes=$(stat -c %s "$corpus")
cache="$out/cache"
"$build/pattern_cost" --ripgrep "$here/../policy" > "$out/ripgrep-patterns.txt"
echo 'Steward.Bench.Dummy:0:*:5374657761726442656e63684e6f7448657265' > "$out/dummy.ndb"

# best_of NAME COMMAND...: runs the command REPEAT times, records the best
# wall time and the peak RSS of that run.
declare -A secs rss
best_of() {
  local name=$1; shift
  local best="" best_rss=0
  for _ in $(seq "$repeat"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null 2> "$out/$name.err" || true
    read -r t m < "$out/time.txt"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; best_rss=$m; fi
  done
  secs[$name]=$best
  rss[$name]=$best_rss
  printf '%-34s %8.2f s  %8.1f MB/s  %7d MB RSS\n' "$name" "$best" \
    "$(awk -v b="$bytes" -v s="$best" 'BEGIN{print b/1e6/s}')" $((best_rss / 1024)) >&2
}

# Warm the compiled-pattern cache and the page cache once.
"$build/steward" scan --cache "$cache" --roster "$roster" -j 1 --format jsonl "$corpus" >/dev/null 2>&1 || true

best_of steward-full-roster "$build/steward" scan --cache "$cache" --roster "$roster" -j 1 --format jsonl --no-progress "$corpus"
best_of steward-full "$build/steward" scan --cache "$cache" -j 1 --format jsonl --no-progress "$corpus"
best_of steward-full-roster-j2 "$build/steward" scan --cache "$cache" --roster "$roster" -j 2 --format jsonl --no-progress "$corpus"
best_of ripgrep-pack-subset rg -j1 --no-config --count-matches -f "$out/ripgrep-patterns.txt" "$corpus"
best_of clamscan-structured clamscan --no-summary -d "$out/dummy.ndb" --detect-structured=yes \
  --structured-ssn-format=2 --structured-ssn-count=1 --structured-cc-count=1 --allmatch=yes \
  --max-filesize=2000M --max-scansize=2000M "$corpus"
best_of yara-identifiers yara -p 1 "$here/identifiers.yar" "$corpus"

rate() { awk -v b="$bytes" -v s="${secs[$1]}" 'BEGIN{printf "%.1f", b/1e6/s}'; }
ratio() { awk -v a="${secs[$2]}" -v b="${secs[$1]}" 'BEGIN{printf "%.2f", a/b}'; }
{
  echo "Corpus: $(basename "$corpus"), $((bytes / 1000000)) MB of plain-text District mail in one mbox"
  echo "($(grep -c '^From ' "$corpus") messages), roster of 5,000 people; best of $repeat; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
  echo
  echo "| tool | what it does | MB/s | peak RSS | Steward (full pack + roster, 1 thread) is |"
  echo "|---|---|---|---|---|"
  echo "| steward scan, full pack + roster, -j 1 | 38 detectors, 14 word lists, 5,000-person roster, MIME decoding, validation, context | $(rate steward-full-roster) | $((rss[steward-full-roster] / 1024)) MB | 1.00× |"
  echo "| steward scan, full pack, no roster, -j 1 | as above without the roster | $(rate steward-full) | $((rss[steward-full] / 1024)) MB | $(ratio steward-full-roster steward-full)× |"
  echo "| steward scan, full pack + roster, -j 2 | two threads | $(rate steward-full-roster-j2) | $((rss[steward-full-roster-j2] / 1024)) MB | $(ratio steward-full-roster steward-full-roster-j2)× |"
  echo "| rg -j1 --count-matches | the pack's regexes and terms that ripgrep can run, raw bytes, no MIME decoding, no validation | $(rate ripgrep-pack-subset) | $((rss[ripgrep-pack-subset] / 1024)) MB | $(ratio steward-full-roster ripgrep-pack-subset)× |"
  echo "| clamscan --detect-structured --allmatch | ClamAV's SSN and card detection (with MIME parsing) | $(rate clamscan-structured) | $((rss[clamscan-structured] / 1024)) MB | $(ratio steward-full-roster clamscan-structured)× |"
  echo "| yara -p 1 | SSN, card, phone, e-mail shapes (bench/identifiers.yar) | $(rate yara-identifiers) | $((rss[yara-identifiers] / 1024)) MB | $(ratio steward-full-roster yara-identifiers)× |"
} | tee "$out/results.md"
