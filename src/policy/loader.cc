#include "policy/loader.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "core/hash.h"
#include "core/names.h"
#include "core/text.h"
#include "core/zone.h"

namespace steward::policy {

namespace fs = std::filesystem;

std::string PackError::ToString() const {
  return loc.ToString() + ": " + message;
}

unsigned HyperscanFlags(const Detector& d) {
  unsigned f = 0;
  if (d.caseless) f |= HS_FLAG_CASELESS;
  return f;
}

uint32_t Pcre2Options(const Detector& d) {
  uint32_t o = 0;
  if (d.caseless) o |= PCRE2_CASELESS;
  return o;
}

namespace {

std::optional<Redaction> ParseRedaction(std::string_view s) {
  if (s == "last4") return Redaction::kLast4;
  if (s == "email") return Redaction::kEmail;
  if (s == "initials") return Redaction::kInitials;
  if (s == "word") return Redaction::kWord;
  if (s == "all") return Redaction::kAll;
  if (s == "none") return Redaction::kNone;
  return std::nullopt;
}

// Collects errors while reading one file.
class Reader {
 public:
  Reader(std::string file, std::vector<PackError>* errors)
      : file_(std::move(file)), errors_(errors) {}

  SourceLoc Loc(const toml::node& n) const {
    return {file_, static_cast<uint32_t>(n.source().begin.line)};
  }
  void Error(const toml::node& n, std::string msg) {
    errors_->push_back({Loc(n), std::move(msg)});
  }

  std::string Str(const toml::table& t, std::string_view key, bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) Error(t, "missing required key '" + std::string(key) + "'");
      return {};
    }
    if (auto v = n->value<std::string>()) return *v;
    Error(*n, "'" + std::string(key) + "' must be a string");
    return {};
  }

  std::vector<std::string> StrList(const toml::table& t, std::string_view key) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    if (auto s = n->value<std::string>()) return {*s};
    const toml::array* a = n->as_array();
    if (!a) {
      Error(*n, "'" + std::string(key) + "' must be a list of strings");
      return out;
    }
    for (const toml::node& e : *a) {
      if (auto v = e.value<std::string>())
        out.push_back(*v);
      else
        Error(e, "'" + std::string(key) + "' must hold only strings");
    }
    return out;
  }

  template <typename T>
  T Num(const toml::table& t, std::string_view key, T def) {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if constexpr (std::is_floating_point_v<T>) {
      if (auto v = n->value<double>()) {
        if (std::isfinite(*v)) return static_cast<T>(*v);
        Error(*n, "'" + std::string(key) + "' must be a finite number");
        return def;
      }
    } else {
      if (auto v = n->value<int64_t>()) {
        if (*v < 0) {
          Error(*n, "'" + std::string(key) + "' must not be negative");
          return def;
        }
        if (static_cast<uint64_t>(*v) >
            static_cast<uint64_t>(std::numeric_limits<T>::max())) {
          Error(*n, "'" + std::string(key) + "' is too large");
          return def;
        }
        return static_cast<T>(*v);
      }
    }
    Error(*n, "'" + std::string(key) + "' must be a number");
    return def;
  }

  // A list of non-negative whole numbers.
  std::vector<uint32_t> CountList(const toml::table& t, std::string_view key) {
    std::vector<uint32_t> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
      Error(*n, "'" + std::string(key) + "' must be a list of numbers");
      return out;
    }
    for (const toml::node& e : *a) {
      auto v = e.value<int64_t>();
      if (v && *v >= 0 && *v <= UINT32_MAX)
        out.push_back(static_cast<uint32_t>(*v));
      else
        Error(e, "'" + std::string(key) + "' must hold whole numbers >= 0");
    }
    return out;
  }

  bool Bool(const toml::table& t, std::string_view key, bool def) {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (auto v = n->value<bool>()) return *v;
    Error(*n, "'" + std::string(key) + "' must be true or false");
    return def;
  }

  // An optional or required severity: low, medium or high.
  std::optional<Severity> SeverityField(const toml::table& t,
                                        std::string_view key, bool required,
                                        const std::string& who) {
    std::string v = Str(t, key, required);
    if (v.empty()) return std::nullopt;
    auto s = ParseSeverity(v);
    if (!s)
      Error(t, who + ": " + std::string(key) + " '" + v +
                   "' is not low, medium or high");
    return s;
  }

  std::optional<Redaction> RedactionField(const toml::table& t,
                                          const std::string& who) {
    std::string v = Str(t, "redact", false);
    if (v.empty()) return std::nullopt;
    auto r = ParseRedaction(v);
    if (!r)
      Error(t, who + ": unknown redact '" + v +
                   "' (last4, email, initials, word, all, none)");
    return r;
  }

  // A word of the pack's vocabulary (policy/pack.h) at `key`: nothing when
  // the key is absent (an error when it is required) or the word is not in
  // `table` (an error at the word's own line, naming the accepted words).
  template <typename E, size_t N>
  std::optional<E> Word(const toml::table& t, std::string_view key,
                        const core::Named<E> (&table)[N], bool required,
                        const std::string& who, std::string_view what) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) Error(t, "missing required key '" + std::string(key) + "'");
      return std::nullopt;
    }
    auto v = n->value<std::string>();
    if (!v) {
      Error(*n, "'" + std::string(key) + "' must be a string");
      return std::nullopt;
    }
    return WordOf(*n, *v, table, who, what);
  }

  // A list of such words (or one word alone); unknown ones are reported
  // each at its line and left out.
  template <typename E, size_t N>
  std::vector<E> WordList(const toml::table& t, std::string_view key,
                          const core::Named<E> (&table)[N],
                          const std::string& who, std::string_view what) {
    std::vector<E> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    auto one = [&](const toml::node& e) {
      if (auto v = e.value<std::string>()) {
        if (auto w = WordOf(e, *v, table, who, what)) out.push_back(*w);
      } else {
        Error(e, "'" + std::string(key) + "' must hold only strings");
      }
    };
    if (n->is_string()) {
      one(*n);
    } else if (const toml::array* a = n->as_array()) {
      for (const toml::node& e : *a) one(e);
    } else {
      Error(*n, "'" + std::string(key) + "' must be a list of strings");
    }
    return out;
  }

  // Keys not in `known` are reported: a typo must not silently do nothing.
  void CheckKeys(const toml::table& t,
                 std::initializer_list<std::string_view> known,
                 std::string_view what) {
    for (auto&& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end())
        Error(v, "unknown key '" + std::string(k.str()) + "' in " +
                     std::string(what));
    }
  }

  // Calls f(table) for each table of the array `key` in `root`.
  template <typename F>
  void EachTable(const toml::table& root, std::string_view key, F&& f) {
    const toml::node* n = root.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) {
      Error(*n, "'" + std::string(key) + "' must be an array of tables ([[" +
                    std::string(key) + "]])");
      return;
    }
    for (const toml::node& e : *a) {
      if (const toml::table* t = e.as_table())
        f(*t);
      else
        Error(e, "each '" + std::string(key) + "' must be a table");
    }
  }

  const std::string& file() const { return file_; }

 private:
  template <typename E, size_t N>
  std::optional<E> WordOf(const toml::node& n, const std::string& word,
                          const core::Named<E> (&table)[N],
                          const std::string& who, std::string_view what) {
    auto e = core::ParseName(table, word);
    if (!e)
      Error(n, who + ": unknown " + std::string(what) + " '" + word + "' (" +
                   core::NameList(table) + ")");
    return e;
  }

  std::string file_;
  std::vector<PackError>* errors_;
};

void ReadClauses(Reader& r, const toml::table& root, PolicyPack& p) {
  r.EachTable(root, "clause", [&](const toml::table& t) {
    r.CheckKeys(t, {"id", "title", "summary", "mode"}, "[[clause]]");
    Clause c;
    c.loc = r.Loc(t);
    c.id = r.Str(t, "id", true);
    c.title = r.Str(t, "title", true);
    c.summary = r.Str(t, "summary", false);
    // No mode, or an empty list, is an error; an unknown word is reported
    // on its own.
    const toml::node* mode = t.get("mode");
    c.modes = r.WordList(t, "mode", kClauseModeNames, "clause '" + c.id + "'",
                         "mode");
    if (!mode || (mode->is_array() && mode->as_array()->empty()))
      r.Error(t, "clause '" + c.id + "' has no mode");
    p.clauses.push_back(std::move(c));
  });
}

void ReadCategories(Reader& r, const toml::table& root, PolicyPack& p) {
  r.EachTable(root, "category", [&](const toml::table& t) {
    r.CheckKeys(t, {"id", "title", "severity", "clauses", "advice", "redact"},
                "[[category]]");
    Category c;
    c.loc = r.Loc(t);
    c.id = r.Str(t, "id", true);
    c.title = r.Str(t, "title", true);
    const std::string who = "category '" + c.id + "'";
    if (auto s = r.SeverityField(t, "severity", true, who)) c.severity = *s;
    c.clauses = r.StrList(t, "clauses");
    c.advice = r.Str(t, "advice", false);
    if (auto x = r.RedactionField(t, who)) c.redaction = *x;
    p.categories.push_back(std::move(c));
  });
}

