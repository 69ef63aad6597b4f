#include "inspect/encoder.h"

#include <cblas.h>
#include <dlfcn.h>
#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/text.h"

namespace steward::inspect {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxIds = 128;
constexpr size_t kEmbed = 256;  // the word pieces' vectors
constexpr size_t kModel = 512;  // the layers' width
constexpr size_t kFfn = 1536;
constexpr size_t kHeads = 4;
constexpr int kFirstPiece = 6;  // ids below are unknown, <s>, </s> and spares
constexpr float kLayerNormEpsilon = 9.99999997e-07F;

const std::string kApplied = "module_apply_default/Encoder_en/KonaTransformer/";
const std::string kModule = "module/Encoder_en/KonaTransformer/";

// UTF-8 (valid) to code points.
std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    out.push_back(g_utf8_get_char(p));
    p = g_utf8_next_char(p);
  }
  return out;
}

// OpenBLAS's matrix product, from the library opened by OpenBlas().
decltype(&cblas_sgemm) sgemm = nullptr;

// Opens OpenBLAS once, when the first encoder is loaded; "" or what failed.
// Debian's build (the pthread variant) starts a thread for each core as it
// is loaded, and each spins for about 0.13 s of processor time waiting for
// work it never gets: the encoder calls it from one thread per caller. Its
// constructor reads OPENBLAS_NUM_THREADS, so it is opened with that set to
// 1, and a program that never loads an encoder never loads it at all.
// `steward` sets it as it starts, before any thread (src/app/main.cc), so
// that the environment is not changed here while other threads may read
// it; other programs (tests, tools) get it set here.
const std::string& OpenBlas() {
  static const std::string error = []() -> std::string {
    const char* threads_set = std::getenv("OPENBLAS_NUM_THREADS");
    if (threads_set == nullptr || std::string_view(threads_set) != "1")
      setenv("OPENBLAS_NUM_THREADS", "1", 1);
    void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      return std::string(
                 "OpenBLAS could not be opened (install Debian's "
                 "libopenblas0): ") +
             (why ? why : "?");
    }
    sgemm = reinterpret_cast<decltype(&cblas_sgemm)>(dlsym(lib, "cblas_sgemm"));
    auto threads =
        reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
    if (sgemm == nullptr || threads == nullptr)
      return "OpenBLAS (libopenblas.so.0) lacks cblas_sgemm or "
             "openblas_set_num_threads";
    threads(1);  // whatever the environment said before
    return {};
  }();
  return error;
}

// y[T][n] = x[T][k] · w[k][n] + b[n]
void Dense(const float* x, size_t t, size_t k, const float* w, const float* b,
           size_t n, float* y) {
  for (size_t i = 0; i < t; ++i) std::memcpy(y + i * n, b, n * sizeof(float));
  sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(t),
        static_cast<int>(n), static_cast<int>(k), 1.0F, x, static_cast<int>(k),
        w, static_cast<int>(n), 1.0F, y, static_cast<int>(n));
}

// Each row of x[T][n] normalised, as the graph does it.
void LayerNorm(const float* x, size_t t, size_t n, const float* g,
               const float* b, float* y) {
  for (size_t i = 0; i < t; ++i) {
    const float* r = x + i * n;
    float mean = 0;
    for (size_t j = 0; j < n; ++j) mean += r[j];
    mean /= static_cast<float>(n);
    float var = 0;
    for (size_t j = 0; j < n; ++j) var += (r[j] - mean) * (r[j] - mean);
    var /= static_cast<float>(n);
    const float inv = 1.0F / std::sqrt(var + kLayerNormEpsilon);
    for (size_t j = 0; j < n; ++j)
      y[i * n + j] = (g[j] * inv) * (r[j] - mean) + b[j];
  }
}

}  // namespace

