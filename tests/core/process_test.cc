// Running a helper program: its output, a time limit, a missing program.
#include "core/process.h"

#include <gtest/gtest.h>

namespace steward {
namespace {

TEST(Process, OutputTimeoutAndMissingProgram) {
  auto cat = core::RunProgram({"/bin/cat"}, "hello", {});
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  EXPECT_EQ(cat->output, "hello");
  core::RunLimits quick;
  quick.seconds = 1;
  auto slow = core::RunProgram({"/bin/sleep", "10"}, "", quick);
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("longer than 1 s"), std::string::npos);
  auto none = core::RunProgram({"/nonexistent/tool"}, "", {});
  EXPECT_FALSE(none.ok());
  EXPECT_EQ(core::FindProgram("no-such-program-anywhere"), "");
}

}  // namespace
}  // namespace steward