// The phrase fields of a kPhrase detector. Its stage-1 lexicon is the
// anchor's, so the matcher needs to know nothing more.
void ReadPhrase(Reader& r, const toml::table& t, Detector& d) {
  const std::string who = "detector '" + d.id + "'";
  d.phrase = r.StrList(t, "phrase");
  if (d.phrase.empty()) {
    r.Error(t,
            who + ": a phrase detector needs 'phrase' (word lists, in order)");
    return;
  }
  if (!d.lexicons.empty())
    r.Error(t, who +
                   ": a phrase detector takes its words from 'phrase', "
                   "not 'lexicons'");
  d.gaps.assign(d.phrase.size() - 1, 2);
  if (t.contains("gaps")) {
    auto gaps = r.CountList(t, "gaps");
    if (gaps.size() != d.gaps.size())
      r.Error(t, who + ": 'gaps' needs " + std::to_string(d.gaps.size()) +
                     " numbers, one between each two words of 'phrase'");
    for (size_t i = 0; i < gaps.size() && i < d.gaps.size(); ++i) {
      if (gaps[i] > 12) r.Error(t, who + ": a gap is at most 12 words");
      d.gaps[i] = gaps[i];
    }
  }
  std::string anchor = r.Str(t, "anchor", false);
  if (anchor.empty()) anchor = d.phrase.front();
  auto it = std::find(d.phrase.begin(), d.phrase.end(), anchor);
  if (it == d.phrase.end())
    r.Error(t, who + ": anchor '" + anchor + "' is not in 'phrase'");
  else if (!anchor.empty() && anchor.front() == '@')
    r.Error(t, who + ": the anchor must be a word list, not " + anchor);
  else
    d.anchor = static_cast<uint32_t>(it - d.phrase.begin());
  for (const auto& w : d.phrase)
    if (!w.empty() && w.front() == '@' && w != "@name" && w != "@person")
      r.Error(t, who + ": unknown word class '" + w + "' (@name, @person)");
  d.negation = r.Str(t, "negation", false);
  d.unless = r.StrList(t, "unless");
  d.skip_quoted = r.Bool(t, "skip_quoted", true);
  d.skip_questions = r.Bool(t, "skip_questions", false);
  if (it != d.phrase.end() && (anchor.empty() || anchor.front() != '@'))
    d.lexicons = {anchor};
}

// The fields of a kClassifier detector. Its stage-1 lexicons are its
// triggers; the model file is hashed into the pack's version, so a new model
// is a new pack.
// Model files read so far, by path: each is read and hashed once.
using ModelFiles = std::map<std::string, std::shared_ptr<const std::string>>;

void ReadClassifier(Reader& r, const toml::table& t, const fs::path& dir,
                    Detector& d, core::Sha256& hash, ModelFiles& models) {
  const std::string who = "detector '" + d.id + "'";
  if (d.lexicons.empty())
    r.Error(t, who +
                   ": a classifier detector needs 'lexicons' (the words that "
                   "trigger it)");
  std::string model = r.Str(t, "model", true);
  d.label = r.Str(t, "label", true);
  d.threshold = r.Num<double>(t, "threshold", d.threshold);
  if (d.threshold <= 0 || d.threshold > 1)
    r.Error(t, who + ": 'threshold' must be in (0,1]");
  if (auto u = r.Word(t, "unit", kClassifierUnitNames, false, who, "unit"))
    d.unit = *u;
  d.min_triggers = r.Num<uint32_t>(t, "min_triggers", 1);
  if (d.min_triggers == 0 || d.min_triggers > 100)
    r.Error(t, who + ": 'min_triggers' must be 1..100");
  d.skip_quoted = r.Bool(t, "skip_quoted", true);
  d.negation = r.Str(t, "negation", false);
  d.unless = r.StrList(t, "unless");
  const std::string encoder = r.Str(t, "encoder", false);
  const std::string head = r.Str(t, "head", false);
  const std::string tune = r.Str(t, "encoder_tune", false);
  if (!tune.empty() && encoder.empty())
    r.Error(t, who + ": 'encoder_tune' needs 'encoder'");
  d.gate = r.Num<double>(t, "gate", d.gate);
  if (d.gate < 0 || d.gate >= 1) r.Error(t, who + ": 'gate' must be in [0,1)");
  d.head_weight = r.Num<double>(t, "head_weight", d.head_weight);
  if (d.head_weight <= 0 || d.head_weight > 1)
    r.Error(t, who + ": 'head_weight' must be in (0,1]");
  if (t.contains("head_weight") && head.empty())
    r.Error(t, who + ": 'head_weight' needs 'head'");
  if (encoder.empty() != head.empty())
    r.Error(t, who + ": 'encoder' and 'head' go together");
  if (model.empty()) return;
  auto resolve = [&](const std::string& p) {
    return (fs::path(p).is_absolute() ? fs::path(p) : dir / p).string();
  };
  // Reads a file once (by path), hashing it into the version.
  auto read = [&](const std::string& path,
                  const char* what) -> std::shared_ptr<const std::string> {
    auto& bytes = models[path];
    if (!bytes) {
      auto data = core::ReadFile(path, 512u << 20);
      if (!data.ok()) {
        r.Error(t, who + ": " + what + ": " + data.status().message());
        return nullptr;
      }
      hash.Update(*data);
      bytes = std::make_shared<const std::string>(std::move(data).value());
    }
    return bytes;
  };
  d.model = resolve(model);
  d.model_bytes = read(d.model, "model");
  if (encoder.empty()) return;
  d.head = resolve(head);
  d.head_bytes = read(d.head, "head");
  d.encoder = resolve(encoder);
  if (!tune.empty()) {
    d.encoder_tune = resolve(tune);
    d.encoder_tune_bytes = read(d.encoder_tune, "encoder_tune");
  }
  // The encoder's files, for the version (read again by the inspector).
  for (const char* f : {"model.json", "vocab.json"}) {
    if (!read((fs::path(d.encoder) / f).string(), "encoder")) {
      r.Error(t, who +
                     ": the encoder's files are fetched by "
                     "scripts/encoder.sh (make deps)");
      return;
    }
  }
  // The weight shards, whatever model.json names them: every other file of
  // the folder, in name order.
  std::vector<fs::path> rest;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d.encoder, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name != "model.json" && name != "vocab.json")
      rest.push_back(e.path());
  }
  std::sort(rest.begin(), rest.end());
  for (const auto& f : rest) (void)read(f.string(), "encoder");
}

void ReadDetectors(Reader& r, const toml::table& root, const fs::path& dir,
                   PolicyPack& p, core::Sha256& hash, ModelFiles& models) {
  r.EachTable(root, "detector", [&](const toml::table& t) {
    r.CheckKeys(t,
                {"id",
                 "kind",
                 "category",
                 "clauses",
                 "severity",
                 "redact",
                 "pattern",
                 "prefilter",
                 "caseless",
                 "validator",
                 "max_width",
                 "lexicons",
                 "fold_obfuscation",
                 "roster_role",
                 "roster_field",
                 "hotwords",
                 "negative",
                 "window",
                 "confidence",
                 "hotword_boost",
                 "negative_penalty",
                 "require_hotword",
                 "min_confidence",
                 "min_count",
                 "views",
                 "phrase",
                 "gaps",
                 "anchor",
                 "negation",
                 "unless",
                 "skip_quoted",
                 "skip_questions",
                 "formats",
                 "model",
                 "label",
                 "threshold",
                 "unit",
                 "min_triggers",
                 "encoder",
                 "encoder_tune",
                 "head",
                 "head_weight",
                 "gate"},
                "[[detector]]");
    Detector d;
    d.loc = r.Loc(t);
    d.id = r.Str(t, "id", true);
    std::string kind = r.Str(t, "kind", true);
    if (kind == "regex")
      d.kind = DetectorKind::kRegex;
    else if (kind == "lexicon")
      d.kind = DetectorKind::kLexicon;
    else if (kind == "roster")
      d.kind = DetectorKind::kRoster;
    else if (kind == "phrase")
      d.kind = DetectorKind::kPhrase;
    else if (kind == "classifier")
      d.kind = DetectorKind::kClassifier;
    else if (!kind.empty())
      r.Error(t, "detector '" + d.id + "': unknown kind '" + kind +
                     "' (regex, lexicon, roster, phrase, classifier)");
    d.category = r.Str(t, "category", true);
    d.clauses = r.StrList(t, "clauses");
    const std::string who = "detector '" + d.id + "'";
    d.severity = r.SeverityField(t, "severity", false, who);
    d.redaction = r.RedactionField(t, who);
    d.pattern = r.Str(t, "pattern", d.kind == DetectorKind::kRegex);
    d.prefilter = r.Str(t, "prefilter", false);
    d.caseless = r.Bool(t, "caseless", false);
    if (auto v =
            r.Word(t, "validator", kValidatorNames, false, who, "validator"))
      d.validator = *v;
    d.max_width = r.Num<uint32_t>(t, "max_width", d.max_width);
    d.lexicons = r.StrList(t, "lexicons");
    r.EachTable(t, "formats", [&](const toml::table& f) {
      r.CheckKeys(f, {"name", "pattern"}, "a detector's formats");
      Detector::Format x;
      x.name = r.Str(f, "name", true);
      x.pattern = r.Str(f, "pattern", true);
      d.formats.push_back(std::move(x));
    });
    d.fold_obfuscation = r.Bool(t, "fold_obfuscation", false);
    const bool roster = d.kind == DetectorKind::kRoster;
    if (auto x = r.Word(t, "roster_role", policy::kRosterRoleNames, roster, who,
                        "roster_role"))
      d.roster_role = *x;
    if (auto x = r.Word(t, "roster_field", policy::kRosterFieldNames, roster,
                        who, "roster_field"))
      d.roster_field = *x;
    if (t.contains("views"))
      d.views = r.WordList(t, "views", core::kViewNames, who, "view");
    d.hotwords = r.StrList(t, "hotwords");
    d.negative = r.StrList(t, "negative");
    d.window = r.Num<uint32_t>(t, "window", d.window);
    d.confidence = r.Num<double>(t, "confidence", d.confidence);
    d.hotword_boost = r.Num<double>(t, "hotword_boost", d.hotword_boost);
    d.negative_penalty =
        r.Num<double>(t, "negative_penalty", d.negative_penalty);
    d.require_hotword = r.Bool(t, "require_hotword", false);
    d.min_confidence = r.Num<double>(t, "min_confidence", d.min_confidence);
    d.min_count = r.Num<uint32_t>(t, "min_count", d.min_count);
    for (double v : {d.confidence, d.min_confidence})
      if (v < 0 || v > 1)
        r.Error(t, "detector '" + d.id + "': confidences must be in [0,1]");
    if (d.kind == DetectorKind::kLexicon && d.lexicons.empty())
      r.Error(t,
              "detector '" + d.id + "': a lexicon detector needs 'lexicons'");
    if (d.kind == DetectorKind::kPhrase) ReadPhrase(r, t, d);
    if (d.kind == DetectorKind::kClassifier)
      ReadClassifier(r, t, dir, d, hash, models);
    else
      for (const char* k :
           {"model", "label", "threshold", "unit", "min_triggers", "encoder",
            "encoder_tune", "head", "head_weight", "gate"})
        if (t.contains(k))
          r.Error(t, "detector '" + d.id + "': '" + k +
                         "' is for a classifier detector only");
    if (d.max_width == 0 || d.max_width > 4096)
      r.Error(t, "detector '" + d.id + "': max_width must be 1..4096");
    p.detectors.push_back(std::move(d));
  });
}