struct SentenceEncoder::Weights {
  std::vector<float> all;  // every tensor, as the shards hold them
  const float* embeddings = nullptr;
  const float* timing = nullptr;  // [128] inverse time scales
  struct Layer {
    size_t in = 0, head = 0;  // input width; one head's width
    float scale = 0;
    const float *ln_g = nullptr, *ln_b = nullptr, *qkv = nullptr,
                *qkv_b = nullptr, *out = nullptr, *out_b = nullptr;
    const float *res = nullptr, *res_b = nullptr;  // layer 0's projection
    const float *ffn_g = nullptr, *ffn_b = nullptr, *w1 = nullptr,
                *b1 = nullptr, *w2 = nullptr, *b2 = nullptr;
  } layers[2];
  const float *tanh_w = nullptr, *tanh_b = nullptr;
};

SentenceEncoder::SentenceEncoder() = default;
SentenceEncoder::~SentenceEncoder() = default;

namespace {

// A matrix the forward pass reads: where its first float is in the
// weights, and its shape.
struct MatrixAt {
  size_t at, rows, cols;
};

bool AllFinite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(),
                     [](float x) { return std::isfinite(x); });
}

// Adds a tuning file's corrections (SentenceEncoder::Load) to the matrices
// of `all` that the forward pass reads, found by name in `matrices`; each
// may be named once, with its own shape, and every value must be finite.
core::Status ApplyTune(
    const std::string& name, std::string_view bytes,
    const std::unordered_map<std::string, MatrixAt>& matrices,
    std::vector<float>& all) {
  // The next line of `bytes` as words, or none when there is no line.
  auto line = [&bytes]() {
    std::vector<std::string> words;
    const size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos || nl > 4096) return words;
    for (std::string_view l = bytes.substr(0, nl); !l.empty();) {
      const size_t sp = l.find(' ');
      words.emplace_back(l.substr(0, sp));
      l = sp == std::string_view::npos ? "" : l.substr(sp + 1);
    }
    bytes.remove_prefix(nl + 1);
    return words;
  };
  auto number = [](const std::string& s) -> size_t {
    auto v = core::ParseInt(s, 1, 1 << 16, "a size");
    return v.ok() ? static_cast<size_t>(*v) : 0;
  };
  std::vector<std::string> header = line();
  const size_t rank = header.size() == 4 ? number(header[2]) : 0;
  const size_t count = header.size() == 4 ? number(header[3]) : 0;
  if (header.size() != 4 || header[0] != "steward-tune" || header[1] != "1" ||
      rank == 0 || rank > 1024 || count == 0 || count > 64)
    return core::Status::Corrupt(
        name + ": the header is not \"steward-tune 1 RANK N\"");
  std::vector<float> a, b;
  std::unordered_set<std::string> tuned;
  for (size_t m = 0; m < count; ++m) {
    std::vector<std::string> words = line();
    const size_t rows = words.size() == 3 ? number(words[1]) : 0;
    const size_t cols = words.size() == 3 ? number(words[2]) : 0;
    if (rows == 0 || cols == 0)
      return core::Status::Corrupt(name + ": matrix " + std::to_string(m + 1) +
                                   " has no \"name rows columns\" line");
    auto it = matrices.find(words[0]);
    if (it == matrices.end() || it->second.rows != rows ||
        it->second.cols != cols)
      return core::Status::Corrupt(
          name + ": the encoder has no " + std::to_string(rows) + "x" +
          std::to_string(cols) + " matrix " + words[0]);
    if (!tuned.insert(words[0]).second)
      return core::Status::Corrupt(name + ": " + words[0] + " is named twice");
    const size_t floats = (rows + cols) * rank;
    if (bytes.size() < floats * sizeof(float))
      return core::Status::Corrupt(name + ": " + words[0] + " is cut short");
    a.resize(rows * rank);
    b.resize(rank * cols);
    std::memcpy(a.data(), bytes.data(), a.size() * sizeof(float));
    std::memcpy(b.data(), bytes.data() + a.size() * sizeof(float),
                b.size() * sizeof(float));
    bytes.remove_prefix(floats * sizeof(float));
    if (!AllFinite(a) || !AllFinite(b))
      return core::Status::Corrupt(name + ": " + words[0] +
                                   " holds a value that is not finite");
    // W += A·B
    sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
          static_cast<int>(cols), static_cast<int>(rank), 1.0F, a.data(),
          static_cast<int>(rank), b.data(), static_cast<int>(cols), 1.0F,
          all.data() + it->second.at, static_cast<int>(cols));
  }
  if (!bytes.empty())
    return core::Status::Corrupt(name + ": " + std::to_string(bytes.size()) +
                                 " bytes after the last matrix");
  return core::Status::Ok();
}

}  // namespace

