#include "inspect/classifier.h"

#include <fasttext/fasttext.h>

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
  bool Skip(uint64_t n) {
    if (n > b_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  bool SkipWord() {
    size_t nul = b_.find('\0', pos_);
    if (nul == std::string_view::npos) return false;
    pos_ = nul + 1;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }

  // m rows of n floats.
  bool Dense() {
    int64_t m = 0, n = 0;
    return Read(&m) && Read(&n) && m >= 0 && n >= 0 && n < (1 << 20) &&
           Skip(static_cast<uint64_t>(m) * static_cast<uint64_t>(n) * 4);
  }
  // dim and sub-quantiser sizes, then dim * 256 centroids.
  bool Quantizer() {
    int32_t dim = 0, nsubq = 0, dsub = 0, lastdsub = 0;
    return Read(&dim) && Read(&nsubq) && Read(&dsub) && Read(&lastdsub) &&
           dim >= 0 && Skip(static_cast<uint64_t>(dim) * 256 * 4);
  }
  bool Quantized() {
    bool qnorm = false;
    int64_t m = 0, n = 0;
    int32_t codesize = 0;
    if (!Read(&qnorm) || !Read(&m) || !Read(&n) || !Read(&codesize) || m < 0 ||
        n < 0 || codesize < 0 || !Skip(static_cast<uint64_t>(codesize)) ||
        !Quantizer())
      return false;
    return !qnorm || (Skip(static_cast<uint64_t>(m)) && Quantizer());
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// "" when the file is a whole fastText model, or what is wrong with it.
std::string CheckLayout(std::string_view b) {
  Walk w(b);
  int32_t magic = 0, version = 0;
  if (!w.Read(&magic) || !w.Read(&version) || magic != 793712314 ||
      version < 11 || version > 12)
    return "not a fastText model (no fastText header)";
  int32_t args[12];
  double sampling = 0;
  for (int32_t& a : args)
    if (!w.Read(&a)) return "cut off in its header";
  if (!w.Read(&sampling)) return "cut off in its header";
  int32_t size = 0, nwords = 0, nlabels = 0;
  int64_t ntokens = 0, pruned = 0;
  if (!w.Read(&size) || !w.Read(&nwords) || !w.Read(&nlabels) ||
      !w.Read(&ntokens) || !w.Read(&pruned))
    return "cut off in its header";
  if (size < 0 || nwords < 0 || nlabels < 0 ||
      int64_t{nwords} + nlabels != size || pruned < -1)
    return "a damaged dictionary header";
  for (int32_t i = 0; i < size; ++i)
    if (!w.SkipWord() || !w.Skip(sizeof(int64_t) + sizeof(int8_t)))
      return "cut off in its dictionary";
  if (pruned > 0 && !w.Skip(static_cast<uint64_t>(pruned) * 8))
    return "cut off in its dictionary";
  bool quant_input = false, quant_output = false;
  if (!w.Read(&quant_input) || !(quant_input ? w.Quantized() : w.Dense()))
    return "cut off or damaged in its input matrix";
  if (!w.Read(&quant_output) ||
      !(quant_input && quant_output ? w.Quantized() : w.Dense()))
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
    out += tokens[i].word;
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
};

Classifier::Classifier() = default;
Classifier::~Classifier() = default;

core::Result<std::unique_ptr<const Classifier>> Classifier::Load(
    const std::string& path) {
  std::unique_ptr<Classifier> c(new Classifier());
  auto bytes = core::ReadFile(path, kMaxModelBytes);
  if (!bytes.ok()) return bytes.status();
  if (std::string m = CheckLayout(*bytes); !m.empty())
    return core::Status::Invalid(path + ": " + m);
  // fastText reports a bad file by throwing: caught here, never passed on.
  try {
    auto model = std::make_unique<Model>();
    std::istringstream in(std::move(bytes).value());
    if (!model->checkModel(in))
      return core::Status::Invalid(path + ": not a fastText model");
    model->loadModel(in);
    if (in.fail()) return core::Status::Invalid(path + ": cut off or damaged");
    if (model->getArgs().model != fasttext::model_name::sup)
      return core::Status::Invalid(path +
                                   ": not a supervised (classifier) model");
    c->labels_ = model->getDictionary()->nlabels();
    c->model_ = std::move(model);
  } catch (const std::exception& e) {
    return core::Status::Invalid(path + ": not a usable fastText model (" +
                                 e.what() + ")");
  }
  if (c->labels_ <= 0)
    return core::Status::Invalid(path + ": the model has no labels");
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
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  try {
    std::istringstream in(std::string(words) + "\n");
    if (!model_->predictLine(in, predictions, labels_, 0.0)) return out;
  } catch (const std::exception&) {
    return out;
  }
  out.assign(labels_, 0.0);
  auto dict = model_->getDictionary();
  for (const auto& [p, name] : predictions) {
    int32_t id = dict->getId(name);
    int32_t li = id - dict->nwords();
    if (id >= 0 && li >= 0 && li < labels_) out[li] = p;
  }
  return out;
}

double Classifier::Score(std::string_view words, std::string_view label) const {
  int li = LabelIndex(label);
  if (li < 0) return 0;
  std::vector<double> all = ScoreAll(words);
  return li < static_cast<int>(all.size()) ? all[li] : 0;
}

}  // namespace steward::inspect