// The lines of a list file the pack names, found beside the TOML file
// (`dir`) unless absolute: trimmed, without blank lines and '#' comments,
// and hashed into the pack's version. An unreadable file is an error
// naming `who`.
std::vector<std::string> ReadLines(Reader& r, const toml::table& t,
                                   const fs::path& dir, const std::string& file,
                                   const std::string& who, core::Sha256& hash) {
  std::vector<std::string> out;
  fs::path fp = fs::path(file).is_absolute() ? fs::path(file) : dir / file;
  auto data = core::ReadFile(fp.string(), 64u << 20);
  if (!data.ok()) {
    r.Error(t, who + ": " + data.status().message());
    return out;
  }
  hash.Update(*data);
  std::string text = core::ToUtf8(*data);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() &&
           (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    out.push_back(line.substr(b));
  }
  return out;
}

// `dir`: where the TOML file naming the lists is; their files are found there.
void ReadLexicons(Reader& r, const toml::table& root, const fs::path& dir,
                  PolicyPack& p, core::Sha256& hash) {
  r.EachTable(root, "lexicon", [&](const toml::table& t) {
    r.CheckKeys(t, {"id", "file", "terms"}, "[[lexicon]]");
    Lexicon l;
    l.loc = r.Loc(t);
    l.id = r.Str(t, "id", true);
    l.terms = r.StrList(t, "terms");
    std::string file = r.Str(t, "file", false);
    if (!file.empty()) {
      auto lines = ReadLines(r, t, dir, file, "lexicon '" + l.id + "'", hash);
      l.terms.insert(l.terms.end(), lines.begin(), lines.end());
    }
    if (l.terms.empty() && file.empty())
      r.Error(t, "lexicon '" + l.id + "' has no 'terms' and no 'file'");
    p.lexicons.push_back(std::move(l));
  });
}

void ReadCombinations(Reader& r, const toml::table& root, PolicyPack& p) {
  r.EachTable(root, "combination", [&](const toml::table& t) {
    r.CheckKeys(t, {"id", "all_of", "any_of", "severity", "clauses"},
                "[[combination]]");
    Combination c;
    c.loc = r.Loc(t);
    c.id = r.Str(t, "id", true);
    c.all_of = r.StrList(t, "all_of");
    c.any_of = r.StrList(t, "any_of");
    c.clauses = r.StrList(t, "clauses");
    if (auto s =
            r.SeverityField(t, "severity", true, "combination '" + c.id + "'"))
      c.severity = *s;
    if (c.all_of.empty() || c.any_of.empty())
      r.Error(t, "combination '" + c.id + "' needs both 'all_of' and 'any_of'");
    p.combinations.push_back(std::move(c));
  });
}

void ReadRules(Reader& r, const toml::table& root, PolicyPack& p) {
  r.EachTable(root, "rule", [&](const toml::table& t) {
    r.CheckKeys(
        t,
        {"id", "channels", "categories", "min_severity", "destination",
         "action", "clauses", "message", "exempt", "release_role", "confirm"},
        "[[rule]]");
    Rule u;
    u.loc = r.Loc(t);
    u.id = r.Str(t, "id", true);
    const std::string who = "rule '" + u.id + "'";
    u.channels = r.WordList(t, "channels", kChannelNames, who, "channel");
    u.categories = r.StrList(t, "categories");
    if (auto s = r.SeverityField(t, "min_severity", false, who))
      u.min_severity = *s;
    if (auto d = r.Word(t, "destination", kDestinationNames, false, who,
                        "destination"))
      u.destination = *d;
    if (auto a = r.Word(t, "action", kActionNames, true, who, "action"))
      u.action = *a;
    u.clauses = r.StrList(t, "clauses");
    u.message = r.Str(t, "message", true);
    u.exempt = r.WordList(t, "exempt", kExemptionNames, who, "exemption");
    if (auto x = r.Word(t, "release_role", kReleaseRoleNames, false, who,
                        "release_role")) {
      // Every employee would read and release what the rule held; an
      // auditor changes nothing, so nobody would.
      if (*x == ReleaseRole::kEmployee || *x == ReleaseRole::kAuditor)
        r.Error(*t.get("release_role"),
                who + ": release_role '" + std::string(ReleaseRoleName(*x)) +
                    "' cannot release held mail: name a role that "
                    "decides (its-admin, designee, supervisor, ...)");
      else
        u.release_role = *x;
    }
    u.confirm = r.Bool(t, "confirm", false);
    if (u.confirm && u.action != Action::kWarn)
      r.Error(t, who + ": confirm applies only to action \"warn\"");
    p.rules.push_back(std::move(u));
  });
}

void ReadMail(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["mail"].as_table();
  if (!t) return;
  r.CheckKeys(*t,
              {"max_message_bytes",
               "max_recipients",
               "all_district_lists",
               "secure_subject_tag",
               "secure_header",
               "secure_senders",
               "lookalike_distance",
               "vendor",
               "sender",
               "enforce",
               "caution_sender",
               "notify_sender",
               "notice_from",
               "on_failure",
               "timeout_seconds",
               "clamd",
               "escalate_categories",
               "escalate_count",
               "escalate_window_hours",
               "escalate_clauses"},
              "[mail]");
  MailPolicy& m = p.mail;
  m.loc = r.Loc(*t);
  m.max_message_bytes =
      r.Num<uint64_t>(*t, "max_message_bytes", m.max_message_bytes);
  m.max_recipients = r.Num<uint32_t>(*t, "max_recipients", m.max_recipients);
  m.all_district_lists = r.StrList(*t, "all_district_lists");
  m.secure_subject_tag = r.Str(*t, "secure_subject_tag", false);
  m.secure_header = r.Str(*t, "secure_header", false);
  m.secure_senders = r.StrList(*t, "secure_senders");
  m.lookalike_distance =
      r.Num<uint32_t>(*t, "lookalike_distance", m.lookalike_distance);
  m.enforce = r.Bool(*t, "enforce", m.enforce);
  m.caution_sender = r.Bool(*t, "caution_sender", m.caution_sender);
  m.notify_sender = r.Bool(*t, "notify_sender", m.notify_sender);
  m.notice_from = r.Str(*t, "notice_from", false);
  if (auto f = r.Word(*t, "on_failure", kFailureModeNames, false, "[mail]",
                      "on_failure"))
    m.on_failure = *f;
  m.timeout_seconds = r.Num<uint32_t>(*t, "timeout_seconds", m.timeout_seconds);
  m.clamd = r.Str(*t, "clamd", false);
  m.escalate_categories = r.StrList(*t, "escalate_categories");
  m.escalate_count = r.Num<uint32_t>(*t, "escalate_count", m.escalate_count);
  m.escalate_window_hours =
      r.Num<uint32_t>(*t, "escalate_window_hours", m.escalate_window_hours);
  if (t->get("escalate_clauses"))
    m.escalate_clauses = r.StrList(*t, "escalate_clauses");
  r.EachTable(*t, "vendor", [&](const toml::table& v) {
    r.CheckKeys(v, {"domain", "categories", "agreement"}, "[[mail.vendor]]");
    MailPolicy::Vendor x;
    x.loc = r.Loc(v);
    x.domain = core::AsciiLower(r.Str(v, "domain", true));
    x.categories = r.StrList(v, "categories");
    x.agreement = r.Str(v, "agreement", false);
    m.vendors.push_back(std::move(x));
  });
  r.EachTable(*t, "sender", [&](const toml::table& v) {
    r.CheckKeys(v, {"user", "may_send_as"}, "[[mail.sender]]");
    MailPolicy::Sender x;
    x.loc = r.Loc(v);
    x.user = core::AsciiLower(r.Str(v, "user", true));
    for (auto& a : r.StrList(v, "may_send_as"))
      x.may_send_as.push_back(core::AsciiLower(a));
    m.senders.push_back(std::move(x));
  });
}

void ReadWeb(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["web"].as_table();
  if (!t) return;
  r.CheckKeys(*t,
              {"cloud_hosts", "approved_hosts", "max_inspect_bytes",
               "on_failure", "user_header", "user_header_base64",
               "continue_minutes", "inspect_whole"},
              "[web]");
  WebPolicy& w = p.web;
  w.loc = r.Loc(*t);
  for (auto& h : r.StrList(*t, "cloud_hosts"))
    w.cloud_hosts.push_back(core::AsciiLower(h));
  for (auto& h : r.StrList(*t, "approved_hosts"))
    w.approved_hosts.push_back(core::AsciiLower(h));
  w.max_inspect_bytes =
      r.Num<uint64_t>(*t, "max_inspect_bytes", w.max_inspect_bytes);
  if (auto f = r.Word(*t, "on_failure", kFailureModeNames, false, "[web]",
                      "on_failure"))
    w.on_failure = *f;
  if (t->get("user_header")) w.user_header = r.Str(*t, "user_header", false);
  w.user_header_base64 = r.Bool(*t, "user_header_base64", w.user_header_base64);
  w.continue_minutes =
      r.Num<uint32_t>(*t, "continue_minutes", w.continue_minutes);
  w.inspect_whole = r.Bool(*t, "inspect_whole", w.inspect_whole);
  if (w.continue_minutes < 1 || w.continue_minutes > 24 * 60)
    r.Error(*t, "[web] continue_minutes must be from 1 to 1440");
}

