#include "labelled.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "conduct_eval.h"
#include "core/csv.h"
#include "inspect/classifier.h"
#include "test_util.h"

namespace steward::testing {

namespace fs = std::filesystem;

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t i = 0; i <= line.size(); ++i)
    if (i == line.size() || line[i] == '\t') {
      out.push_back(line.substr(b, i - b));
      b = i + 1;
    }
  return out;
}

namespace {

// A tweet as a sentence someone might write: no "RT", @names, links or
// HTML entities, and none of the corpus's quoting residue.
std::string CleanTweet(std::string_view t) {
  std::string out;
  for (size_t i = 0; i < t.size();) {
    auto starts = [&](std::string_view p) {
      return t.substr(i, p.size()) == p;
    };
    bool word_start = i == 0 || t[i - 1] == ' ';
    if (t[i] == '@' ||
        (word_start && (starts("http://") || starts("https://")))) {
      while (i < t.size() && t[i] != ' ') ++i;
      continue;
    }
    if (word_start && starts("RT ")) {
      i += 3;
      continue;
    }
    if (t[i] == '&') {
      size_t semi = t.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 8) {
        std::string_view ent = t.substr(i, semi - i + 1);
        out += ent == "&amp;"  ? "&"
               : ent == "&lt;" ? "<"
               : ent == "&gt;" ? ">"
                               : " ";
        i = semi + 1;
        continue;
      }
    }
    out += t[i] == '"' ? ' ' : t[i];
    ++i;
  }
  size_t b = out.find_first_not_of(" :");
  size_t e = out.find_last_not_of(' ');
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

void Add(std::vector<LabelledText>& out, std::string source, std::string label,
         std::string text, std::string key = {}) {
  if (text.empty()) return;
  LabelledText t;
  t.source = std::move(source);
  t.label = std::move(label);
  t.key = key.empty() ? text : std::move(key);
  t.held_out = HeldOutKey(t.key);
  t.text = std::move(text);
  out.push_back(std::move(t));
}

bool ReadLines(const std::string& file, std::vector<std::string>& lines,
               std::string* error) {
  std::ifstream in(file);
  if (!in) {
    *error = file + ": cannot be read";
    return false;
  }
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  return true;
}

}  // namespace

bool ReadLabelledCorpora(std::vector<LabelledText>& out,
                         std::vector<std::string>& missing,
                         std::string* error) {
  if (std::string dir = Corpus("conduct/implicit-hate"); dir.empty()) {
    missing.push_back("conduct/implicit-hate");
  } else {
    std::vector<std::string> s1, s2;
    if (!ReadLines(dir + "/implicit_hate_v1_stg1_posts.tsv", s1, error) ||
        !ReadLines(dir + "/implicit_hate_v1_stg2_posts.tsv", s2, error))
      return false;
    std::set<std::string> threatening;
    for (size_t i = 1; i < s2.size(); ++i) {
      auto f = SplitTabs(s2[i]);
      if (f.size() >= 2 && f[1] == "threatening") {
        std::string t = CleanTweet(f[0]);
        threatening.insert(t);
        Add(out, "implicit-hate", "threatening", std::move(t));
      }
    }
    for (size_t i = 1; i < s1.size(); ++i) {
      auto f = SplitTabs(s1[i]);
      if (f.size() < 2) continue;
      std::string t = CleanTweet(f[0]);
      if (threatening.count(t)) continue;
      Add(out, "implicit-hate", f[1], std::move(t));
    }
  }
  if (std::string dir = Corpus("conduct/davidson"); dir.empty()) {
    missing.push_back("conduct/davidson");
  } else {
    std::string file = dir + "/labeled_data.csv";
    std::string data = ReadAll(file);
    bool header = true;
    auto st = core::ReadCsv(data, [&](const core::CsvRecord& r) {
      if (header || r.fields.size() < 7) {
        header = false;
        return true;
      }
      static const char* kNames[] = {"hate", "offensive", "neither"};
      int cls = r.fields[5].empty() ? -1 : r.fields[5][0] - '0';
      if (cls >= 0 && cls <= 2)
        Add(out, "davidson", kNames[cls], CleanTweet(r.fields[6]));
      return true;
    });
    if (!st.ok()) {
      *error = file + ": " + st.message();
      return false;
    }
  }
  if (std::string dir = Corpus("sms-spam"); dir.empty()) {
    missing.push_back("sms-spam");
  } else {
    std::vector<std::string> lines;
    if (!ReadLines(dir + "/SMSSpamCollection", lines, error)) return false;
    for (const auto& l : lines) {
      auto f = SplitTabs(l);
      if (f.size() == 2 && (f[0] == "spam" || f[0] == "ham"))
        Add(out, "sms-spam", f[0], f[1]);
    }
  }
  if (std::string dir = Corpus("spamassassin"); dir.empty()) {
    missing.push_back("spamassassin");
  } else {
    std::vector<std::string> lines;
    if (!ReadLines(dir + "/spamassassin.tsv", lines, error)) return false;
    for (size_t i = 1; i < lines.size(); ++i) {
      auto f = SplitTabs(lines[i]);
      if (f.size() == 4 && (f[0] == "spam" || f[0] == "ham"))
        Add(out, "spamassassin", f[0], f[3], f[2]);
    }
  }
  return true;
}

