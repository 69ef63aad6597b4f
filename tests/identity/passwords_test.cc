// Password hashes at the production cost. This binary does not link
// tests/support/cheap_hashes.cc, so what it sees is what steward stores.
#include "identity/passwords.h"

#include <gtest/gtest.h>

#include <string>

namespace steward {
namespace {

// libsodium's "interactive" argon2id: 64 MiB, two passes, one lane.
constexpr const char* kInteractive = "$argon2id$v=19$m=65536,t=2,p=1$";

TEST(Passwords, NewHashesAreArgon2idAtTheInteractiveCostAndVerify) {
  auto hash = identity::HashPassword("Tr4ffic-Lights&Owls");
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->rfind(kInteractive, 0), 0u) << *hash;
  auto right = identity::VerifyPassword("Tr4ffic-Lights&Owls", *hash);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  auto wrong = identity::VerifyPassword("Tr4ffic-Lights&Owl", *hash);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  // A malformed or empty stored hash matches nothing.
  for (const char* stored : {"", "$argon2id$v=19$garbage"}) {
    auto r = identity::VerifyPassword("x", stored);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r) << stored;
  }
}

TEST(Passwords, TheDecoyCheckedForAnUnknownNameCostsWhatARealOneDoes) {
  EXPECT_EQ(identity::DecoyHash().rfind(kInteractive, 0), 0u);
}

TEST(Passwords, TheModerateCostIsStrongerStill) {
  auto hash = identity::HashPassword("Tr4ffic-Lights&Owls", true);
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=262144,t=3,p=1$", 0), 0u) << *hash;
}

}  // namespace
}  // namespace steward