// "07:30-16:00" as minutes after midnight; nothing when it is not of that
// form or does not go forward within the day ("24:00" ends a day).
std::optional<WeblogPolicy::Span> ParseSpan(std::string_view s) {
  auto hhmm = [](std::string_view t) -> int {
    if (t.size() != 5 || t[2] != ':') return -1;
    for (size_t i : {0, 1, 3, 4})
      if (t[i] < '0' || t[i] > '9') return -1;
    int h = (t[0] - '0') * 10 + (t[1] - '0');
    int m = (t[3] - '0') * 10 + (t[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
    return h * 60 + m;
  };
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  int b = hhmm(s.substr(0, dash)), e = hhmm(s.substr(dash + 1));
  if (b < 0 || e < 0 || b >= e) return std::nullopt;
  return WeblogPolicy::Span{static_cast<uint16_t>(b), static_cast<uint16_t>(e)};
}

// `duty = { mon = "07:30-16:00", fri = ["07:30-12:00", "13:00-15:00"] }`.
WeblogPolicy::Week ReadDuty(Reader& r, const toml::node& n,
                            const std::string& who) {
  static constexpr std::string_view kDays[] = {"sun", "mon", "tue", "wed",
                                               "thu", "fri", "sat"};
  WeblogPolicy::Week week;
  const toml::table* t = n.as_table();
  if (!t) {
    r.Error(n, who +
                   ": 'duty' must be a table of weekdays, e.g. { mon = "
                   "\"07:30-16:00\" }");
    return week;
  }
  for (auto&& [k, v] : *t) {
    auto day = std::find(std::begin(kDays), std::end(kDays), k.str());
    if (day == std::end(kDays)) {
      r.Error(v, who + ": unknown weekday '" + std::string(k.str()) +
                     "' in 'duty' (sun, mon, tue, wed, thu, fri, sat)");
      continue;
    }
    auto& spans = week[day - std::begin(kDays)];
    const std::string day_name(k.str());  // a lambda may not name a binding
    auto one = [&](const toml::node& e) {
      auto text = e.value<std::string>();
      auto span = text ? ParseSpan(*text) : std::nullopt;
      if (!span) {
        r.Error(e, who + ": duty hours '" + (text ? *text : "") +
                       "' are not HH:MM-HH:MM within one day");
        return;
      }
      for (const auto& o : spans)
        if (span->begin < o.end && o.begin < span->end)
          r.Error(e, who + ": duty hours '" + *text + "' overlap others on " +
                         day_name);
      spans.push_back(*span);
    };
    if (const toml::array* a = v.as_array()) {
      for (const toml::node& e : *a) one(e);
    } else {
      one(v);
    }
  }
  return week;
}

// "10.1.0.0/16", "2001:db8:1::/48"; a bare address is one host.
std::optional<WeblogPolicy::Subnet> ParseSubnet(const std::string& text) {
  WeblogPolicy::Subnet n;
  n.text = text;
  std::string addr = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    auto p = core::ParseInt(std::string_view(text).substr(slash + 1), 0, 128,
                            "a prefix");
    if (!p.ok()) return std::nullopt;
    prefix = static_cast<int>(*p);
  }
  in_addr v4;
  if (inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
    if (prefix > 32) return std::nullopt;
    n.addr[10] = n.addr[11] = 0xff;
    std::memcpy(&n.addr[12], &v4, 4);
    n.prefix = static_cast<uint8_t>((prefix < 0 ? 32 : prefix) + 96);
  } else if (inet_pton(AF_INET6, addr.c_str(), n.addr.data()) == 1) {
    n.prefix = static_cast<uint8_t>(prefix < 0 ? 128 : prefix);
  } else {
    return std::nullopt;
  }
  // Host bits are cleared, so "10.1.2.3/16" means 10.1.0.0/16.
  for (int bit = n.prefix; bit < 128; ++bit)
    n.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return n;
}

void ReadWeblog(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["weblog"].as_table();
  if (!t) return;
  r.CheckKeys(*t,
              {"time_zone", "duty", "public_suffixes", "category", "site",
               "max_users", "max_sites"},
              "[weblog]");
  WeblogPolicy& w = p.weblog;
  w.loc = r.Loc(*t);
  if (t->get("time_zone")) w.time_zone = r.Str(*t, "time_zone", false);
  if (const toml::node* d = t->get("duty"))
    w.duty = ReadDuty(r, *d, "[weblog]");
  for (auto& s : r.StrList(*t, "public_suffixes"))
    w.public_suffixes.push_back(core::AsciiLower(s));
  w.max_users = r.Num<uint32_t>(*t, "max_users", w.max_users);
  w.max_sites = r.Num<uint32_t>(*t, "max_sites", w.max_sites);
  r.EachTable(*t, "category", [&](const toml::table& c) {
    r.CheckKeys(c, {"name", "hosts", "academic", "clauses"},
                "[[weblog.category]]");
    WeblogPolicy::Category x;
    x.loc = r.Loc(c);
    x.name = r.Str(c, "name", true);
    for (auto& h : r.StrList(c, "hosts"))
      x.hosts.push_back(core::AsciiLower(h));
    x.academic = r.Bool(c, "academic", x.academic);
    x.clauses = r.StrList(c, "clauses");
    w.categories.push_back(std::move(x));
  });
  r.EachTable(*t, "site", [&](const toml::table& s) {
    r.CheckKeys(s, {"name", "subnets", "time_zone", "duty"}, "[[weblog.site]]");
    WeblogPolicy::Site x;
    x.loc = r.Loc(s);
    x.name = r.Str(s, "name", true);
    const std::string who = "[[weblog.site]] '" + x.name + "'";
    for (auto& text : r.StrList(s, "subnets")) {
      if (auto n = ParseSubnet(text))
        x.subnets.push_back(std::move(*n));
      else
        r.Error(s,
                who + ": '" + text +
                    "' is not an address block (10.1.0.0/16, 2001:db8::/48)");
    }
    if (s.get("time_zone")) x.time_zone = r.Str(s, "time_zone", false);
    if (const toml::node* d = s.get("duty")) {
      x.duty = ReadDuty(r, *d, who);
      x.own_duty = true;
    }
    w.sites.push_back(std::move(x));
  });
}

std::vector<std::string> LowerHosts(std::vector<std::string> hosts) {
  for (auto& h : hosts) h = core::AsciiLower(h);
  return hosts;
}

void ReadPublish(Reader& r, const toml::table& root, const fs::path& dir,
                 PolicyPack& p, core::Sha256& hash) {
  const toml::table* t = root["publish"].as_table();
  if (!t) return;
  r.CheckKeys(
      *t,
      {"high_school_grades", "district_hosts", "registered_sites",
       "site_builder_hosts", "student_work_markers", "ad_filters",
       "payment_filters", "fundraiser", "link_category", "stale_after_days",
       "past_event_days", "event_words", "max_pages", "max_depth",
       "max_page_bytes", "timeout_seconds", "delay_ms", "user_agent"},
      "[publish]");
  PublishPolicy& x = p.publish;
  x.present = true;
  x.loc = r.Loc(*t);
  if (t->get("high_school_grades"))
    x.high_school_grades = r.StrList(*t, "high_school_grades");
  x.district_hosts = LowerHosts(r.StrList(*t, "district_hosts"));
  x.registered_sites = LowerHosts(r.StrList(*t, "registered_sites"));
  x.site_builder_hosts = LowerHosts(r.StrList(*t, "site_builder_hosts"));
  for (auto& m : r.StrList(*t, "student_work_markers"))
    x.student_work_markers.push_back(core::AsciiLower(m));
  for (auto [key, list, loc] :
       {std::tuple{"ad_filters", &x.ad_filters, &x.ad_filters_loc},
        std::tuple{"payment_filters", &x.payment_filters,
                   &x.payment_filters_loc}}) {
    for (const auto& file : r.StrList(*t, key)) {
      auto lines =
          ReadLines(r, *t, dir, file, "[publish] " + std::string(key), hash);
      list->insert(list->end(), lines.begin(), lines.end());
    }
    *loc = r.Loc(*t);
  }
  x.stale_after_days =
      r.Num<uint32_t>(*t, "stale_after_days", x.stale_after_days);
  x.past_event_days = r.Num<uint32_t>(*t, "past_event_days", x.past_event_days);
  if (t->get("event_words")) {
    x.event_words.clear();
    for (auto& w : r.StrList(*t, "event_words"))
      x.event_words.push_back(core::AsciiLower(w));
  }
  x.max_pages = r.Num<uint32_t>(*t, "max_pages", x.max_pages);
  x.max_depth = r.Num<uint32_t>(*t, "max_depth", x.max_depth);
  x.max_page_bytes = r.Num<uint64_t>(*t, "max_page_bytes", x.max_page_bytes);
  x.timeout_seconds = r.Num<uint32_t>(*t, "timeout_seconds", x.timeout_seconds);
  x.delay_ms = r.Num<uint32_t>(*t, "delay_ms", x.delay_ms);
  if (t->get("user_agent")) x.user_agent = r.Str(*t, "user_agent", false);
  r.EachTable(*t, "fundraiser", [&](const toml::table& f) {
    r.CheckKeys(f, {"name", "urls", "until"}, "[[publish.fundraiser]]");
    PublishPolicy::Fundraiser y;
    y.loc = r.Loc(f);
    y.name = r.Str(f, "name", true);
    y.urls = r.StrList(f, "urls");
    y.until = r.Str(f, "until", false);
    x.fundraisers.push_back(std::move(y));
  });
  r.EachTable(*t, "link_category", [&](const toml::table& c) {
    r.CheckKeys(c, {"name", "hosts"}, "[[publish.link_category]]");
    PublishPolicy::LinkCategory y;
    y.loc = r.Loc(c);
    y.name = r.Str(c, "name", true);
    y.hosts = LowerHosts(r.StrList(c, "hosts"));
    x.link_categories.push_back(std::move(y));
  });
}

void ReadIncidents(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["incidents"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"anonymous_reports", "report"}, "[incidents]");
  IncidentsPolicy& in = p.incidents;
  in.present = true;
  in.loc = r.Loc(*t);
  in.anonymous_reports = r.Bool(*t, "anonymous_reports", in.anonymous_reports);
  r.EachTable(*t, "report", [&](const toml::table& c) {
    r.CheckKeys(c, {"id", "title", "hint", "clauses", "severity"},
                "[[incidents.report]]");
    IncidentsPolicy::Report x;
    x.loc = r.Loc(c);
    x.id = r.Str(c, "id", true);
    x.title = r.Str(c, "title", true);
    x.hint = r.Str(c, "hint", false);
    x.clauses = r.StrList(c, "clauses");
    if (auto sev = r.SeverityField(c, "severity", false,
                                   "[[incidents.report]] '" + x.id + "'"))
      x.severity = *sev;
    in.reports.push_back(std::move(x));
  });
}

