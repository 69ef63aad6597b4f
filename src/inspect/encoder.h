// A sentence encoder and the small trained model that reads its vectors:
// the conduct detectors' second opinion (docs/models.md). A bag of words
// (inspect/classifier.h) misses threats and insults said in ordinary words
// ("I'll make sure you regret this"); a pretrained encoder that reads the
// whole sentence places them near the ones it was trained on.
//
// SentenceEncoder is Universal Sentence Encoder lite (a two-layer
// transformer, 8,000 word pieces, 512-dimensional output), read from the
// files of its TF.js release (model.json, its weight shards, vocab.json;
// scripts/encoder.sh fetches and checks them). It gives what that release
// gives, to about 1e-6: the tokeniser (NFKC, "▁" for spaces, the best split
// by the pieces' scores, a run of unknown characters one id, at most 128
// ids) and the forward pass are written from its graph, with matrix
// products by OpenBLAS (one thread per caller).
//
// Head is a one-hidden-layer network (ReLU, then softmax over its labels)
// trained on the encoder's vectors (scripts/model.sh, scripts/tune.py); its
// file is "steward-head 1 IN HIDDEN N label..." on one line, then the
// weights as little-endian float32: W1 [IN][HIDDEN], b1, W2 [HIDDEN][N], b2.
//
// Both are immutable after loading and shared by all threads; Embed costs
// about 0.1 ms a word piece, so the detectors ask it only for sentences the
// first model holds possible (policy/pack.h: `gate`).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace steward::inspect {

inline constexpr size_t kEncoderDim = 512;
// The word pieces of a sentence that the conduct detectors' encoder reads
// (and that their head was trained on): its first 64.
inline constexpr size_t kConductPieces = 64;
using Embedding = std::array<float, kEncoderDim>;

class SentenceEncoder {
 public:
  // Reads `dir` (model.json, the shards it names, vocab.json). Errors name
  // the file and what is wrong (a missing tensor, a shard too short).
  // With `tune` (the bytes of a tuning file, named `tune_name` in errors),
  // each matrix it names becomes W + A·B as it is loaded: "steward-tune 1
  // RANK N", then for each of N matrices a line "name rows columns" and
  // A [rows][RANK], B [RANK][columns] as little-endian float32
  // (scripts/tune.py writes it).
  static core::Result<std::unique_ptr<const SentenceEncoder>> Load(
      const std::string& dir, const std::string* tune = nullptr,
      const std::string& tune_name = "");
  ~SentenceEncoder();

  // The word-piece ids of `text` (UTF-8; invalid bytes read as U+FFFD), at
  // most 128, as the release's tokeniser gives them.
  std::vector<int32_t> Tokenize(std::string_view text) const;

  // The unit-length vector of `text`, of its first `max_ids` word pieces
  // (at most 128; the cost grows with them, about 0.1–0.2 ms a piece).
  Embedding Embed(std::string_view text, size_t max_ids = 128) const;

 private:
  SentenceEncoder();
  struct Weights;
  std::unique_ptr<Weights> w_;
  // piece (UTF-32) -> (score, id), and every beginning of a piece that is
  // none itself -> (0, -1); the longest piece's length
  std::unordered_map<std::u32string, std::pair<double, int32_t>> pieces_;
  std::vector<uint32_t> piece_length_;  // by id, in code points
  size_t max_piece_ = 1;
};

class Head {
 public:
  // Parses a head file's bytes; `name` names it in errors.
  static core::Result<std::unique_ptr<const Head>> Parse(
      const std::string& name, std::string_view bytes);
  int LabelIndex(std::string_view label) const;  // -1 when it has none
  // Every label's probability for an encoder's vector.
  std::vector<double> Probabilities(const Embedding& e) const;

 private:
  Head() = default;
  size_t hidden_ = 0;
  std::vector<std::string> labels_;
  std::vector<float> w1_, b1_, w2_, b2_;
};

}  // namespace steward::inspect