core::Result<std::unique_ptr<const SentenceEncoder>> SentenceEncoder::Load(
    const std::string& dir, const std::string* tune,
    const std::string& tune_name) {
  // The matrices are small: one thread each, and callers run in parallel.
  if (const std::string& error = OpenBlas(); !error.empty())
    return core::Status::Invalid(error);
  const fs::path d(dir);
  auto model_text = core::ReadFile((d / "model.json").string(), 16u << 20);
  if (!model_text.ok()) return model_text.status();
  json model = json::parse(*model_text, nullptr, false);
  const std::string model_name = (d / "model.json").string();
  if (model.is_discarded() || !model.contains("weightsManifest") ||
      !model["weightsManifest"].is_array() ||
      model["weightsManifest"].size() != 1) {
    return core::Status::Corrupt(model_name +
                                 ": not a TF.js model with one weight group");
  }
  const json& group = model["weightsManifest"][0];
  std::unique_ptr<SentenceEncoder> enc(new SentenceEncoder());
  enc->w_ = std::make_unique<Weights>();
  Weights& w = *enc->w_;
  // The shards, one after another.
  std::string bytes;
  for (const auto& p : group.value("paths", json::array())) {
    if (!p.is_string() || p.get<std::string>().find('/') != std::string::npos)
      return core::Status::Corrupt(model_name + ": a shard path is not a name");
    auto shard = core::ReadFile((d / p.get<std::string>()).string(), 64u << 20);
    if (!shard.ok()) return shard.status();
    bytes += *shard;
  }
  w.all.resize(bytes.size() / sizeof(float));
  std::memcpy(w.all.data(), bytes.data(), w.all.size() * sizeof(float));
  std::unordered_map<std::string, std::pair<size_t, size_t>> where;  // at, n
  size_t at = 0;
  for (const auto& t : group.value("weights", json::array())) {
    size_t n = 1;
    for (const auto& s : t.value("shape", json::array()))
      n *= s.is_number_unsigned() ? s.get<size_t>() : 0;
    if (t.contains("quantization") || !t.contains("name"))
      return core::Status::Corrupt(model_name +
                                   ": quantised or unnamed weights");
    where[t["name"].get<std::string>()] = {at, n};
    at += n;
  }
  if (at * sizeof(float) != bytes.size()) {
    return core::Status::Corrupt(
        model_name + ": the shards hold " + std::to_string(bytes.size()) +
        " bytes, the manifest names " + std::to_string(at * sizeof(float)));
  }
  std::string missing;
  auto get = [&](const std::string& name, size_t n) -> const float* {
    auto it = where.find(name);
    if (it == where.end() || it->second.second != n) {
      missing = name;
      return nullptr;
    }
    return w.all.data() + it->second.first;
  };
  // The matrices a tuning file may correct: those the forward pass reads.
  std::unordered_map<std::string, MatrixAt> matrices;
  auto matrix = [&](const std::string& name, size_t rows,
                    size_t cols) -> const float* {
    const float* m = get(name, rows * cols);
    if (m != nullptr)
      matrices[name] = {static_cast<size_t>(m - w.all.data()), rows, cols};
    return m;
  };
  w.embeddings = get("module/Embeddings_en", 8002 * kEmbed);
  w.timing = get(kApplied +
                     "Encode/TransformerStack/Layer_0/AddTimingSignal/"
                     "TimingSignal/ExpandDims_1",
                 128);
  for (size_t l = 0; l < 2; ++l) {
    auto& L = w.layers[l];
    const std::string n = "Layer_" + std::to_string(l) + "/TransformerLayer/";
    const std::string enc_n = kApplied + "Encode/" + n;
    const std::string stack_n = kApplied + "Encode/TransformerStack/" + n;
    const std::string mod_n = kModule + "Encode/" + n;
    const std::string cat = "/ConcatPartitions/concat";
    L.in = l == 0 ? kEmbed : kModel;
    L.head = (l == 0 ? kEmbed : kModel) / kHeads;
    L.scale = 1.0F / std::sqrt(static_cast<float>(L.head));
    const std::string pre = "layer_prepostprocess/layer_norm/layer_norm_";
    L.ln_g = get(enc_n + pre + "scale" + cat, L.in);
    L.ln_b = get(enc_n + pre + "bias" + cat, L.in);
    const size_t qkv = 3 * L.in;
    L.qkv =
        matrix(mod_n + "MultiheadAttention/qkv_transform_single/kernel/part_0",
               L.in, qkv);
    L.qkv_b =
        get(enc_n + "MultiheadAttention/qkv_transform_single/bias" + cat, qkv);
    L.out = matrix(
        mod_n + "MultiheadAttention/output_transform_single/kernel/part_0",
        L.in, kModel);
    L.out_b =
        get(enc_n + "MultiheadAttention/output_transform_single/bias" + cat,
            kModel);
    if (l == 0) {
      L.res = matrix(enc_n + "dense/kernel" + cat, kEmbed, kModel);
      L.res_b = get(enc_n + "dense/bias" + cat, kModel);
    }
    L.ffn_g = get(enc_n + "FFN/" + pre + "scale" + cat, kModel);
    L.ffn_b = get(enc_n + "FFN/" + pre + "bias" + cat, kModel);
    L.w1 = matrix(stack_n + "FFN/conv1/Tensordot/Reshape_1", kModel, kFfn);
    L.b1 = get(enc_n + "FFN/conv1/bias" + cat, kFfn);
    L.w2 = matrix(stack_n + "FFN/conv2/Tensordot/Reshape_1", kFfn, kModel);
    L.b2 = get(enc_n + "FFN/conv2/bias" + cat, kModel);
  }
  w.tanh_w = matrix("module/Encoder_en/hidden_layers/tanh_layer_0/weights",
                    kModel, kModel);
  w.tanh_b = get("module/Encoder_en/hidden_layers/tanh_layer_0/bias", kModel);
  if (!missing.empty())
    return core::Status::Corrupt(model_name + ": no tensor " + missing +
                                 " of the expected size");
  if (tune != nullptr) {
    if (core::Status s = ApplyTune(tune_name, *tune, matrices, w.all); !s.ok())
      return s;
  }

  // The word pieces. A null score is 0; a piece listed twice keeps its last
  // id (the release's tokeniser does both).
  const std::string vocab_name = (d / "vocab.json").string();
  auto vocab_text = core::ReadFile(vocab_name, 16u << 20);
  if (!vocab_text.ok()) return vocab_text.status();
  json vocab = json::parse(*vocab_text, nullptr, false);
  if (vocab.is_discarded() || !vocab.is_array() || vocab.size() > 8002)
    return core::Status::Corrupt(vocab_name + ": not a list of pieces");
  enc->piece_length_.assign(vocab.size(), 1);
  for (size_t i = 0; i < vocab.size(); ++i) {
    const json& e = vocab[i];
    if (!e.is_array() || e.empty() || !e[0].is_string())
      return core::Status::Corrupt(vocab_name + ": entry " + std::to_string(i) +
                                   " is not [piece, score]");
    const std::string piece = e[0].get<std::string>();
    if (!core::IsValidUtf8(piece))
      return core::Status::Corrupt(vocab_name + ": entry " + std::to_string(i) +
                                   " is not UTF-8");
    std::u32string cps = CodePoints(piece);
    enc->piece_length_[i] =
        static_cast<uint32_t>(std::max<size_t>(cps.size(), 1));
    if (static_cast<int>(i) < kFirstPiece) continue;
    const double score =
        e.size() > 1 && e[1].is_number() ? e[1].get<double>() : 0.0;
    enc->max_piece_ = std::max(enc->max_piece_, cps.size());
    // Its beginnings too (id -1 where no piece is so spelt), so that the
    // tokeniser stops at the first length that begins no piece.
    for (size_t p = 1; p < cps.size(); ++p)
      enc->pieces_.try_emplace(cps.substr(0, p), 0.0, -1);
    enc->pieces_[std::move(cps)] = {score, static_cast<int32_t>(i)};
  }
  enc->piece_length_[0] = 1;  // the unknown character
  return std::unique_ptr<const SentenceEncoder>(std::move(enc));
}