void ReadApprovals(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["approvals"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"type"}, "[approvals]");
  ApprovalsPolicy& ap = p.approvals;
  ap.present = true;
  ap.loc = r.Loc(*t);
  r.EachTable(*t, "type", [&](const toml::table& c) {
    r.CheckKeys(
        c,
        {"id", "title", "hint", "clauses", "decides", "field", "releases_held"},
        "[[approvals.type]]");
    ApprovalsPolicy::Type x;
    x.loc = r.Loc(c);
    x.id = r.Str(c, "id", true);
    const std::string who = "[[approvals.type]] '" + x.id + "'";
    x.title = r.Str(c, "title", true);
    x.hint = r.Str(c, "hint", false);
    x.clauses = r.StrList(c, "clauses");
    if (auto d = r.Word(c, "decides", kReleaseRoleNames, true, who, "role")) {
      // The requester's peers would approve one another; an auditor
      // changes nothing.
      if (*d == ReleaseRole::kEmployee || *d == ReleaseRole::kAuditor)
        r.Error(*c.get("decides"),
                who + ": decides '" + std::string(ReleaseRoleName(*d)) +
                    "' cannot decide requests: name a role that decides "
                    "(its-admin, designee, supervisor, ...)");
      else
        x.decides = *d;
    }
    x.releases_held = r.Bool(c, "releases_held", false);
    r.EachTable(c, "field", [&](const toml::table& f) {
      r.CheckKeys(f, {"name", "label", "kind", "required"},
                  "[[approvals.type.field]]");
      ApprovalsPolicy::Field field;
      field.loc = r.Loc(f);
      field.name = r.Str(f, "name", true);
      field.label = r.Str(f, "label", true);
      if (auto k = r.Word(f, "kind", kFieldKindNames, false,
                          who + " field '" + field.name + "'", "field kind"))
        field.kind = *k;
      field.required = r.Bool(f, "required", false);
      x.fields.push_back(std::move(field));
    });
    ap.types.push_back(std::move(x));
  });
}

void ReadVendors(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["vendors"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"clauses", "term", "attestation", "expiring_days"},
              "[vendors]");
  VendorsPolicy& v = p.vendors;
  v.present = true;
  v.loc = r.Loc(*t);
  v.clauses = r.StrList(*t, "clauses");
  v.attestation = r.Str(*t, "attestation", false);
  v.expiring_days = r.Num<uint32_t>(*t, "expiring_days", v.expiring_days);
  r.EachTable(*t, "term", [&](const toml::table& c) {
    r.CheckKeys(c, {"id", "text", "cite"}, "[[vendors.term]]");
    VendorsPolicy::Term x;
    x.loc = r.Loc(c);
    x.id = r.Str(c, "id", true);
    x.text = r.Str(c, "text", true);
    x.cite = r.Str(c, "cite", false);
    v.terms.push_back(std::move(x));
  });
}

void ReadEquipment(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["equipment"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"clauses", "terms", "charges", "eol_days"}, "[equipment]");
  EquipmentPolicy& e = p.equipment;
  e.present = true;
  e.loc = r.Loc(*t);
  e.clauses = r.StrList(*t, "clauses");
  e.terms = r.Str(*t, "terms", true);
  e.charges = r.Bool(*t, "charges", false);
  e.eol_days = r.Num<uint32_t>(*t, "eol_days", e.eol_days);
}

void ReadAccounts(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["accounts"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"clauses", "semester", "service"}, "[accounts]");
  AccountsPolicy& a = p.accounts;
  a.present = true;
  a.loc = r.Loc(*t);
  a.clauses = r.StrList(*t, "clauses");
  a.service = r.StrList(*t, "service");
  r.EachTable(*t, "semester", [&](const toml::table& c) {
    r.CheckKeys(c, {"name", "begins", "ends"}, "[[accounts.semester]]");
    AccountsPolicy::Semester s;
    s.loc = r.Loc(c);
    s.name = r.Str(c, "name", true);
    for (auto [key, out] :
         {std::pair{"begins", &s.begins}, {"ends", &s.ends}}) {
      auto day = core::ParseIsoDate(r.Str(c, key, true), 2000, 2200,
                                    std::string("A semester's ") + key);
      if (day.ok())
        *out = *day;
      else
        r.Error(c, "[[accounts.semester]] '" + s.name +
                       "': " + day.status().message());
    }
    a.semesters.push_back(std::move(s));
  });
}

void ReadRecords(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["records"].as_table();
  if (!t) return;
  r.CheckKeys(*t,
              {"time_zone", "default_class", "purge_after_days", "archive_days",
               "holidays", "class", "retention", "exemption"},
              "[records]");
  RecordsPolicy& x = p.records;
  x.loc = r.Loc(*t);
  if (t->get("time_zone")) x.time_zone = r.Str(*t, "time_zone", false);
  if (auto c = r.Word(*t, "default_class", kRecordClassNames, false,
                      "[records]", "record class"))
    x.default_class = *c;
  x.purge_after_days =
      r.Num<uint32_t>(*t, "purge_after_days", x.purge_after_days);
  x.archive_days = r.Num<uint32_t>(*t, "archive_days", x.archive_days);
  for (const auto& d : r.StrList(*t, "holidays")) {
    auto day = core::ParseIsoDate(d, 2000, 2200, "A holiday");
    if (day.ok())
      x.holidays.push_back(*day);
    else
      r.Error(*t, "[records] holidays: " + day.status().message());
  }
  std::sort(x.holidays.begin(), x.holidays.end());
  r.EachTable(*t, "class", [&](const toml::table& c) {
    r.CheckKeys(
        c, {"name", "class", "folders", "addresses", "categories", "reason"},
        "[[records.class]]");
    RecordsPolicy::ClassRule rule;
    rule.loc = r.Loc(c);
    rule.name = r.Str(c, "name", true);
    const std::string who = "[[records.class]] '" + rule.name + "'";
    if (auto k =
            r.Word(c, "class", kRecordClassNames, true, who, "record class"))
      rule.record_class = *k;
    rule.folders = r.StrList(c, "folders");
    for (auto& a : r.StrList(c, "addresses"))
      rule.addresses.push_back(core::AsciiLower(a));
    rule.categories = r.StrList(c, "categories");
    rule.reason = r.Str(c, "reason", false);
    x.classes.push_back(std::move(rule));
  });
  r.EachTable(*t, "exemption", [&](const toml::table& c) {
    r.CheckKeys(c, {"code", "title", "label", "categories", "sentences"},
                "[[records.exemption]]");
    RecordsPolicy::Exemption e;
    e.loc = r.Loc(c);
    e.code = r.Str(c, "code", true);
    e.title = r.Str(c, "title", true);
    e.label = r.Str(c, "label", false);
    e.categories = r.StrList(c, "categories");
    e.sentences = r.StrList(c, "sentences");
    x.exemptions.push_back(std::move(e));
  });
  r.EachTable(*t, "retention", [&](const toml::table& c) {
    r.CheckKeys(c,
                {"name", "classes", "folders", "categories", "keep_days",
                 "delete_after_days"},
                "[[records.retention]]");
    RecordsPolicy::Retention rule;
    rule.loc = r.Loc(c);
    rule.name = r.Str(c, "name", true);
    const std::string who = "[[records.retention]] '" + rule.name + "'";
    rule.classes =
        r.WordList(c, "classes", kRecordClassNames, who, "record class");
    rule.folders = r.StrList(c, "folders");
    rule.categories = r.StrList(c, "categories");
    rule.keep_days = r.Num<uint32_t>(c, "keep_days", 0);
    rule.delete_after_days = r.Num<uint32_t>(c, "delete_after_days", 0);
    x.retention.push_back(std::move(rule));
  });
}

void ReadLimits(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["limits"].as_table();
  if (!t) return;
  r.CheckKeys(*t,
              {"max_item_bytes", "max_depth", "max_parts", "max_part_bytes",
               "max_members", "max_expanded_bytes", "max_ratio", "max_pages",
               "max_seconds", "helpers"},
              "[limits]");
  p.limits.max_item_bytes =
      r.Num<uint64_t>(*t, "max_item_bytes", p.limits.max_item_bytes);
  p.limits.max_depth = r.Num<uint32_t>(*t, "max_depth", p.limits.max_depth);
  p.limits.max_parts = r.Num<uint32_t>(*t, "max_parts", p.limits.max_parts);
  p.limits.max_part_bytes =
      r.Num<uint64_t>(*t, "max_part_bytes", p.limits.max_part_bytes);
  p.limits.max_members =
      r.Num<uint32_t>(*t, "max_members", p.limits.max_members);
  p.limits.max_expanded_bytes =
      r.Num<uint64_t>(*t, "max_expanded_bytes", p.limits.max_expanded_bytes);
  p.limits.max_ratio = r.Num<uint32_t>(*t, "max_ratio", p.limits.max_ratio);
  p.limits.max_pages = r.Num<uint32_t>(*t, "max_pages", p.limits.max_pages);
  p.limits.max_seconds =
      r.Num<uint32_t>(*t, "max_seconds", p.limits.max_seconds);
  p.limits.helpers = r.Bool(*t, "helpers", p.limits.helpers);
}

