// The classifier detectors' stage 2 (inspect/classifier.h) with the bundled
// models: what the model reads, what it says of plain cases, and that a bad
// model file is an error, never a crash.
#include "inspect/classifier.h"

#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace steward::testing {
namespace {

using inspect::Classifier;
using inspect::ModelInput;

std::string Model(const std::string& name) {
  return SourceDir() + "/policy/models/" + name;
}

TEST(ModelInput, NormalisesAsThePhraseDetectorsDo) {
  EXPECT_EQ(ModelInput("I'll KILL u!!"), "i will kill you");
  EXPECT_EQ(ModelInput("ur gonna b sorry"), "you are going to b sorry");
  EXPECT_EQ(ModelInput("Do you want me to hurt you?"),
            "do you want me to hurt you ?");
  EXPECT_EQ(ModelInput(""), "");
  EXPECT_EQ(ModelInput("one two three four", 2), "one two");
  // Numbers are one word; a number with letters stays as it is.
  EXPECT_EQ(ModelInput("Lesson 216, room 7 at 3pm"), "lesson 0 room 0 at 3pm");
}

TEST(Classifier, TheBundledModelsHaveTheirLabels) {
  auto conduct = Classifier::Load(Model("conduct.ftz"));
  ASSERT_TRUE(conduct.ok()) << conduct.status().message();
  for (const char* l : {"threat", "harassment", "profanity", "none"})
    EXPECT_TRUE((*conduct)->HasLabel(l)) << l;
  EXPECT_FALSE((*conduct)->HasLabel("thread"));
  auto sol = Classifier::Load(Model("solicitation.ftz"));
  ASSERT_TRUE(sol.ok()) << sol.status().message();
  EXPECT_TRUE((*sol)->HasLabel("solicitation"));
}

TEST(Classifier, PlainCasesGetPlainAnswers) {
  auto c = Classifier::Load(Model("conduct.ftz"));
  ASSERT_TRUE(c.ok());
  const Classifier& m = **c;
  EXPECT_GT(m.Score(ModelInput("I am going to shoot you tomorrow"), "threat"),
            0.5);
  EXPECT_LT(m.Score(ModelInput("The staff meeting moved to noon in room 4"),
                    "threat"),
            0.1);
  EXPECT_EQ(m.Score("", "threat"), 0);
  EXPECT_EQ(m.Score("some words", "no-such-label"), 0);
}

TEST(Classifier, ScoresAreFastTextsOwnOnEveryCaseOfTheSuites) {
  // The classifier reads the quantised models from rows rebuilt once, and
  // predicts from word ids: fastText's own predictLine on the same file
  // must give the same probability to every label, case by case.
  namespace fs = std::filesystem;
  std::vector<std::string> cases;
  for (const auto& e : fs::recursive_directory_iterator(
           SourceDir() + "/tests/golden/functional")) {
    if (e.path().extension() != ".tsv") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      const size_t tab = line.rfind('\t');
      if (tab != std::string::npos) cases.push_back(line.substr(tab + 1));
    }
  }
  ASSERT_GT(cases.size(), 5000u);
  for (const char* name : {"conduct.ftz", "solicitation.ftz"}) {
    auto ours = Classifier::Load(Model(name));
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    fasttext::FastText theirs;
    theirs.loadModel(Model(name));
    auto dict = theirs.getDictionary();
    size_t compared = 0;
    for (const std::string& text : cases) {
      const std::string words = ModelInput(text);
      if (words.empty()) continue;
      std::vector<std::pair<fasttext::real, std::string>> p;
      std::istringstream in(words + "\n");
      ASSERT_TRUE(theirs.predictLine(in, p, dict->nlabels(), 0.0));
      const std::vector<double> all = (*ours)->ScoreAll(words);
      ASSERT_EQ(all.size(), static_cast<size_t>(dict->nlabels()));
      for (const auto& [prob, label] : p) {
        const int li = (*ours)->LabelIndex(label.substr(9));  // "__label__"
        ASSERT_GE(li, 0) << label;
        ASSERT_EQ(all[li], static_cast<double>(prob))
            << name << " " << label << ": " << text;
      }
      ++compared;
    }
    EXPECT_GT(compared, 5000u) << name;
  }
}

class BadModel : public TempDirTest {};

TEST_F(BadModel, AMissingOrForeignFileIsAnErrorNamingIt) {
  auto missing = Classifier::Load((dir_ / "none.ftz").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.ftz"), std::string::npos);
  Write("junk.ftz", std::string(4096, '\x7f'));
  auto junk = Classifier::Load((dir_ / "junk.ftz").string());
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("junk.ftz"), std::string::npos);
}

TEST_F(BadModel, ACutOffModelIsAnError) {
  std::string bytes = ReadAll(Model("conduct.ftz"));
  ASSERT_GT(bytes.size(), 2000u);
  for (size_t keep : {size_t{8}, size_t{64}, size_t{2000}, bytes.size() / 2}) {
    Write("cut.ftz", bytes.substr(0, keep));
    auto c = Classifier::Load((dir_ / "cut.ftz").string());
    EXPECT_FALSE(c.ok()) << keep;
  }
}

// Sizes that disagree are refused before fastText reads them: a model whose
// header claims another dimension than its matrices have would be read out
// of bounds at the first prediction.
TEST_F(BadModel, SizesThatDisagreeAreAnError) {
  std::string bytes = ReadAll(Model("conduct.ftz"));
  ASSERT_GT(bytes.size(), 64u);
  std::string dim = bytes;
  dim[8] = 2;  // the first training argument, the dimension
  dim[9] = dim[10] = dim[11] = 0;
  Write("dim.ftz", dim);
  auto c = Classifier::Load((dir_ / "dim.ftz").string());
  EXPECT_FALSE(c.ok());
  std::string more = bytes + "x";
  Write("more.ftz", more);
  EXPECT_FALSE(Classifier::Load((dir_ / "more.ftz").string()).ok());
}

}  // namespace
}  // namespace steward::testing