std::vector<int32_t> SentenceEncoder::Tokenize(std::string_view text) const {
  std::vector<int32_t> ids;
  gchar* valid =
      g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  gchar* nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
  g_free(valid);
  if (!nfkc) return ids;
  std::string norm(nfkc);
  g_free(nfkc);
  if (norm.empty()) return ids;
  std::u32string s = U"\u2581";
  for (char32_t c : CodePoints(norm)) s.push_back(c == U' ' ? U'\u2581' : c);
  const size_t n = s.size();
  // Every piece that ends at each position, in order of its start.
  struct Node {
    size_t start;
    double score;
    int32_t id;
  };
  std::vector<std::vector<Node>> ending(n + 1);
  std::u32string key;
  for (size_t i = 0; i < n; ++i) {
    bool found = false;
    for (size_t k = 1; k <= std::min(max_piece_, n - i); ++k) {
      key.assign(s, i, k);
      auto it = pieces_.find(key);
      if (it == pieces_.end()) break;  // no longer piece begins so
      if (it->second.second >= 0) {
        ending[i + k].push_back({i, it->second.first, it->second.second});
        found = true;
      }
    }
    if (!found) ending[i + 1].push_back({i, 0.0, 0});
  }
  // The best split; a best of exactly 0 counts as none yet (as in the
  // release's tokeniser, whose ties go to the later start).
  std::vector<double> best(n + 1, 0.0);
  std::vector<int32_t> word(n + 1, 0);
  for (size_t end = 0; end <= n; ++end) {
    for (const Node& nd : ending[end]) {
      const double sc = nd.score + best[nd.start];
      if (best[end] == 0.0 || sc >= best[end]) {
        best[end] = sc;
        word[end] = nd.id;
      }
    }
  }
  for (size_t it = n; it > 0;) {
    const int32_t id = word[it];
    if (!(id == 0 && !ids.empty() && ids.back() == 0)) ids.push_back(id);
    const size_t len = piece_length_[static_cast<size_t>(id)];
    it = len > it ? 0 : it - len;
  }
  std::reverse(ids.begin(), ids.end());
  if (ids.size() > kMaxIds) ids.resize(kMaxIds);
  return ids;
}