void ReadBulkExtract(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["bulk_extract"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"category", "min_rows", "from"}, "[bulk_extract]");
  p.bulk_extract.category = r.Str(*t, "category", true);
  p.bulk_extract.min_rows =
      r.Num<uint32_t>(*t, "min_rows", p.bulk_extract.min_rows);
  p.bulk_extract.from = r.StrList(*t, "from");
  p.bulk_extract_loc = r.Loc(*t);
}

// Words joined by one space, as a table header is read (pack.h, Tables).
std::string HeaderPhrase(std::string_view s) {
  std::string out;
  for (const auto& w : core::HeaderWords(s))
    out += (out.empty() ? "" : " ") + w;
  return out;
}

void ReadTables(Reader& r, const toml::table& root, PolicyPack& p) {
  const toml::table* t = root["tables"].as_table();
  if (!t) return;
  r.CheckKeys(*t, {"abbreviations", "given_name", "family_name"}, "[tables]");
  Tables& x = p.tables;
  x.loc = r.Loc(*t);
  if (const toml::node* n = t->get("abbreviations")) {
    const toml::table* a = n->as_table();
    if (!a) r.Error(*n, "[tables] abbreviations must be a table of words");
    static const toml::table kNone;
    for (auto&& [k, v] : a ? *a : kNone) {
      std::string key = HeaderPhrase(k.str());
      auto value = v.value<std::string>();
      if (key.empty() || !value) {
        r.Error(v, "[tables] abbreviation '" + std::string(k.str()) +
                       "' must be a word written out as a string");
        continue;
      }
      x.abbreviations[key] = HeaderPhrase(*value);
      x.longest_key = std::max<size_t>(
          x.longest_key, std::count(key.begin(), key.end(), ' ') + 1);
    }
  }
  for (auto [key, list] : {std::pair{"given_name", &x.given_name},
                           std::pair{"family_name", &x.family_name}})
    for (const auto& h : r.StrList(*t, key))
      if (std::string w = HeaderPhrase(h); !w.empty()) list->push_back(w);
}

// Compiles one pattern alone in Hyperscan and PCRE2, as the matcher will.
std::string CheckPattern(const Detector& d) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  const std::string& stage1 = d.prefilter.empty() ? d.pattern : d.prefilter;
  if (hs_compile(stage1.c_str(), HyperscanFlags(d), HS_MODE_BLOCK, nullptr, &db,
                 &err) != HS_SUCCESS) {
    std::string m = std::string("Hyperscan cannot compile the ") +
                    (d.prefilter.empty() ? "pattern: " : "prefilter: ");
    m += err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    return m;
  }
  hs_free_database(db);
  int code = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* re =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(d.pattern.c_str()),
                    d.pattern.size(), Pcre2Options(d), &code, &off, nullptr);
  if (!re) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return "PCRE2 cannot compile the pattern at offset " + std::to_string(off) +
           ": " + reinterpret_cast<char*>(buf);
  }
  pcre2_code_free(re);
  return {};
}

// Compiles one of a detector's formats in PCRE2, as the inspector will.
std::string CheckFormat(const Detector::Format& f) {
  int code = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* re =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(f.pattern.c_str()),
                    f.pattern.size(), 0, &code, &off, nullptr);
  if (!re) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return "format '" + f.name + "': PCRE2 cannot compile it at offset " +
           std::to_string(off) + ": " + reinterpret_cast<char*>(buf);
  }
  pcre2_code_free(re);
  return {};
}

// Days of retention up to this are accepted (a hundred years).
constexpr uint32_t kMaxRetentionDays = 36525;

template <typename Err>
void ValidateRecords(const PolicyPack& p, Err&& err) {
  const RecordsPolicy& x = p.records;
  if (!core::KnownTimeZone(x.time_zone))
    err(x.loc, "[records] unknown time_zone '" + x.time_zone +
                   "' (an IANA name such as America/Los_Angeles)");
  if (x.purge_after_days < 90)
    err(x.loc,
        "[records] purge_after_days must be at least 90 (D.2: mailboxes are "
        "purged on a minimum 90-day basis)");
  if (x.archive_days < x.purge_after_days || x.archive_days > kMaxRetentionDays)
    err(x.loc, "[records] archive_days must be between purge_after_days and " +
                   std::to_string(kMaxRetentionDays));
  std::set<std::string> names;
  auto category_known = [&](const std::string& c) {
    return p.FindCategory(c) != nullptr || c == p.bulk_extract.category;
  };
  for (const auto& c : x.classes) {
    const std::string who = "[[records.class]] '" + c.name + "'";
    if (!c.name.empty() && !names.insert("class/" + c.name).second)
      err(c.loc, who + " defined twice");
    for (const auto& cat : c.categories)
      if (!category_known(cat))
        err(c.loc, who + ": unknown category '" + cat + "'");
    for (const auto& a : c.addresses)
      if (a.empty() || a.find_first_of(" ,;<>") != std::string::npos)
        err(c.loc, who + ": '" + a + "' is not an address or @domain");
    for (const auto& f : c.folders)
      if (f.empty() || core::HasControlChars(f))
        err(c.loc,
            who + ": a folder name is empty or holds control characters");
  }
  for (const auto& e : x.exemptions) {
    const std::string who = "[[records.exemption]] '" + e.code + "'";
    if (!e.code.empty() && !names.insert("exemption/" + e.code).second)
      err(e.loc, who + " defined twice");
    if (core::HasControlChars(e.code) || core::HasControlChars(e.title) ||
        core::HasControlChars(e.label) ||
        e.label.find_first_of("[]") != std::string::npos)
      err(e.loc, who + ": one line each, and no brackets in the label");
    for (const auto& cat : e.categories) {
      if (!category_known(cat))
        err(e.loc, who + ": unknown category '" + cat + "'");
      else if (!names.insert("redacts/" + cat).second)
        err(e.loc, who + ": category '" + cat +
                       "' is already redacted under another exemption");
    }
    for (const auto& cat : e.sentences)
      if (std::find(e.categories.begin(), e.categories.end(), cat) ==
          e.categories.end())
        err(e.loc, who + ": sentences names '" + cat +
                       "', which is not one of its categories");
  }
  for (const auto& rt : x.retention) {
    const std::string who = "[[records.retention]] '" + rt.name + "'";
    if (!rt.name.empty() && !names.insert("retention/" + rt.name).second)
      err(rt.loc, who + " defined twice");
    if ((rt.keep_days == 0) == (rt.delete_after_days == 0))
      err(rt.loc, who + ": give keep_days or delete_after_days (one of them)");
    if (rt.keep_days > kMaxRetentionDays ||
        rt.delete_after_days > kMaxRetentionDays)
      err(rt.loc,
          who + ": at most " + std::to_string(kMaxRetentionDays) + " days");
    if (rt.delete_after_days > 0) {
      if (rt.classes.empty())
        err(rt.loc, who +
                        ": a deletion rule names the classes it disposes "
                        "of (classes = [\"class-3\"])");
      for (RecordClass c : rt.classes)
        if (c != RecordClass::kClass3)
          err(rt.loc, who + ": only Class 3 records are ever disposed of; '" +
                          std::string(RecordClassName(c)) + "' is kept");
    }
    for (const auto& cat : rt.categories)
      if (!category_known(cat))
        err(rt.loc, who + ": unknown category '" + cat + "'");
  }
}

// What a site audit finds, by category; a pack with [publish] defines each
// (title, severity, clauses and advice are the District's to word).
constexpr const char* kPublishCategories[] = {
    "student-full-name",
    "student-named-without-permission",
    "student-name-beyond-permission",
    "student-named-in-photo",
    "student-work-without-notice",
    "photo-location",
    "ad-network",
    "payment-widget",
    "inappropriate-link",
    "broken-link",
    "outside-service",
    "stale-page",
    "past-event",
    "third-party-copyright",
    "page-unreachable",
    "redirected-link"};

template <typename Err>
void ValidatePublish(const PolicyPack& p, Err&& err) {
  const PublishPolicy& x = p.publish;
  if (!x.present) return;
  auto host_name = [](const std::string& h) {
    return !h.empty() && h.size() <= 253 && h.front() != '.' &&
           h.back() != '.' &&
           h.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") ==
               std::string::npos;
  };
  for (const char* c : kPublishCategories)
    if (!p.FindCategory(c))
      err(x.loc, std::string("[publish] needs the category '") + c +
                     "' (what a site audit reports it as)");
  for (const auto* list : {&x.district_hosts, &x.site_builder_hosts})
    for (const auto& h : *list)
      if (!host_name(h)) err(x.loc, "[publish] '" + h + "' is not a host name");
  for (const auto& site : x.registered_sites)
    if (!host_name(site.substr(0, site.find('/'))) ||
        site.find_first_of(" \t?#") != std::string::npos)
      err(x.loc, "[publish] registered_sites: '" + site +
                     "' is not a host, or a host and a path");
  for (const auto& g : x.high_school_grades)
    if (g.empty() || g.size() > 8)
      err(x.loc, "[publish] high_school_grades: '" + g +
                     "' is not a grade level (09, 10, 11, 12)");
  if (x.max_pages == 0 || x.max_depth == 0 || x.max_page_bytes < 1024 ||
      x.timeout_seconds == 0)
    err(x.loc,
        "[publish] max_pages, max_depth and timeout_seconds must be at "
        "least 1, max_page_bytes at least 1024");
  for (const auto& f : x.fundraisers) {
    const std::string who = "[[publish.fundraiser]] '" + f.name + "'";
    if (f.urls.empty()) err(f.loc, who + " lists no urls");
    for (const auto& u : f.urls)
      if (!u.starts_with("https://") && !u.starts_with("http://"))
        err(f.loc, who + ": '" + u + "' is not an http(s) URL");
    if (!f.until.empty() &&
        !core::ParseIsoDate(f.until, 2000, 2200, "until").ok())
      err(f.loc, who + ": until '" + f.until + "' is not a date (YYYY-MM-DD)");
  }
  std::set<std::string> names;
  for (const auto& c : x.link_categories) {
    const std::string who = "[[publish.link_category]] '" + c.name + "'";
    if (!names.insert(c.name).second) err(c.loc, who + " defined twice");
    if (c.hosts.empty()) err(c.loc, who + " lists no hosts");
    for (const auto& h : c.hosts)
      if (!host_name(h)) err(c.loc, who + ": '" + h + "' is not a host name");
  }
}

