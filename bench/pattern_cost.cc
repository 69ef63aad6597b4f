// pattern_cost: how fast each regex detector of a pack runs alone in
// Hyperscan over a file, and how fast the word lists run as literals on their
// views, to find what slows a pack down.
//   pattern_cost PACK_DIR FILE
#include <fmt/format.h>
#include <hs/hs.h>

#include <algorithm>
#include <chrono>

#include "core/text.h"
#include "inspect/lexicon.h"
#include "policy/loader.h"

using namespace steward;

namespace {

int Count(unsigned, unsigned long long, unsigned long long, unsigned, void* c) {
  ++*static_cast<size_t*>(c);
  return 0;
}

struct Row {
  std::string id;
  double mbps;
  size_t patterns, matches;
};

double Secs(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

// Scans `data` with a database built from `pats`, either as regexes or as
// literals; returns MB/s and the candidate count.
Row Measure(const std::string& id, const std::vector<std::string>& pats,
            const std::vector<unsigned>& flags, bool literal,
            std::string_view data, double extra_secs = 0) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < pats.size(); ++i) {
    ptrs.push_back(pats[i].c_str());
    lens.push_back(pats[i].size());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc =
      literal
          ? hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(),
                                 lens.data(), ptrs.size(), HS_MODE_BLOCK,
                                 nullptr, &db, &err)
          : hs_compile_multi(ptrs.data(), flags.data(), ids.data(), ptrs.size(),
                             HS_MODE_BLOCK, nullptr, &db, &err);
  if (rc != HS_SUCCESS) {
    fmt::print(stderr, "{}: {}\n", id, err ? err->message : "?");
    return {id, 0, pats.size(), 0};
  }
  hs_scratch_t* s = nullptr;
  hs_alloc_scratch(db, &s);
  size_t n = 0;
  auto t0 = std::chrono::steady_clock::now();
  hs_scan(db, data.data(), static_cast<unsigned>(data.size()), 0, s, Count, &n);
  double secs = Secs(t0) + extra_secs;
  hs_free_scratch(s);
  hs_free_database(db);
  return {id, data.size() / 1e6 / secs, pats.size(), n};
}

}  // namespace

// Escapes what ripgrep's regex syntax needs escaped, and nothing else.
std::string RustEscape(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (std::string_view("\\.+*?()|[]{}^$-").find(c) != std::string_view::npos)
      out += '\\';
    out += c;
  }
  return out;
}

// Prints the pack's regexes and word-list terms as patterns for ripgrep
// (one per line, `rg -f`), leaving out what ripgrep's engine cannot run.
int ListForRipgrep(const policy::PolicyPack& p) {
  for (const auto& d : p.detectors) {
    if (d.kind == policy::DetectorKind::kRegex) {
      // ripgrep is line-oriented: patterns spanning lines are left out.
      if (d.pattern.find("\\n") != std::string::npos) continue;
      // `\K` (the match starts here) is Steward's, not ripgrep's: without
      // it ripgrep counts the same matches, with their lead-in words.
      std::string pattern = d.pattern;
      for (size_t at; (at = pattern.find("\\K")) != std::string::npos;)
        pattern.erase(at, 2);
      fmt::print("{}{}\n", d.caseless ? "(?i)" : "", pattern);
    } else if (d.kind == policy::DetectorKind::kLexicon)
      for (const auto& l : d.lexicons)
        for (const auto& t : p.FindLexicon(l)->terms)
          fmt::print("(?i)\\b{}\\b\n", RustEscape(t));
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--ripgrep") {
    auto lr = policy::LoadPack(argv[2]);
    return lr.ok() ? ListForRipgrep(*lr.pack) : 2;
  }
  if (argc != 3) {
    fmt::print(stderr,
               "usage: pattern_cost PACK_DIR FILE | pattern_cost --ripgrep "
               "PACK_DIR\n");
    return 2;
  }
  auto lr = policy::LoadPack(argv[1]);
  if (!lr.ok()) {
    for (auto& e : lr.errors) fmt::print(stderr, "{}\n", e.ToString());
    return 2;
  }
  auto data = core::ReadFile(argv[2], 1ull << 32);
  if (!data.ok()) return 2;
  std::vector<Row> rows;
  std::vector<std::string> all;
  std::vector<unsigned> all_flags;
  std::vector<std::string> terms[2];
  for (const auto& d : lr.pack->detectors) {
    if (d.kind == policy::DetectorKind::kRegex) {
      std::vector<std::string> p;
      std::vector<unsigned> f;
      if (d.require_hotword) {
        for (const auto& h : d.hotwords)
          p.push_back(inspect::EscapeLiteral(h)), f.push_back(HS_FLAG_CASELESS);
      } else {
        p.push_back(d.prefilter.empty() ? d.pattern : d.prefilter);
        f.push_back(policy::HyperscanFlags(d));
      }
      rows.push_back(Measure(d.id, p, f, false, *data));
      all.insert(all.end(), p.begin(), p.end());
      all_flags.insert(all_flags.end(), f.begin(), f.end());
    } else if (d.kind == policy::DetectorKind::kLexicon ||
               d.kind == policy::DetectorKind::kPhrase ||
               d.kind == policy::DetectorKind::kClassifier) {
      // The word lists of every detector that reads them, as the Matcher
      // compiles them: lexicons, phrases' and classifiers' triggers.
      for (const auto& l : d.lexicons)
        for (const auto& t : lr.pack->FindLexicon(l)->terms) {
          auto n = inspect::LowerTerm(t);
          if (!n.empty()) terms[0].push_back(n);
          if (d.fold_obfuscation) terms[1].push_back(inspect::FoldTerm(t));
        }
    }
  }
  rows.push_back(
      Measure("(all regexes together)", all, all_flags, false, *data));
  for (int v = 0; v < 2; ++v) {
    // One literal for a term in several lists, as in the Matcher.
    std::sort(terms[v].begin(), terms[v].end());
    terms[v].erase(std::unique(terms[v].begin(), terms[v].end()),
                   terms[v].end());
    inspect::NormalView view;
    auto t0 = std::chrono::steady_clock::now();
    if (v) {
      inspect::BuildFoldedView(*data, view);
    } else {
      inspect::LowerCase(*data, view.text);
    }
    double build = Secs(t0);
    rows.push_back({v ? "(folded view build)" : "(lower-case view build)",
                    data->size() / 1e6 / build, 0, 0});
    std::vector<unsigned> f(terms[v].size(), 0);
    rows.push_back(Measure(v ? "(folded terms, literal)" : "(terms, literal)",
                           terms[v], f, true, view.text));
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.mbps < b.mbps; });
  fmt::print("{:<28} {:>9} {:>9} {:>10}\n", "detector", "MB/s", "patterns",
             "candidates");
  for (const auto& r : rows)
    fmt::print("{:<28} {:>9.0f} {:>9} {:>10}\n", r.id, r.mbps, r.patterns,
               r.matches);
}
