#include "inspect/classifier.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <utility>
#include <vector>

#include "core/text.h"
#include "inspect/phrase.h"

namespace steward::inspect {

namespace {

constexpr std::string_view kLabelPrefix = "__label__";
constexpr size_t kMaxModelBytes = 512u << 20;

// fastText reads a model without checking its stream: a cut-off or damaged
// file loads as garbage, or allocates what sizes it never had say. So the
// file's layout (fastText 0.9: header, arguments, dictionary, then the
// input and output matrices, each dense or product-quantised) is walked
// here first with every size checked against the bytes that are there.
class Walk {
 public:
  explicit Walk(std::string_view b) : b_(b) {}
  template <typename T>
  bool Read(T* out) {
    if (pos_ + sizeof(T) > b_.size()) return false;
    std::memcpy(out, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  // A bool as fastText writes it: one byte, 0 or 1.
  bool ReadBool(bool* out) {
    uint8_t v = 0;
    if (!Read(&v) || v > 1) return false;
    *out = v == 1;
    return true;
  }
  // `count` items of `size` bytes, without overflow.
  bool Skip(uint64_t count, uint64_t size = 1) {
    const uint64_t left = b_.size() - pos_;
    if (size != 0 && count > left / size) return false;
    pos_ += count * size;
    return true;
  }
  // A dictionary entry: its word, its count, its type (0 word, 1 label).
  bool Entry(int8_t* type) {
    size_t nul = b_.find('\0', pos_);
    if (nul == std::string_view::npos) return false;
    pos_ = nul + 1;
    int64_t count = 0;
    return Read(&count) && Read(type);
  }
  bool AtEnd() const { return pos_ == b_.size(); }

  // m rows of n floats; true when they are there and the shape is `m`×`n`.
  bool Dense(int64_t want_m, int64_t want_n) {
    int64_t m = 0, n = 0;
    return Read(&m) && Read(&n) && m == want_m && n == want_n &&
           Skip(static_cast<uint64_t>(m), static_cast<uint64_t>(n) * 4);
  }
  // A product quantiser of vectors of `want_dim`, then its 256 centroids a
  // dimension.
  bool Quantizer(int32_t want_dim, int32_t* nsubq_out) {
    int32_t dim = 0, nsubq = 0, dsub = 0, lastdsub = 0;
    if (!Read(&dim) || !Read(&nsubq) || !Read(&dsub) || !Read(&lastdsub) ||
        dim != want_dim || nsubq < 1 || dsub < 1 || lastdsub < 1 ||
        lastdsub > dsub || int64_t{nsubq - 1} * dsub + lastdsub != int64_t{dim})
      return false;
    *nsubq_out = nsubq;
    return Skip(static_cast<uint64_t>(dim), uint64_t{256} * 4);
  }
  // A quantised m×n matrix: codes of every row, its quantiser, and with
  // qnorm the rows' norms quantised alone.
  bool Quantized(int64_t want_m, int32_t want_n) {
    bool qnorm = false;
    int64_t m = 0, n = 0;
    int32_t codesize = 0, nsubq = 0, one = 0;
    if (!ReadBool(&qnorm) || !Read(&m) || !Read(&n) || !Read(&codesize) ||
        m != want_m || n != want_n || codesize < 0)
      return false;
    const uint64_t codes = static_cast<uint64_t>(codesize);
    if (!Skip(codes) || !Quantizer(want_n, &nsubq) ||
        codes != static_cast<uint64_t>(m) * static_cast<uint64_t>(nsubq))
      return false;
    return !qnorm || (Skip(static_cast<uint64_t>(m)) && Quantizer(1, &one));
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// "" when the file is a whole, consistent supervised fastText model, or
// what is wrong with it. Every size fastText will index with is checked
// against the others, so that a damaged file is refused here rather than
// read out of bounds at the first prediction.
std::string CheckLayout(std::string_view b) {
  Walk w(b);
  int32_t magic = 0, version = 0;
  if (!w.Read(&magic) || !w.Read(&version) || magic != 793712314 ||
      version < 11 || version > 12)
    return "not a fastText model (no fastText header)";
  // dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
  // maxn, lrUpdateRate; then the sampling threshold.
  int32_t a[12];
  double sampling = 0;
  for (int32_t& x : a)
    if (!w.Read(&x)) return "cut off in its header";
  if (!w.Read(&sampling)) return "cut off in its header";
  const int32_t dim = a[0], word_ngrams = a[5], loss = a[6], model = a[7],
                bucket = a[8], minn = a[9], maxn = a[10];
  if (model != 3) return "not a supervised (classifier) model";
  // Softmax, negative sampling or one-vs-all; not the hierarchical softmax,
  // whose tree is built from counts the file could make degenerate.
  if (dim < 1 || dim > 4096 || loss < 2 || loss > 4 || word_ngrams < 1 ||
      word_ngrams > 10 || bucket < 0 || minn < 0 || maxn < minn || maxn > 10 ||
      (bucket == 0 && (word_ngrams > 1 || maxn > 0)))
    return "training arguments out of range";
  int32_t size = 0, nwords = 0, nlabels = 0;
  int64_t ntokens = 0, pruned = 0;
  if (!w.Read(&size) || !w.Read(&nwords) || !w.Read(&nlabels) ||
      !w.Read(&ntokens) || !w.Read(&pruned))
    return "cut off in its header";
  if (nwords < 0 || nlabels < 1 || nlabels > 1000 ||
      int64_t{nwords} + nlabels != size || pruned < -1 || pruned > bucket)
    return "a damaged dictionary header";
  for (int32_t i = 0; i < size; ++i) {
    int8_t type = -1;
    if (!w.Entry(&type)) return "cut off in its dictionary";
    if (type != (i < nwords ? 0 : 1)) return "a damaged dictionary";
  }
  for (int64_t i = 0; i < pruned; ++i) {
    int32_t from = 0, to = 0;
    if (!w.Read(&from) || !w.Read(&to)) return "cut off in its dictionary";
    if (from < 0 || from >= bucket || to < 0 || to >= pruned)
      return "a damaged dictionary";
  }
  // The input matrix: a row for each word and each hashed bucket (or each
  // bucket kept, once pruned); the output: a row for each label.
  const int64_t rows = int64_t{nwords} + (pruned >= 0 ? pruned : bucket);
  bool quant_input = false, quant_output = false;
  if (!w.ReadBool(&quant_input) ||
      !(quant_input ? w.Quantized(rows, dim) : w.Dense(rows, dim)))
    return "cut off or damaged in its input matrix";
  if (!quant_input && pruned >= 0) return "a damaged dictionary";
  if (!w.ReadBool(&quant_output) ||
      !(quant_input && quant_output ? w.Quantized(nlabels, dim)
                                    : w.Dense(nlabels, dim)))
    return "cut off or damaged in its output matrix";
  if (!w.AtEnd()) return "bytes after its end (not one model)";
  return "";
}

}  // namespace

std::string ModelWords(const std::vector<Token>& tokens, size_t max_words,
                       bool question) {
  std::string out;
  out.reserve(tokens.size() * 7);
  for (size_t i = 0; i < tokens.size() && i < max_words; ++i) {
    if (!out.empty()) out += ' ';
    // Every number is one word, "0": a room, a date or a lesson number
    // says nothing of intent, and as words of their own they would meet
    // the model as unknown pairs that fall in trained hash buckets.
    const std::string& w = tokens[i].word;
    bool number = !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    out += number ? std::string_view("0") : std::string_view(w);
  }
  // A question is told apart by its mark, which Tokenize leaves out.
  if (question && !out.empty()) out += " ?";
  return out;
}

std::string ModelInput(std::string_view text, size_t max_words) {
  std::vector<Token> tokens;
  const bool cut = text.size() > ModelInputBytes(max_words);
  if (cut) text = text.substr(0, ModelInputBytes(max_words));
  Tokenize(text, 0, tokens);
  size_t last = text.find_last_not_of(" \t\r\n\"')");
  bool question = !cut && last != std::string_view::npos && text[last] == '?' &&
                  tokens.size() <= max_words;
  return ModelWords(tokens, max_words, question);
}

struct Classifier::Model : fasttext::FastText {
  using fasttext::FastText::checkModel;

  // A product-quantised input matrix rebuilds each row it reads from its
  // codes, for every word of every sentence: half of the model's time on
  // ordinary prose. Its rows are rebuilt once here into a dense matrix
  // (a model of 60,000 rows of 32 takes 7.5 MB), by the same sums, so
  // every prediction is the same. A quantised output matrix, or an input
  // that would take more than kMaxDenseBytes, is left as it is.
  void Densify() {
    constexpr int64_t kMaxDenseBytes = int64_t{64} << 20;
    if (!quant_ || input_ == nullptr) return;
    auto output = std::dynamic_pointer_cast<fasttext::DenseMatrix>(output_);
    if (output == nullptr) return;
    const int64_t rows = input_->size(0), dim = input_->size(1);
    if (rows <= 0 || dim <= 0 ||
        rows > kMaxDenseBytes / dim / static_cast<int64_t>(sizeof(float)))
      return;
    auto dense = std::make_shared<fasttext::DenseMatrix>(rows, dim);
    fasttext::Vector row(dim);
    for (int64_t i = 0; i < rows; ++i) {
      row.zero();
      input_->addRowToVector(row, static_cast<int32_t>(i));
      for (int64_t j = 0; j < dim; ++j) dense->at(i, j) = row[j];
    }
    setMatrices(dense, output);
  }
};

Classifier::Classifier() = default;
Classifier::~Classifier() = default;

core::Result<std::unique_ptr<const Classifier>> Classifier::Load(
    const std::string& path) {
  auto bytes = core::ReadFile(path, kMaxModelBytes);
  if (!bytes.ok()) return bytes.status();
  return Parse(path, std::move(bytes).value());
}

core::Result<std::unique_ptr<const Classifier>> Classifier::Parse(
    const std::string& path, std::string bytes) {
  std::unique_ptr<Classifier> c(new Classifier());
  if (std::string m = CheckLayout(bytes); !m.empty())
    return core::Status::Invalid(path + ": " + m);
  // fastText reports a bad file by throwing: caught here, never passed on.
  try {
    auto model = std::make_unique<Model>();
    std::istringstream in(std::move(bytes));
    if (!model->checkModel(in))
      return core::Status::Invalid(path + ": not a fastText model");
    model->loadModel(in);
    if (in.fail()) return core::Status::Invalid(path + ": cut off or damaged");
    model->Densify();
    c->labels_ = model->getDictionary()->nlabels();  // CheckLayout: >= 1
    c->model_ = std::move(model);
  } catch (const std::exception& e) {
    return core::Status::Invalid(path + ": not a usable fastText model (" +
                                 e.what() + ")");
  }
  return std::unique_ptr<const Classifier>(std::move(c));
}

int Classifier::LabelIndex(std::string_view label) const {
  auto dict = model_->getDictionary();
  for (int i = 0; i < labels_; ++i) {
    const std::string name = dict->getLabel(i);
    if (name.size() == kLabelPrefix.size() + label.size() &&
        name.compare(kLabelPrefix.size(), std::string::npos, label) == 0)
      return i;
  }
  return -1;
}

bool Classifier::HasLabel(std::string_view label) const {
  return LabelIndex(label) >= 0;
}

std::vector<double> Classifier::ScoreAll(std::string_view words) const {
  std::vector<double> out;
  if (words.empty()) return out;
  // As fastText's predictLine, without making each label's name.
  fasttext::Predictions predictions;
  try {
    std::istringstream in(std::string(words) + "\n");
    std::vector<int32_t> ids, line_labels;
    model_->getDictionary()->getLine(in, ids, line_labels);
    model_->predict(labels_, ids, predictions, 0.0);
  } catch (const std::exception&) {
    return out;
  }
  out.assign(labels_, 0.0);
  for (const auto& [log_p, li] : predictions)
    if (li >= 0 && li < labels_) out[li] = std::exp(log_p);
  return out;
}

double Classifier::Score(std::string_view words, std::string_view label) const {
  int li = LabelIndex(label);
  if (li < 0) return 0;
  std::vector<double> all = ScoreAll(words);
  return li < static_cast<int>(all.size()) ? all[li] : 0;
}

}  // namespace steward::inspect