Embedding SentenceEncoder::Embed(std::string_view text, size_t max_ids) const {
  const Weights& w = *w_;
  std::vector<int32_t> ids = Tokenize(text);
  if (ids.empty()) ids = Tokenize(".");  // as the release embeds ""
  if (ids.size() > std::max<size_t>(max_ids, 1))
    ids.resize(std::max<size_t>(max_ids, 1));
  const size_t t = ids.size();
  // x = 2·embedding + timing signal (the graph adds the embedding twice).
  std::vector<float> x(t * kEmbed), h(t * kModel), qkv(t * 3 * kModel),
      att(t * kModel), y(t * kModel), f(t * kFfn), tmp(t * kModel),
      scores(t * t);
  for (size_t i = 0; i < t; ++i) {
    const float* e = w.embeddings + static_cast<size_t>(ids[i]) * kEmbed;
    for (size_t j = 0; j < kEmbed / 2; ++j) {
      const float a = static_cast<float>(i) * w.timing[j];
      x[i * kEmbed + j] = 2 * e[j] + std::sin(a);
      x[i * kEmbed + kEmbed / 2 + j] = 2 * e[kEmbed / 2 + j] + std::cos(a);
    }
  }
  for (size_t l = 0; l < 2; ++l) {
    const auto& L = w.layers[l];
    const float* in = l == 0 ? x.data() : y.data();
    const size_t width = L.in;  // q, k and v are each as wide as the input
    LayerNorm(in, t, width, L.ln_g, L.ln_b, h.data());
    Dense(h.data(), t, width, L.qkv, L.qkv_b, 3 * width, qkv.data());
    // Each head: softmax(q·kᵀ·scale)·v, into att's columns.
    const int ld = static_cast<int>(3 * width);
    for (size_t hd = 0; hd < kHeads; ++hd) {
      const float* q = qkv.data() + hd * L.head;
      const float* k = q + width;
      const float* v = q + 2 * width;
      sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(t),
            static_cast<int>(t), static_cast<int>(L.head), L.scale, q, ld, k,
            ld, 0.0F, scores.data(), static_cast<int>(t));
      for (size_t i = 0; i < t; ++i) {
        float* r = scores.data() + i * t;
        const float m = *std::max_element(r, r + t);
        float sum = 0;
        for (size_t j = 0; j < t; ++j) sum += (r[j] = std::exp(r[j] - m));
        for (size_t j = 0; j < t; ++j) r[j] /= sum;
      }
      sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(t),
            static_cast<int>(L.head), static_cast<int>(t), 1.0F, scores.data(),
            static_cast<int>(t), v, ld, 0.0F, att.data() + hd * L.head,
            static_cast<int>(width));
    }
    Dense(att.data(), t, width, L.out, L.out_b, kModel, tmp.data());
    if (l == 0) {
      Dense(x.data(), t, kEmbed, L.res, L.res_b, kModel, y.data());
      for (size_t i = 0; i < t * kModel; ++i) y[i] += tmp[i];
    } else {
      for (size_t i = 0; i < t * kModel; ++i) y[i] += tmp[i];
    }
    LayerNorm(y.data(), t, kModel, L.ffn_g, L.ffn_b, h.data());
    Dense(h.data(), t, kModel, L.w1, L.b1, kFfn, f.data());
    for (float& v : f) v = std::max(v, 0.0F);
    if (l == 1) break;  // the last product is taken of the mean, below
    Dense(f.data(), t, kFfn, L.w2, L.b2, kModel, tmp.data());
    for (size_t i = 0; i < t * kModel; ++i) y[i] += tmp[i];
  }
  // The mean over positions of the last layer's output: mean(y + f·W2 + b2)
  // is mean(y) + mean(f)·W2 + b2, one product instead of one a position.
  const auto& last = w.layers[1];
  std::vector<float> mean(kModel, 0.0F), mean_f(kFfn, 0.0F), z(kModel);
  for (size_t i = 0; i < t; ++i) {
    for (size_t j = 0; j < kModel; ++j) mean[j] += y[i * kModel + j];
    for (size_t j = 0; j < kFfn; ++j) mean_f[j] += f[i * kFfn + j];
  }
  for (float& v : mean) v /= static_cast<float>(t);
  for (float& v : mean_f) v /= static_cast<float>(t);
  Dense(mean_f.data(), 1, kFfn, last.w2, last.b2, kModel, z.data());
  for (size_t j = 0; j < kModel; ++j) mean[j] += z[j];
  Dense(mean.data(), 1, kModel, w.tanh_w, w.tanh_b, kModel, z.data());
  float norm = 0;
  for (float& v : z) {
    v = std::tanh(v);
    norm += v * v;
  }
  const float inv = 1.0F / std::sqrt(std::max(norm, 9.99999996e-13F));
  Embedding out;
  for (size_t j = 0; j < kModel; ++j) out[j] = z[j] * inv;
  return out;
}

