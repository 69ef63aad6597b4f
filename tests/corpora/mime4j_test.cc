// MIME conformance on the mime4j corpora (hostile and malformed messages):
// every message parses without crash or hang, decoded text bodies match the
// expected `_decoded_*.txt` files, and the mbox sample splits as expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/text.h"
#include "extract/mime.h"
#include "test_util.h"

namespace steward {
namespace {

namespace fs = std::filesystem;
using steward::testing::Corpus;
using steward::testing::ReadAll;

// CRLF to LF, and trailing whitespace off each line and the end.
std::string Normalize(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && (i + 1 == s.size() || s[i + 1] == '\n')))
      out.push_back(s[i]);
  std::string r;
  size_t b = 0;
  while (b <= out.size()) {
    size_t e = out.find('\n', b);
    if (e == std::string::npos) e = out.size();
    std::string line = out.substr(b, e - b);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    r += line + "\n";
    b = e + 1;
  }
  while (!r.empty() && (r.back() == '\n' || r.back() == ' ')) r.pop_back();
  return r;
}

// "x_decoded_1_2_1.txt" -> "2.1"; "x_decoded_1.txt" -> "1".
std::string PathOf(const std::string& file, const std::string& stem) {
  std::string tail = file.substr(stem.size() + std::string("_decoded_").size());
  tail = tail.substr(0, tail.size() - 4);
  if (tail == "1") return "1";
  if (tail.rfind("1_", 0) == 0) tail = tail.substr(2);
  for (char& c : tail)
    if (c == '_') c = '.';
  return tail;
}

struct Tally {
  int messages = 0, bodies = 0, matched = 0;
  std::vector<std::string> mismatches;
};

void RunFolder(const std::string& dir, Tally& t) {
  std::vector<fs::path> msgs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".msg") msgs.push_back(e.path());
  std::sort(msgs.begin(), msgs.end());
  for (const auto& m : msgs) {
    ++t.messages;
    std::string bytes = ReadAll(m.string());
    extract::Extracted x = extract::ExtractMessage(bytes, {});
    std::map<std::string, const extract::TextPart*> bodies;
    // HTML parts are read as their visible text, which the corpus's raw
    // decoded files are not: only the other text parts are compared.
    for (const auto& p : x.texts)
      if (p.view == core::View::kBody && p.content_type != "text/html")
        bodies[p.path] = &p;
    std::string stem = m.stem().string();
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (name.rfind(stem + "_decoded_", 0) != 0 ||
          e.path().extension() != ".txt")
        continue;
      std::string path = PathOf(name, stem);
      auto it = bodies.find(path);
      if (it == bodies.end()) continue;  // a non-text part: not compared
      ++t.bodies;
      std::string want = Normalize(
          core::ToUtf8(ReadAll(e.path().string()), it->second->charset));
      std::string got = Normalize(it->second->text);
      if (want == got)
        ++t.matched;
      else
        t.mismatches.push_back(name + " (part " + path + ")");
    }
  }
}

struct Folder {
  const char* sub;
  int messages;
  int max_mismatches;  // a floor: lower it when the reader improves
};

void PrintTo(const Folder& f, std::ostream* os) { *os << f.sub; }

class Mime4jFolder : public ::testing::TestWithParam<Folder> {};

TEST_P(Mime4jFolder, TextBodiesDecodeAsExpected) {
  const Folder& f = GetParam();
  std::string dir = Corpus(f.sub);
  STEWARD_SKIP_IF_EMPTY(dir, f.sub);
  Tally t;
  RunFolder(dir, t);
  std::string miss;
  for (const auto& m : t.mismatches) miss += "  " + m + "\n";
  std::printf("%s: %d messages, %d/%d text bodies match\n%s", f.sub, t.messages,
              t.matched, t.bodies, miss.c_str());
  EXPECT_EQ(t.messages, f.messages);
  EXPECT_LE(t.bodies - t.matched, f.max_mismatches) << miss;
}

INSTANTIATE_TEST_SUITE_P(Corpora, Mime4jFolder,
                         ::testing::Values(Folder{"mime4j/mimetools-testmsgs",
                                                  48, 1},
                                           Folder{"mime4j/testmsgs", 32, 1}));

TEST(Mime4j, MboxSplitsAsExpected) {
  std::string dir = Corpus("mime4j/test-1");
  STEWARD_SKIP_IF_EMPTY(dir, "mime4j/test-1");
  std::string mbox = ReadAll(dir + "/mbox.rlug");
  std::vector<std::string> got;
  extract::SplitMbox(mbox, [&](std::string_view m) {
    got.emplace_back(m);
    return true;
  });
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(Normalize(got[i]),
              Normalize(ReadAll(dir + "/mbox.rlug-" + std::to_string(i))))
        << i;
}

}  // namespace
}  // namespace steward
