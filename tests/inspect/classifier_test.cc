// The classifier detectors' stage 2 (inspect/classifier.h) with the bundled
// models: what the model reads, what it says of plain cases, and that a bad
// model file is an error, never a crash.
#include "inspect/classifier.h"

#include <gtest/gtest.h>

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
