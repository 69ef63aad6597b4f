#include "conduct_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "labelled.h"
#include "test_util.h"

namespace steward::testing {

namespace fs = std::filesystem;

namespace {

bool Has(const engine::ItemResult& r, const std::string& category) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [&](const auto& f) { return f.category == category; });
}

// "solicitation" is any of the pack's three kinds of it.
bool HasConduct(const engine::ItemResult& r, const std::string& category) {
  if (category == "solicitation")
    return Has(r, "commercial-advertising") || Has(r, "pyramid-scheme") ||
           Has(r, "chain-letter");
  return Has(r, category);
}

}  // namespace

bool ReadSuite(const std::string& dir, std::vector<SuiteCase>& out,
               std::string* error) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".tsv") files.push_back(e.path());
  if (ec || files.empty()) {
    *error = dir + ": no .tsv files";
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream in(p);
    std::string line;
    size_t n = 0;
    // "threat.tsv", "threat.b.tsv": the category is the name up to its
    // first dot.
    const std::string name = p.filename().string();
    const std::string category = name.substr(0, name.find('.'));
    while (std::getline(in, line)) {
      ++n;
      if (line.empty() || line[0] == '#') continue;
      auto f = SplitTabs(line);
      if (f.size() != 3 || f[2].empty() ||
          (f[0] != "none" && f[0] != category)) {
        *error = fmt::format(
            "{}:{}: expected 'label<TAB>functionality<TAB>text' with label "
            "'{}' or 'none'",
            p.filename().string(), n, category);
        return false;
      }
      SuiteCase c;
      c.file = p.filename().string();
      c.line = n;
      c.category = category;
      c.label = f[0];
      c.functionality = f[1];
      c.text = f[2];
      c.held_out = Fnv1a(c.text) % 5 == 0;
      out.push_back(std::move(c));
    }
  }
  return true;
}

void RunSuite(const engine::Engine& e, std::vector<SuiteCase>& cases) {
  auto scratch = e.NewScratch();
  for (auto& c : cases) {
    auto r = e.InspectPlainText("case.txt", c.text, *scratch);
    c.found = HasConduct(r, c.category);
  }
}

SuiteScores ScoreSuite(const std::vector<SuiteCase>& cases) {
  SuiteScores s;
  for (const auto& c : cases) {
    for (const char* part : {c.held_out ? "held-out" : "dev", "all"}) {
      SuiteScore& x = s[c.category][part];
      if (c.label == c.category) {
        ++x.positives;
        x.found += c.found;
      } else {
        ++x.twins;
        x.twins_flagged += c.found;
      }
    }
  }
  return s;
}

std::string SuiteTable(const SuiteScores& s) {
  std::string out =
      "| category | part | positives | recall | twins | twins flagged |\n"
      "|---|---|---:|---:|---:|---:|\n";
  for (const auto& [cat, parts] : s)
    for (const char* part : {"dev", "held-out", "all"}) {
      auto it = parts.find(part);
      if (it == parts.end()) continue;
      const SuiteScore& x = it->second;
      out +=
          fmt::format("| {} | {} | {} | {:.2f} | {} | {:.1f} % |\n", cat, part,
                      x.positives, x.Recall(), x.twins, 100 * x.FlagRate());
    }
  return out;
}

LabelledRates EvaluateLabelled(const engine::Engine& e,
                               const std::vector<LabelledText>& texts,
                               bool held_out_only) {
  LabelledRates out;
  auto scratch = e.NewScratch();
  for (const auto& t : texts) {
    if (held_out_only && !t.held_out) continue;
    auto r = e.InspectPlainText("text.txt", t.text, *scratch);
    auto& row = out[t.source + " / " + t.label];
    for (const char* cat : kConductCategories) {
      bool found = HasConduct(r, cat);
      ++row[cat].texts;
      row[cat].flagged += found;
    }
  }
  return out;
}

MailRates EvaluateMailFolder(const engine::Engine& e, const std::string& dir,
                             const std::vector<std::string>& categories,
                             bool held_out_only) {
  MailRates out;
  auto scratch = e.NewScratch();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.is_regular_file() &&
        (!held_out_only || HeldOutKey(f.path().filename().string())))
      files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::string bytes = ReadAll(p.string());
    auto r = e.InspectMessage(p.filename().string(), bytes, *scratch);
    ++out.high.texts;
    ++out.any_of.texts;
    bool high = false, any = false;
    std::set<std::string> seen;
    for (const auto& f : r.findings) {
      if (f.severity == policy::Severity::kHigh) {
        high = true;
        if (seen.insert(f.category).second) ++out.high_by_category[f.category];
      }
      if (std::find(categories.begin(), categories.end(), f.category) !=
          categories.end())
        any = true;
    }
    out.high.flagged += high;
    out.any_of.flagged += any;
  }
  return out;
}

}  // namespace steward::testing
