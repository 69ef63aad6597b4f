// The phrase grammar (inspect/phrase.h): how words are normalised, and the
// guards that keep a quoted, reported, negated or figurative sentence from
// reading as a threat or an insult, on the bundled pack.
#include "inspect/phrase.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace steward::testing {
namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<inspect::Token> t;
  inspect::Tokenize(text, 0, t);
  std::vector<std::string> w;
  for (const auto& x : t) w.push_back(x.word);
  return w;
}

using W = std::vector<std::string>;

TEST(Tokenize, ExpandsContractionsAndChatSpelling) {
  EXPECT_EQ(Words("I'll"), (W{"i", "will"}));
  EXPECT_EQ(Words("I\xE2\x80\x99m gonna"), (W{"i", "am", "going", "to"}));
  EXPECT_EQ(Words("won't can't didn't"),
            (W{"will", "not", "can", "not", "did", "not"}));
  EXPECT_EQ(Words("u r dead"), (W{"you", "are", "dead"}));
  EXPECT_EQ(Words("John's car, he's here"),
            (W{"john", "car", "he", "is", "here"}));
  EXPECT_EQ(Words("imma"), (W{"i", "am", "going", "to"}));
}

TEST(Tokenize, UndoesLeetspeakSpacedLettersAndRepeats) {
  EXPECT_EQ(Words("k1ll sh00t $tab"), (W{"kill", "shoot", "stab"}));
  EXPECT_EQ(Words("I will k i l l you"), (W{"i", "will", "kill", "you"}));
  // An article before spelled letters stays a word.
  EXPECT_EQ(Words("you are a m o r o n"), (W{"you", "are", "a", "moron"}));
  std::vector<inspect::Token> t;
  inspect::Tokenize("kiiiill", 0, t);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alt2, "kiill");
  EXPECT_EQ(t[0].alt1, "kill");
  // Plain numbers and words are left alone.
  EXPECT_EQ(Words("Room 12 at 3pm"), (W{"room", "12", "at", "3pm"}));
}

TEST(Tokenize, KeepsSourceOffsets) {
  std::vector<inspect::Token> t;
  inspect::Tokenize("  I'll go", 100, t);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].begin, 102u);
  EXPECT_EQ(t[1].end, 106u);  // "will" spans "I'll"
  EXPECT_EQ(t[2].begin, 107u);
  EXPECT_TRUE(t[0].capital);
}

// What the phrase detectors find; the classifier detectors (whose words
// are the model's, tests/inspect/classifier_test.cc and the functional
// suite) are left out.
bool ByPhrase(const std::string& text, const std::string& category) {
  for (const auto& f : FindIn(text, category))
    if (f.detector.size() < 6 ||
        f.detector.compare(f.detector.size() - 6, 6, "-model") != 0)
      return true;
  return false;
}
bool Threat(const std::string& text) { return ByPhrase(text, "threat"); }
bool Harassment(const std::string& text) {
  return ByPhrase(text, "harassment");
}

TEST(PhraseGuards, ThreatNeedsSpeakerVerbAndTarget) {
  EXPECT_TRUE(Threat("If you report me, I'm going to hurt you."));
  EXPECT_FALSE(Threat("This is going to hurt."));
  EXPECT_FALSE(Threat("I'm going to hurt my back lifting those boxes."));
}

TEST(PhraseGuards, NegationBeforeTheVerbCancels) {
  EXPECT_FALSE(Threat("I would never hurt you."));
  EXPECT_FALSE(Threat("I'm not going to hurt you."));
  // A negation in an earlier clause does not.
  EXPECT_TRUE(Threat("I don't care anymore, I will kill you."));
}

TEST(PhraseGuards, QuotedAndReportedWordsAreNotThreats) {
  EXPECT_FALSE(Threat("> I will kill you\n"));
  EXPECT_TRUE(Threat("> what did you say?\nI will kill you\n"));
  EXPECT_FALSE(Threat("He wrote \"I will kill you\" on the board."));
  EXPECT_FALSE(Threat("The student said he will kill them all."));
  EXPECT_FALSE(Threat("In the novel the villain will kill them all."));
}

TEST(PhraseGuards, QuestionsAndFigures) {
  EXPECT_FALSE(Threat("Why wait until you're dead to travel?"));
  EXPECT_TRUE(Threat("You're dead."));
  EXPECT_FALSE(Threat("I'll shoot you an email tomorrow."));
  EXPECT_FALSE(Threat("We will kill them in the game tonight."));
}

TEST(PhraseGuards, InsultsAimedAtAPerson) {
  EXPECT_TRUE(Harassment("You are such a worthless idiot."));
  EXPECT_TRUE(Harassment("Shut up, moron."));
  EXPECT_FALSE(Harassment("I'm such an idiot, I forgot."));
  EXPECT_FALSE(Harassment("You are not an idiot."));
  EXPECT_FALSE(Harassment("This printer is useless."));
  EXPECT_FALSE(Harassment("Calling someone stupid is not okay."));
}

TEST(PhraseGuards, TheFindingCoversThePhrase) {
  auto f = FindIn("Well. I am going to hurt you tomorrow.", "threat");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].location.offset, 6u);
  EXPECT_EQ(f[0].location.length, std::string("I am going to hurt you").size());
}

}  // namespace
}  // namespace steward::testing
