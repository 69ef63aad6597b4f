// Word lists: whole words, phrases across line breaks, obfuscation folding,
// and no Scunthorpe problem. Checked through the bundled pack's detectors.
#include "inspect/lexicon.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace steward::inspect {
namespace {

using steward::testing::FindIn;

TEST(View, LowerCaseKeepsOffsets) {
  std::string v;
  LowerCase("Free and\nReduced", v);
  EXPECT_EQ(v, "free and reduced");
  EXPECT_EQ(LowerTerm("  Free  and\tReduced "), "free and reduced");
}

TEST(View, LowerCaseTreatsEveryByteAlikeAtAnyLengthAndOffset) {
  // Every byte value, at every position of a 16-byte block and in the tail
  // after the last whole block: only A-Z change case, only the six ASCII
  // white-space bytes become ' ', everything else (UTF-8 too) is kept.
  std::string src;
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 256; ++c) src += static_cast<char>((c * 7 + k) & 0xff);
  for (size_t from : {0u, 1u, 5u, 15u})
    for (size_t len : {0u, 1u, 15u, 16u, 17u, 33u, 700u}) {
      std::string_view part = std::string_view(src).substr(from, len);
      std::string v;
      LowerCase(part, v);
      ASSERT_EQ(v.size(), part.size());
      for (size_t i = 0; i < part.size(); ++i) {
        const auto c = static_cast<unsigned char>(part[i]);
        char want = static_cast<char>(c);
        if (c >= 'A' && c <= 'Z') want = static_cast<char>(c + 32);
        if (c == ' ' || (c >= '\t' && c <= '\r')) want = ' ';
        ASSERT_EQ(v[i], want) << "byte " << int{c} << " at " << from + i;
      }
    }
}

TEST(View, FoldedViewMapsBack) {
  NormalView v;
  BuildFoldedView("So  SH1T, f.u.c.k", v);
  EXPECT_EQ(v.text, "so shit, fuck");
  ASSERT_EQ(v.origin.size(), v.text.size() + 1);
  EXPECT_EQ(v.origin[3], 4u);    // 's' of "SH1T"
  EXPECT_EQ(v.origin[9], 10u);   // 'f'
  EXPECT_EQ(v.origin[12], 16u);  // 'k'
  EXPECT_EQ(v.origin.back(), 17u);
}

TEST(View, ObfuscationSigns) {
  EXPECT_TRUE(HasObfuscationSigns("this is sh1t"));
  EXPECT_TRUE(HasObfuscationSigns("fuuuck"));
  EXPECT_TRUE(HasObfuscationSigns("what the f.u.c.k"));
  EXPECT_FALSE(HasObfuscationSigns("Picture day is on Tuesday, room 14."));
}

TEST(View, FoldUndoesObfuscation) {
  EXPECT_EQ(FoldTerm("sh1t"), "shit");
  EXPECT_EQ(FoldTerm("f.u.c.k"), "fuck");
  EXPECT_EQ(FoldTerm("F U C K"), "fuck");
  EXPECT_EQ(FoldTerm("fuuuuck"), "fuck");
  EXPECT_EQ(FoldTerm("b!tch"), "bitch");
  EXPECT_EQ(FoldTerm("room 101"), "rom 101");  // digits alone stay
  EXPECT_EQ(FoldTerm("a b"), "a b");           // two letters are words
}

TEST(View, WholeWords) {
  EXPECT_TRUE(IsWholeWord("the iep is", 4, 7));
  EXPECT_FALSE(IsWholeWord("the ieps", 4, 7));
  EXPECT_FALSE(IsWholeWord("scunthorpe", 1, 5));
}

TEST(Lexicon, PhrasesMatchAcrossLineBreaks) {
  auto f =
      FindIn("The student qualifies for free and\nreduced lunch this year.",
             "program-eligibility");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].location.length,
            std::string("free and\nreduced lunch").size());
}

TEST(Profanity, FindsObfuscatedForms) {
  for (const char* s :
       {"this is shit", "this is SH1T", "this is sh!t", "what the f.u.c.k",
        "what the f u c k", "fuuuuck this", "total bullsh1t"}) {
    EXPECT_EQ(FindIn(s, "profanity").size(), 1u) << s;
  }
}

TEST(Profanity, NoScunthorpeProblem) {
  for (const char* s :
       {"Scunthorpe United", "the assessment window", "a classic pass",
        "shiitake mushrooms", "cocktail party", "Dickens novel", "grape shot",
        "assassin", "hello hell-bent", "Room 5 shifts", "I.T. help"}) {
    auto f = FindIn(s, "profanity");
    EXPECT_TRUE(f.empty()) << s << " -> " << (f.empty() ? "" : f[0].excerpt);
  }
}

TEST(Harassment, AimedAtAPerson) {
  EXPECT_EQ(
      FindIn("you are an idiot and nobody likes you", "harassment").size(), 2u);
  EXPECT_TRUE(FindIn("that was a stupid idea of mine", "harassment").empty());
}

TEST(Threat, PhrasesAndNegativeContext) {
  EXPECT_EQ(FindIn("I will kill you after school", "threat").size(), 1u);
  EXPECT_TRUE(FindIn("We will kill the lights at 9", "threat").empty());
}

TEST(ChainLetter, NeedsSeveralSigns) {
  EXPECT_TRUE(FindIn("please forward this to Maria", "chain-letter").empty());
  EXPECT_GE(
      FindIn(
          "Forward this to 10 people within 24 hours or bad luck will follow. "
          "Do not break the chain!",
          "chain-letter")
          .size(),
      3u);
}

TEST(IllegalGoods, NeedsATradeWord) {
  EXPECT_TRUE(
      FindIn("the coke machine in the lounge is broken", "illegal-goods")
          .empty());
  EXPECT_FALSE(
      FindIn("selling xanax $5 a pill, hit me up", "illegal-goods").empty());
}

TEST(Political, Campaigning) {
  EXPECT_FALSE(
      FindIn(
          "Please vote yes on Measure K in November and join our phone bank.",
          "political-campaigning")
          .empty());
  EXPECT_TRUE(
      FindIn("The board will vote on the calendar.", "political-campaigning")
          .empty());
}

}  // namespace
}  // namespace steward::inspect