namespace {

// A message's sentences, as far as a line without line breaks shows them.
std::vector<std::string_view> Sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t b = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    bool end = i == text.size() ||
               ((text[i] == '.' || text[i] == '!' || text[i] == '?') &&
                i + 1 < text.size() && text[i + 1] == ' ');
    if (!end) continue;
    size_t e = std::min(i + 1, text.size());
    if (e > b) out.push_back(text.substr(b, e - b));
    b = e;
  }
  return out;
}

struct Lines {
  size_t max_words;  // as the detector reads its unit (inspector.cc)
  std::vector<std::string> lines;
  std::map<std::string, size_t> per_label;
  void Add(const std::string& label, std::string_view text, int copies = 1) {
    std::string words = inspect::ModelInput(text, max_words);
    if (words.empty()) return;
    for (int i = 0; i < copies; ++i) {
      lines.push_back("__label__" + label + " " + words);
      ++per_label[label];
    }
  }
  bool Write(const std::string& file, std::string* report, std::string* error) {
    std::mt19937 rng(7);
    std::shuffle(lines.begin(), lines.end(), rng);
    std::ofstream o(file, std::ios::trunc);
    for (const auto& l : lines) o << l << '\n';
    if (!o.flush()) {
      *error = file + ": cannot be written";
      return false;
    }
    *report += fmt::format("{}: {} lines", fs::path(file).filename().string(),
                           lines.size());
    for (const auto& [l, n] : per_label)
      *report += fmt::format(", {} {}", l, n);
    *report += "\n";
    return true;
  }
};

}  // namespace

bool WriteTrainingData(const std::string& out_dir, std::string* report,
                       std::string* error) {
  Lines conduct{inspect::kSentenceWords}, solicitation{inspect::kTextWords};
  // The project's own cases weigh three times: they are the District's
  // kind of writing, the corpora are tweets and mailing lists.
  std::vector<SuiteCase> suite;
  if (!ReadSuite(SourceDir() + "/tests/golden/functional", suite, error))
    return false;
  // The held-out fifth as the models read it, to judge a model by itself
  // (`fasttext test-label MODEL conduct.valid`): never trained on.
  Lines valid{inspect::kSentenceWords};
  for (const auto& c : suite) {
    if (c.held_out) {
      if (c.category != "solicitation") valid.Add(c.label, c.text);
      continue;
    }
    if (c.category == "solicitation")
      solicitation.Add(c.label, c.text, 3);
    else
      conduct.Add(c.label, c.text, 3);
  }
  std::vector<LabelledText> texts;
  std::vector<std::string> missing;
  if (!ReadLabelledCorpora(texts, missing, error)) return false;
  if (!missing.empty()) {
    *error = "missing corpora (../shared/corpora or STEWARD_CORPORA): " +
             fmt::format("{}", fmt::join(missing, ", "));
    return false;
  }
  static const std::map<std::string, std::string> kConduct = {
      {"threatening", "threat"},
      {"explicit_hate", "harassment"},
      {"implicit_hate", "harassment"},
      {"hate", "harassment"},
      {"offensive", "profanity"},
      {"neither", "none"},
      {"not_hate", "none"}};
  for (const auto& t : texts) {
    if (t.held_out) continue;
    if (auto it = kConduct.find(t.label); it != kConduct.end()) {
      conduct.Add(it->second, t.text);
      continue;
    }
    const std::string label = t.label == "spam" ? "solicitation" : "none";
    solicitation.Add(label, t.text);
    // Real mail and texts as sentences: what a conduct model must leave be.
    if (t.source == "sms-spam") {
      conduct.Add("none", t.text);
    } else {
      size_t n = 0;
      for (auto s : Sentences(t.text))
        if (std::count(s.begin(), s.end(), ' ') >= 1 &&
            ++n <= (t.label == "ham" ? 200u : 10u))
          conduct.Add("none", s);
    }
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  return conduct.Write(out_dir + "/conduct.train", report, error) &&
         valid.Write(out_dir + "/conduct.valid", report, error) &&
         solicitation.Write(out_dir + "/solicitation.train", report, error);
}

}  // namespace steward::testing