template <typename Err>
void ValidateWeblog(const PolicyPack& p, Err&& err) {
  const WeblogPolicy& w = p.weblog;
  auto host_name = [](const std::string& h) {
    return !h.empty() && h.size() <= 253 && h.front() != '.' &&
           h.back() != '.' &&
           h.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") ==
               std::string::npos;
  };
  if (!w.time_zone.empty() && !core::KnownTimeZone(w.time_zone))
    err(w.loc, "[weblog] unknown time_zone '" + w.time_zone +
                   "' (an IANA name such as America/Los_Angeles)");
  for (const auto& s : w.public_suffixes)
    if (!host_name(s))
      err(w.loc, "[weblog] public_suffixes: '" + s + "' is not a domain");
  if (w.max_users == 0 || w.max_sites == 0)
    err(w.loc, "[weblog] max_users and max_sites must be at least 1");
  std::map<std::string, std::string> host_owner;
  std::set<std::string> names;
  for (const auto& c : w.categories) {
    std::string who = "[[weblog.category]] '" + c.name + "'";
    if (c.name.empty()) continue;  // reported as missing
    if (c.name == "other")
      err(c.loc, who + ": 'other' is what no category lists; choose a name");
    if (!names.insert(c.name).second) err(c.loc, who + " defined twice");
    if (c.hosts.empty()) err(c.loc, who + " lists no hosts");
    for (const auto& h : c.hosts) {
      if (!host_name(h)) {
        err(c.loc, who + ": '" + h + "' is not a host name");
        continue;
      }
      auto [it, fresh] = host_owner.emplace(h, c.name);
      if (!fresh)
        err(c.loc,
            who + ": '" + h + "' is already in category '" + it->second + "'");
    }
    for (const auto& id : c.clauses)
      if (!p.FindClause(id)) err(c.loc, who + ": unknown clause '" + id + "'");
  }
  names.clear();
  std::map<std::string, std::string> block_owner;
  for (const auto& s : w.sites) {
    std::string who = "[[weblog.site]] '" + s.name + "'";
    if (s.name.empty()) continue;
    if (!names.insert(s.name).second) err(s.loc, who + " defined twice");
    if (s.subnets.empty()) err(s.loc, who + " has no subnets");
    for (const auto& n : s.subnets) {
      std::string key(reinterpret_cast<const char*>(n.addr.data()), 16);
      key += static_cast<char>(n.prefix);
      auto [it, fresh] = block_owner.emplace(key, s.name);
      if (!fresh)
        err(s.loc,
            who + ": '" + n.text + "' is already site '" + it->second + "'");
    }
    if (!s.time_zone.empty() && !core::KnownTimeZone(s.time_zone))
      err(s.loc, who + ": unknown time_zone '" + s.time_zone +
                     "' (an IANA name such as America/Los_Angeles)");
  }
}

void Validate(PolicyPack& p, const LoadOptions& options,
              std::vector<PackError>& errors) {
  auto err = [&](const SourceLoc& loc, std::string m) {
    errors.push_back({loc, std::move(m)});
  };
  static const std::regex kClauseId(R"(^[A-Z](\.[0-9]+(\.[a-z])?)?$)");
  static const std::regex kSlug(R"(^[a-z0-9][a-z0-9-]*$)");
  std::set<std::string> seen;
  for (const Clause& c : p.clauses) {
    if (!std::regex_match(c.id, kClauseId))
      err(c.loc, "clause id '" + c.id + "' is not of the form E, E.2 or K.9.a");
    if (!seen.insert(c.id).second)
      err(c.loc, "clause '" + c.id + "' defined twice");
  }
  auto check_clauses = [&](const SourceLoc& loc, const std::string& who,
                           const std::vector<std::string>& ids) {
    for (const auto& id : ids)
      if (!p.FindClause(id))
        err(loc, who + " cites unknown clause '" + id + "'");
  };
  seen.clear();
  for (const auto& rep : p.incidents.reports) {
    const std::string who = "[[incidents.report]] '" + rep.id + "'";
    if (!std::regex_match(rep.id, kSlug))
      err(rep.loc, who + ": an id is lower-case words joined by '-'");
    if (!seen.insert(rep.id).second) err(rep.loc, who + " is defined twice");
    if (rep.clauses.empty()) err(rep.loc, who + " cites no clause");
    check_clauses(rep.loc, who, rep.clauses);
  }
  seen.clear();
  for (const auto& t : p.approvals.types) {
    const std::string who = "[[approvals.type]] '" + t.id + "'";
    if (!std::regex_match(t.id, kSlug))
      err(t.loc, who + ": an id is lower-case words joined by '-'");
    if (!seen.insert(t.id).second) err(t.loc, who + " is defined twice");
    if (t.clauses.empty()) err(t.loc, who + " cites no clause");
    check_clauses(t.loc, who, t.clauses);
    if (t.fields.empty()) err(t.loc, who + " asks for nothing: add a field");
    if (t.fields.size() > 20) err(t.loc, who + " asks for more than 20 fields");
    std::set<std::string> names;
    size_t held = 0;
    for (const auto& f : t.fields) {
      static const std::regex kName("[a-z][a-z0-9_]{0,39}");
      if (!std::regex_match(f.name, kName))
        err(f.loc, who + " field '" + f.name +
                       "': a name is lower-case letters, digits and '_'");
      if (!names.insert(f.name).second)
        err(f.loc, who + " field '" + f.name + "' is defined twice");
      if (f.kind == ApprovalsPolicy::FieldKind::kHeldMessage) ++held;
    }
    if (held > 1) err(t.loc, who + " names more than one held-message field");
    if (t.releases_held && held == 0)
      err(t.loc, who +
                     ": releases_held needs a field of kind 'held-message' "
                     "naming the message");
  }
  if (p.equipment.present) {
    const EquipmentPolicy& e = p.equipment;
    if (e.clauses.empty()) err(e.loc, "[equipment] cites no clause");
    check_clauses(e.loc, "[equipment]", e.clauses);
    if (e.terms.size() > 20000)
      err(e.loc, "[equipment] terms are longer than 20,000 bytes");
    if (e.eol_days > 3660) err(e.loc, "[equipment] eol_days is at most 3660");
  }
  if (p.accounts.present) {
    const AccountsPolicy& a = p.accounts;
    if (a.clauses.empty()) err(a.loc, "[accounts] cites no clause");
    check_clauses(a.loc, "[accounts]", a.clauses);
    if (a.semesters.size() > 100)
      err(a.loc, "[accounts] has more than 100 semesters");
    if (a.service.size() > 200)
      err(a.loc, "[accounts] has more than 200 service patterns");
    for (size_t i = 0; i < a.semesters.size(); ++i) {
      const auto& s = a.semesters[i];
      if (s.name.empty() || s.name.size() > 80)
        err(s.loc, "[[accounts.semester]] needs a name of at most 80 bytes");
      if (s.ends < s.begins)
        err(s.loc,
            "[[accounts.semester]] '" + s.name + "' ends before it begins");
      if (i > 0 && s.begins <= a.semesters[i - 1].ends)
        err(s.loc, "[[accounts.semester]] '" + s.name +
                       "' begins before the semester above it ends (list them "
                       "in order, without overlap)");
    }
    for (const auto& pat : a.service)
      if (pat.empty() || pat.size() > 128)
        err(a.loc, "[accounts] service patterns are 1 to 128 bytes");
  }
  seen.clear();
  if (p.vendors.present) {
    const VendorsPolicy& v = p.vendors;
    if (v.clauses.empty()) err(v.loc, "[vendors] cites no clause");
    check_clauses(v.loc, "[vendors]", v.clauses);
    if (v.terms.size() > 40) err(v.loc, "[vendors] has more than 40 terms");
    if (v.expiring_days > 366)
      err(v.loc, "[vendors] expiring_days is at most 366");
    for (const auto& t : v.terms) {
      const std::string who = "[[vendors.term]] '" + t.id + "'";
      if (!std::regex_match(t.id, kSlug))
        err(t.loc, who + ": an id is lower-case words joined by '-'");
      if (!seen.insert(t.id).second) err(t.loc, who + " is defined twice");
    }
  }
  seen.clear();
  for (const Category& c : p.categories) {
    if (!std::regex_match(c.id, kSlug))
      err(c.loc,
          "category id '" + c.id + "' must be lower-case words joined by '-'");
    if (!seen.insert(c.id).second)
      err(c.loc, "category '" + c.id + "' defined twice");
    if (c.clauses.empty())
      err(c.loc, "category '" + c.id + "' cites no clause");
    check_clauses(c.loc, "category '" + c.id + "'", c.clauses);
  }
  if (!p.bulk_extract.category.empty()) {
    if (!p.FindCategory(p.bulk_extract.category))
      err(p.bulk_extract_loc,
          "[bulk_extract]: unknown category '" + p.bulk_extract.category + "'");
    for (const auto& c : p.bulk_extract.from)
      if (!p.FindCategory(c))
        err(p.bulk_extract_loc,
            "[bulk_extract]: 'from' names an unknown category '" + c + "'");
    if (p.bulk_extract.min_rows == 0)
      err(p.bulk_extract_loc, "[bulk_extract]: min_rows must be at least 1");
  }
  if (!p.FindCategory("not-inspected"))
    err({p.dir + "/pack.toml", 0},
        "the pack must define the 'not-inspected' category (the engine emits "
        "it)");
  seen.clear();
  std::set<std::string> lex_ids;
  for (const Lexicon& l : p.lexicons)
    if (!lex_ids.insert(l.id).second)
      err(l.loc, "lexicon '" + l.id + "' defined twice");
  for (const Detector& d : p.detectors) {
    std::string who = "detector '" + d.id + "'";
    if (!seen.insert(d.id).second) err(d.loc, who + " defined twice");
    if (!p.FindCategory(d.category))
      err(d.loc, who + ": unknown category '" + d.category + "'");
    check_clauses(d.loc, who, d.clauses);
    if (options.compile_patterns && d.kind == DetectorKind::kRegex &&
        !d.pattern.empty()) {
      std::string m = CheckPattern(d);
      if (!m.empty()) err(d.loc, who + ": " + m);
    }
    if (!d.formats.empty() && d.kind != DetectorKind::kRegex)
      err(d.loc, who + ": only a regex detector has formats");
    for (const auto& f : d.formats) {
      if (f.name.empty() || f.pattern.empty())
        err(d.loc, who + ": each format needs a name and a pattern");
      else if (std::string m = CheckFormat(f); !m.empty())
        err(d.loc, who + ": " + m);
    }
    for (const auto& l : d.lexicons)
      if (!lex_ids.count(l)) err(d.loc, who + ": unknown lexicon '" + l + "'");
    std::vector<std::string> words(d.phrase);
    words.insert(words.end(), d.unless.begin(), d.unless.end());
    if (!d.negation.empty()) words.push_back(d.negation);
    for (const auto& l : words)
      if ((l.empty() || l.front() != '@') && !lex_ids.count(l))
        err(d.loc, who + ": unknown lexicon '" + l + "'");
    if (d.require_hotword && d.hotwords.empty())
      err(d.loc, who + ": require_hotword is set but there are no hotwords");
  }
  for (const Combination& c : p.combinations) {
    for (const auto& id : c.all_of)
      if (!p.FindCategory(id))
        err(c.loc, "combination '" + c.id + "': unknown category '" + id + "'");
    for (const auto& id : c.any_of)
      if (!p.FindCategory(id))
        err(c.loc, "combination '" + c.id + "': unknown category '" + id + "'");
    check_clauses(c.loc, "combination '" + c.id + "'", c.clauses);
  }
  seen.clear();
  for (const Rule& u : p.rules) {
    std::string who = "rule '" + u.id + "'";
    if (!seen.insert(u.id).second) err(u.loc, who + " defined twice");
    if (u.clauses.empty()) err(u.loc, who + " cites no clause");
    check_clauses(u.loc, who, u.clauses);
    for (const auto& c : u.categories)
      if (!p.FindCategory(c))
        err(u.loc, who + ": unknown category '" + c + "'");
  }
  const MailPolicy& m = p.mail;
  for (const auto& v : m.vendors) {
    if (v.domain.empty() || v.domain.find('@') != std::string::npos)
      err(v.loc, "[[mail.vendor]]: '" + v.domain + "' is not a domain");
    for (const auto& c : v.categories)
      if (!p.FindCategory(c))
        err(v.loc,
            "[[mail.vendor]] '" + v.domain + "': unknown category '" + c + "'");
  }
  for (const auto& c : m.escalate_categories)
    if (!p.FindCategory(c))
      err(m.loc, "[mail] escalate_categories: unknown category '" + c + "'");
  if (!m.escalate_categories.empty())
    check_clauses(m.loc, "[mail] escalate_clauses", m.escalate_clauses);
  if (!m.clamd.empty() && !m.clamd.starts_with("unix:") &&
      !m.clamd.starts_with("inet:"))
    err(m.loc,
        "[mail] clamd '" + m.clamd + "' must be unix:/path or inet:host:port");
  if (m.escalate_count == 0)
    err(m.loc, "[mail] escalate_count must be at least 1");
  const WebPolicy& w = p.web;
  for (const auto* list : {&w.cloud_hosts, &w.approved_hosts})
    for (const auto& h : *list)
      if (h.empty() || h.find_first_of("/@: *") != std::string::npos)
        err(w.loc, "[web] '" + h + "' is not a host name");
  if (w.on_failure == FailureMode::kTempfail)
    err(w.loc, "[web] on_failure must be reject or accept");
  if (w.max_inspect_bytes < (64u << 10))
    err(w.loc, "[web] max_inspect_bytes must be at least 65536");
  if (w.user_header.empty() ||
      w.user_header.find_first_of(" :\r\n") != std::string::npos)
    err(w.loc, "[web] user_header must be a field name");
  ValidateWeblog(p, err);
  ValidatePublish(p, err);
  ValidateRecords(p, err);
}

