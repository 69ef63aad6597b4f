#!/usr/bin/env bash
# `make model`: rebuilds the classifier detectors' models (policy/models,
# docs/models.md) from the training data that steward-eval writes (the
# functional suite's tuning part and the shared corpora's training part).
# One thread and fixed seeds: the same data gives the same model.
# Usage: scripts/model.sh BUILD_DIR (the encoder: scripts/encoder.sh)
set -euo pipefail
build=${1:-build}
out=policy/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/steward-eval" --training-data "$work"
mkdir -p "$out"
# name, then fastText's training arguments. Quantising keeps the 60,000
# most useful words and word pairs: with 20,000 (a third of the file) the
# models raised twice the false alarms on real mail.
train() {
  local name=$1; shift
  fasttext supervised -input "$work/$name.train" -output "$work/$name" \
    -loss ova -seed 7 -thread 1 -verbose 0 "$@"
  fasttext quantize -input "$work/$name.train" -output "$work/$name" \
    -qnorm -retrain -cutoff 60000 -seed 7 -thread 1 -verbose 0 "$@"
  cp "$work/$name.ftz" "$out/$name.ftz"
  echo "model: $out/$name.ftz ($(stat -c %s "$out/$name.ftz") bytes)"
}
train conduct -epoch 20 -lr 0.3 -wordNgrams 2 -minn 0 -maxn 0 -dim 32 -bucket 200000
# The conduct model by itself on the functional suite's held-out fifth
# (never trained on): precision and recall per label at fastText's 0.5.
fasttext test-label "$out/conduct.ftz" "$work/conduct.valid" 1 0.5
train solicitation -epoch 20 -lr 0.3 -wordNgrams 2 -dim 32 -bucket 200000
# The conduct detectors' second opinion: the sentence encoder tuned on the
# training sentences' word pieces with a small network on its vector
# (docs/models.md; about 30 minutes on two cores).
"$build/steward-eval" --tokens policy/models/use-lite "$work/conduct.train" \
  "$work/conduct.ids"
"$build/steward-eval" --tokens policy/models/use-lite "$work/conduct.valid" \
  "$work/valid.ids"
TUNE_VALID="$work/valid.ids $work/conduct.valid" scripts/tune.py \
  policy/models/use-lite "$work/conduct.ids" "$work/conduct.train" \
  "$out/conduct.tune" "$out/conduct.head" threat harassment
