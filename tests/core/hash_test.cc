#include "core/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace steward::core {
namespace {

// The digests that name a pack's version, a roster's cache and the audit
// chain's links: FIPS 180-2's vectors, and the same digest whether the
// bytes come at once or in pieces.
TEST(Sha256Test, GivesTheStandardsDigests) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(Sha256Hex(million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  Sha256 pieces;
  for (size_t at = 0; at < million.size(); at += 4093)
    pieces.Update(std::string_view(million).substr(at, 4093));
  EXPECT_EQ(pieces.HexDigest(), Sha256Hex(million));
}

TEST(Sha256Test, HexIsTwoLowerCaseDigitsAByte) {
  EXPECT_EQ(HexLower(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
  EXPECT_EQ(HexLower(""), "");
}

}  // namespace
}  // namespace steward::core
