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

TEST_F(FileTest, AMappedFileCutShortReadsZerosPastItsNewEnd) {
  // Another program truncates a mapped mailbox: reading past the new end
  // used to kill the process with SIGBUS.
  const size_t n = size_t{3} * 1024 * 1024,
               keep = size_t{1} * 1024 * 1024 + 100;
  const std::string bytes = Pattern(n);
  const std::string path = Write("cut", bytes);
  auto f = MappedFile::Open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value().cut_at(), n);  // nothing cut yet
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(keep)), 0);
  const std::string_view d = f.value().data();
  ASSERT_EQ(d.size(), n);
  EXPECT_EQ(d.substr(0, keep), std::string_view(bytes).substr(0, keep));
  size_t nonzero = 0;
  for (size_t i = keep; i < n; ++i) nonzero += d[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(f.value().cut_at(), (keep + page - 1) / page * page);
  // Another mapping of the file is untouched and reads its new bytes.
  auto g = MappedFile::Open(path);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.value().data(), std::string_view(bytes).substr(0, keep));
  EXPECT_EQ(g.value().cut_at(), keep);
  // A small file, read rather than mapped, is never cut.
  auto h = MappedFile::Open(Write("small", "abc"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value().cut_at(), 3u);
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