core::Result<std::unique_ptr<const Head>> Head::Parse(const std::string& name,
                                                      std::string_view bytes) {
  const size_t nl = bytes.find('\n');
  if (nl == std::string_view::npos || nl > 4096)
    return core::Status::Corrupt(name + ": no header line");
  std::vector<std::string> words;
  for (std::string_view line = bytes.substr(0, nl); !line.empty();) {
    const size_t sp = line.find(' ');
    words.emplace_back(line.substr(0, sp));
    line = sp == std::string_view::npos ? "" : line.substr(sp + 1);
  }
  // A size in the header, or 0 when it is not one.
  auto number = [](const std::string& s) -> size_t {
    auto v = core::ParseInt(s, 0, 999999, "a size");
    return v.ok() ? static_cast<size_t>(*v) : 0;
  };
  if (words.size() < 5 || words[0] != "steward-head" || words[1] != "1" ||
      number(words[2]) != kEncoderDim || number(words[3]) == 0 ||
      number(words[4]) == 0 || words.size() != 5 + number(words[4])) {
    return core::Status::Corrupt(
        name + ": the header is not \"steward-head 1 512 HIDDEN N label...\"");
  }
  std::unique_ptr<Head> head(new Head());
  head->hidden_ = number(words[3]);
  const size_t n = number(words[4]);
  head->labels_.assign(words.begin() + 5, words.end());
  const size_t floats =
      kEncoderDim * head->hidden_ + head->hidden_ + head->hidden_ * n + n;
  const std::string_view body = bytes.substr(nl + 1);
  if (body.size() != floats * sizeof(float)) {
    return core::Status::Corrupt(name + ": " + std::to_string(body.size()) +
                                 " bytes of weights; the header needs " +
                                 std::to_string(floats * sizeof(float)));
  }
  std::vector<float> all(floats);
  std::memcpy(all.data(), body.data(), body.size());
  if (!AllFinite(all))
    return core::Status::Corrupt(name + ": a weight is not a finite number");
  auto take = [&, at = size_t{0}](size_t k) mutable {
    std::vector<float> v(all.begin() + static_cast<ptrdiff_t>(at),
                         all.begin() + static_cast<ptrdiff_t>(at + k));
    at += k;
    return v;
  };
  head->w1_ = take(kEncoderDim * head->hidden_);
  head->b1_ = take(head->hidden_);
  head->w2_ = take(head->hidden_ * n);
  head->b2_ = take(n);
  return std::unique_ptr<const Head>(std::move(head));
}

int Head::LabelIndex(std::string_view label) const {
  for (size_t i = 0; i < labels_.size(); ++i)
    if (labels_[i] == label) return static_cast<int>(i);
  return -1;
}

std::vector<double> Head::Probabilities(const Embedding& e) const {
  const size_t n = labels_.size();
  std::vector<float> hidden(hidden_), logits(n);
  Dense(e.data(), 1, kEncoderDim, w1_.data(), b1_.data(), hidden_,
        hidden.data());
  for (float& v : hidden) v = std::max(v, 0.0F);
  Dense(hidden.data(), 1, hidden_, w2_.data(), b2_.data(), n, logits.data());
  const float m = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  std::vector<double> p(n);
  for (size_t i = 0; i < n; ++i) sum += (p[i] = std::exp(logits[i] - m));
  for (double& v : p) v /= sum;
  return p;
}

}  // namespace steward::inspect
