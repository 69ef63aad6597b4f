// Extraction against textract's test documents: for every document beside
// an expected .txt, the extracted text must match it after whitespace is
// normalized. Prints a table of what matched; asserts the formats we claim.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "core/text.h"
#include "extract/document.h"
#include "test_util.h"

namespace steward::testing {
namespace {

namespace fs = std::filesystem;

// Words: runs of letters and digits (any non-ASCII byte counts as a
// letter). Punctuation and the tables textract draws ("|", "-----") are
// layout, not text.
std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> w;
  std::string cur;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(c);
    } else if (!cur.empty()) {
      w.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) w.push_back(std::move(cur));
  return w;
}

// Expected words found, in order (longest common subsequence), over the
// expected count.
double Recall(const std::vector<std::string>& want,
              const std::vector<std::string>& got) {
  if (want.empty()) return got.empty() ? 1 : 0;
  std::vector<uint32_t> prev(got.size() + 1), cur(got.size() + 1);
  for (const auto& w : want) {
    for (size_t j = 1; j <= got.size(); ++j)
      cur[j] =
          w == got[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return double(prev[got.size()]) / want.size();
}

struct Case {
  std::string doc, expected;
};

std::vector<Case> Cases(const std::string& root) {
  std::vector<Case> out;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() == ".txt" && dir.path().filename() != "txt")
        continue;
      fs::path want = f.path();
      want.replace_extension(".txt");
      if (f.path().extension() == ".txt" || !fs::exists(want)) continue;
      out.push_back({f.path().string(), want.string()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Case& a, const Case& b) { return a.doc < b.doc; });
  return out;
}

std::string BodyText(const extract::Extracted& e) {
  std::string s;
  for (const auto& t : e.texts)
    if (t.view == core::View::kBody || t.view == core::View::kSubject ||
        t.view == core::View::kAlt || t.view == core::View::kComments)
      s += t.text + "\n";
  return s;
}

TEST(Textract, ExtractedTextMatchesExpected) {
  std::string root = Corpus("textract");
  STEWARD_SKIP_IF_EMPTY(root, "textract");
  extract::Limits limits;
  std::map<std::string, double> recall;
  int exact = 0, n = 0;
  for (const auto& c : Cases(root)) {
    std::string bytes = ReadAll(c.doc);
    extract::Extracted e = extract::ExtractFile(
        bytes, fs::path(c.doc).filename().string(), limits);
    auto want = Words(core::DecodeText(ReadAll(c.expected)));
    auto got = Words(BodyText(e));
    double r = Recall(want, got);
    // Order aside: two-column PDFs are expected side by side, we read them
    // column by column.
    std::multiset<std::string> bag(got.begin(), got.end());
    size_t found = 0;
    for (const auto& w : want)
      if (auto it = bag.find(w); it != bag.end()) {
        ++found;
        bag.erase(it);
      }
    double words = want.empty() ? 1 : double(found) / want.size();
    bool same = want == got;
    exact += same;
    ++n;
    std::string rel = fs::relative(c.doc, root).string();
    recall[rel] = words;
    std::printf(
        "  %-34s %s  in order %.3f  words %.3f  (%zu expected, %zu read)\n",
        rel.c_str(), same ? "exact" : "     ", r, words, want.size(),
        got.size());
  }
  std::printf("  textract: %d of %d documents exact\n", exact, n);
  // The corpus (textract @ 5d9a380) has 20 documents beside their expected
  // text, at least one in each of these formats: an empty or partial folder
  // is a failure, not a pass.
  EXPECT_EQ(n, 20) << "documents read under " << root;
  std::set<std::string> formats;
  for (const auto& [doc, r] : recall)
    formats.insert(doc.substr(0, doc.find('/')));
  for (const char* f :
       {"csv", "doc", "docx", "eml", "html", "json", "msg", "ods", "odt", "pdf",
        "pptx", "psv", "rtf", "tsv", "xls", "xlsx"})
    EXPECT_TRUE(formats.count(f)) << "no " << f << " document was read";
  // Every format we read keeps nearly all of its words. OCR is not done:
  // its case is the one exception. Legacy Excel is read by xls2csv, which
  // writes some numbers differently ("1" for "1.0", "ERROR" for formulas).
  for (const auto& [doc, r] : recall) {
    if (doc.find("ocr_text") != std::string::npos) continue;
    EXPECT_GE(r, doc.rfind("xls/", 0) == 0 ? 0.90 : 0.95) << doc;
  }
}

}  // namespace
}  // namespace steward::testing
