#!/usr/bin/env bash
# Document extraction speed: Steward reading a mixed document corpus (PDF,
# DOCX, XLSX, CSV, HTML, zips), extraction alone and the full scan, and
# beside it poppler's pdftotext on the PDFs alone, in one run (best of
# REPEAT). Usage: bench/documents.sh BUILD_DIR   (make bench-documents)
# Environment: SCALE (corpus size; 1 is about 35 MB), REPEAT (default 3),
# BENCH_OUT (default bench/out).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
scale=${SCALE:-1}
repeat=${REPEAT:-3}
out=${BENCH_OUT:-$here/out}
docs="$out/documents-x$scale"
pdfs="$out/documents-x$scale-pdf"
shared="$here/../../shared/corpora/textract"
if [ ! -d "$docs" ]; then
  python3 "$here/make_documents.py" "$docs" "$scale"
  # Real-world PDFs (fonts, two columns) beside the generated ones.
  if [ -d "$shared/pdf" ]; then
    for i in $(seq 1 $((20 * scale))); do
      cp "$shared/pdf/two_column.pdf" "$docs/paper-$i.pdf"
      cp "$shared/pdf/raw_text.pdf" "$docs/text-$i.pdf"
    done
  fi
  mkdir -p "$pdfs"
  cp "$docs"/*.pdf "$pdfs/"
fi
bytes=$(du -sb "$docs" | cut -f1)
pdf_bytes=$(du -sb "$pdfs" | cut -f1)
cache="$out/cache"

declare -A secs
best_of() {  # NAME BYTES COMMAND...
  local name=$1 b=$2; shift 2
  local best=""
  for _ in $(seq "$repeat"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    t1=$(date +%s.%N)
    local t; t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
  done
  secs[$name]=$best
  printf '%-30s %8.2f s  %8.1f MB/s\n' "$name" "$best" \
    "$(awk -v b="$b" -v s="$best" 'BEGIN{print b/1e6/s}')" >&2
}
pdftotext_all() {
  for f in "$pdfs"/*.pdf; do pdftotext "$f" - ; done
}

"$build/steward" scan --cache "$cache" -j 1 --no-progress "$docs" > /dev/null 2>&1 || true  # warm
best_of steward-extract "$bytes" "$build/steward" extract --format json "$docs"
best_of steward-scan-j1 "$bytes" "$build/steward" scan --cache "$cache" -j 1 --format jsonl --no-progress "$docs"
best_of steward-scan-j2 "$bytes" "$build/steward" scan --cache "$cache" -j 2 --format jsonl --no-progress "$docs"
best_of steward-extract-pdf "$pdf_bytes" "$build/steward" extract --format json "$pdfs"
best_of pdftotext-pdf "$pdf_bytes" pdftotext_all

rate() { awk -v b="$2" -v s="${secs[$1]}" 'BEGIN{printf "%.1f", b/1e6/s}'; }
{
  echo "Corpus: $(find "$docs" -type f | wc -l) files, $((bytes / 1000000)) MB (PDF, DOCX, XLSX, CSV, HTML, zip);"
  echo "PDFs alone: $(find "$pdfs" -type f | wc -l) files, $((pdf_bytes / 1000000)) MB. Best of $repeat runs;"
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
  echo
  echo "| what | input | seconds | MB/s |"
  echo "|---|---|---|---|"
  echo "| steward extract (reading only) | all | ${secs[steward-extract]} | $(rate steward-extract "$bytes") |"
  echo "| steward scan -j 1 (read + inspect) | all | ${secs[steward-scan-j1]} | $(rate steward-scan-j1 "$bytes") |"
  echo "| steward scan -j 2 | all | ${secs[steward-scan-j2]} | $(rate steward-scan-j2 "$bytes") |"
  echo "| steward extract | PDFs | ${secs[steward-extract-pdf]} | $(rate steward-extract-pdf "$pdf_bytes") |"
  echo "| pdftotext, one process per file | PDFs | ${secs[pdftotext-pdf]} | $(rate pdftotext-pdf "$pdf_bytes") |"
  echo
  awk -v a="${secs[pdftotext-pdf]}" -v b="${secs[steward-extract-pdf]}" \
    'BEGIN{printf "Steward reads the PDFs at %.2f× the speed of pdftotext.\n", a/b}'
} | tee "$out/documents.md"