// Parses one TOML file, reporting a syntax error with its line.
std::optional<toml::table> ParseToml(const fs::path& file, core::Sha256& hash,
                                     std::vector<PackError>& errors) {
  auto data = core::ReadFile(file.string(), 16u << 20);
  if (!data.ok()) {
    errors.push_back({{file.string(), 0}, data.status().message()});
    return std::nullopt;
  }
  hash.Update(file.filename().string());
  hash.Update(*data);
  try {
    return toml::parse(*data, file.string());
  } catch (const toml::parse_error& e) {
    errors.push_back(
        {{file.string(), static_cast<uint32_t>(e.source().begin.line)},
         std::string(e.description())});
    return std::nullopt;
  }
}

}  // namespace

LoadResult LoadPack(const std::string& path, const LoadOptions& options) {
  LoadResult res;
  fs::path main = path;
  std::error_code ec;
  if (fs::is_directory(main, ec)) main /= "pack.toml";
  fs::path dir = main.parent_path();
  if (dir.empty()) dir = ".";
  auto pack = std::make_shared<PolicyPack>();
  pack->dir = dir.string();
  core::Sha256 hash;
  auto root = ParseToml(main, hash, res.errors);
  if (!root) return res;
  Reader r(main.string(), &res.errors);
  r.CheckKeys(*root, {"pack",        "limits",   "bulk_extract", "include",
                      "clause",      "category", "detector",     "lexicon",
                      "combination", "rule",     "mail",         "web",
                      "weblog",      "tables",   "records",      "incidents",
                      "approvals",   "vendors",  "equipment",    "accounts"},
              "pack.toml");
  if (const toml::table* t = (*root)["pack"].as_table()) {
    r.CheckKeys(*t, {"name", "district", "version", "internal_domains"},
                "[pack]");
    pack->name = r.Str(*t, "name", true);
    pack->district = r.Str(*t, "district", false);
    pack->version = r.Str(*t, "version", false);
    pack->internal_domains = r.StrList(*t, "internal_domains");
  } else {
    r.Error(*root, "missing the [pack] table (name, district, version)");
  }
  ReadLimits(r, *root, *pack);
  ReadBulkExtract(r, *root, *pack);
  std::vector<std::pair<std::string, toml::table>> files;
  files.emplace_back(main.string(), std::move(*root));
  for (const auto& inc : r.StrList(files[0].second, "include")) {
    fs::path f = dir / inc;
    if (auto t = ParseToml(f, hash, res.errors))
      files.emplace_back(f.string(), std::move(*t));
  }
  ModelFiles models;
  for (auto& [name, table] : files) {
    Reader fr(name, &res.errors);
    if (name != main.string())
      fr.CheckKeys(
          table,
          {"clause", "category", "detector", "lexicon", "combination", "rule",
           "mail", "web", "weblog", "publish", "tables", "records", "incidents",
           "approvals", "vendors", "equipment", "accounts"},
          fs::path(name).filename().string());
    ReadClauses(fr, table, *pack);
    ReadCategories(fr, table, *pack);
    // A word list's file is found beside the TOML file that names it.
    ReadLexicons(fr, table, fs::path(name).parent_path(), *pack, hash);
    ReadDetectors(fr, table, fs::path(name).parent_path(), *pack, hash, models);
    ReadCombinations(fr, table, *pack);
    ReadRules(fr, table, *pack);
    ReadMail(fr, table, *pack);
    ReadWeb(fr, table, *pack);
    ReadWeblog(fr, table, *pack);
    ReadPublish(fr, table, fs::path(name).parent_path(), *pack, hash);
    ReadRecords(fr, table, *pack);
    ReadIncidents(fr, table, *pack);
    ReadApprovals(fr, table, *pack);
    ReadVendors(fr, table, *pack);
    ReadEquipment(fr, table, *pack);
    ReadAccounts(fr, table, *pack);
    ReadTables(fr, table, *pack);
  }
  Validate(*pack, options, res.errors);
  pack->hash = hash.HexDigest();
  if (res.errors.empty()) res.pack = std::move(pack);
  return res;
}

std::string DefaultPackDir() {
  if (const char* env = std::getenv("STEWARD_POLICY"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path();
         p = p.parent_path()) {
      for (const char* sub : {"policy", "share/steward/policy"})
        if (fs::exists(p / sub / "pack.toml", ec)) return (p / sub).string();
    }
  }
  fs::path src = fs::path(STEWARD_SOURCE_DIR) / "policy";
  if (fs::exists(src / "pack.toml", ec)) return src.string();
  return {};
}

}  // namespace steward::policy
