// core::MappedFile: a file's bytes, whether it is read (small) or mapped
// (large), and core::ReadFile's limit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/text.h"

namespace steward::core {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("steward-file-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::filesystem::path dir_;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

TEST_F(FileTest, EveryFileIsReadWholeWhateverItsSize) {
  // Around the size where reading gives way to mapping, and far on either
  // side: a Maildir message, a mailbox.
  for (size_t n :
       {size_t{1}, size_t{4096}, size_t{256} * 1024 - 1, size_t{256} * 1024,
        size_t{256} * 1024 + 1, size_t{3} * 1024 * 1024 + 17}) {
    const std::string bytes = Pattern(n);
    auto f = MappedFile::Open(Write("f" + std::to_string(n), bytes));
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f.value().data(), bytes) << n << " bytes";
    // Moved, the bytes stay where they were and stay readable.
    MappedFile moved = std::move(f).value();
    EXPECT_EQ(moved.data(), bytes) << n << " bytes, moved";
  }
}

TEST_F(FileTest, AnEmptyFileIsAnEmptyView) {
  auto f = MappedFile::Open(Write("empty", ""));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f.value().data().empty());
}

TEST_F(FileTest, AMissingFileOrAFolderIsAnErrorNamingIt) {
  const std::string missing = (dir_ / "nope.eml").string();
  auto f = MappedFile::Open(missing);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("nope.eml"), std::string::npos);
  auto d = MappedFile::Open(dir_.string());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(dir_.string()), std::string::npos);
}

}  // namespace
}  // namespace steward::core
