// Word-list patterns: whole words, phrases, obfuscation folding, and no
// Scunthorpe problem. Checked through the bundled pack's detectors.
#include "inspect/lexicon.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace steward::inspect {
namespace {

using steward::testing::FindIn;

TEST(LexiconPattern, EscapesAndBounds) {
  EXPECT_EQ(LexiconPattern("IEP", false), "\\bIEP\\b");
  EXPECT_EQ(LexiconPattern("504  plan", false), "\\b504\\s+plan\\b");
  EXPECT_EQ(LexiconPattern("   ", false), "");
  EXPECT_NE(LexiconPattern("a.b", false).find("\\."), std::string::npos);
}

TEST(Profanity, FindsObfuscatedForms) {
  for (const char* s : {"this is shit", "this is SH1T", "this is sh!t",
                        "what the f.u.c.k", "what the f u c k", "fuuuuck this",
                        "total bullsh1t"}) {
    EXPECT_EQ(FindIn(s, "profanity").size(), 1u) << s;
  }
}

TEST(Profanity, NoScunthorpeProblem) {
  for (const char* s : {"Scunthorpe United", "the assessment window", "a classic pass",
                        "Shitake mushrooms? no: shiitake", "cocktail party", "Dickens novel",
                        "grape shot", "assassin", "hello hell-bent"}) {
    auto f = FindIn(s, "profanity");
    EXPECT_TRUE(f.empty()) << s << " -> " << (f.empty() ? "" : f[0].excerpt);
  }
}

TEST(Harassment, AimedAtAPerson) {
  EXPECT_EQ(FindIn("you are an idiot and nobody likes you", "harassment").size(), 2u);
  EXPECT_TRUE(FindIn("that was a stupid idea of mine", "harassment").empty());
}

TEST(Threat, PhrasesAndNegativeContext) {
  EXPECT_EQ(FindIn("I will kill you after school", "threat").size(), 1u);
  EXPECT_TRUE(FindIn("We will kill the lights at 9", "threat").empty());
}

TEST(ChainLetter, NeedsSeveralSigns) {
  EXPECT_TRUE(FindIn("please forward this to Maria", "chain-letter").empty());
  EXPECT_GE(FindIn("Forward this to 10 people within 24 hours or bad luck will follow. "
                   "Do not break the chain!",
                   "chain-letter")
                .size(),
            3u);
}

TEST(IllegalGoods, NeedsATradeWord) {
  EXPECT_TRUE(FindIn("the coke machine in the lounge is broken", "illegal-goods").empty());
  EXPECT_FALSE(FindIn("selling xanax $5 a pill, hit me up", "illegal-goods").empty());
}

TEST(Political, Campaigning) {
  EXPECT_FALSE(FindIn("Please vote yes on Measure K in November and join our phone bank.",
                      "political-campaigning")
                   .empty());
  EXPECT_TRUE(FindIn("The board will vote on the calendar.", "political-campaigning").empty());
}

}  // namespace
}  // namespace steward::inspect
