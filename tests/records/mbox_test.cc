// Messages inside mbox files as the register keeps them: each named by its
// bytes (not by its place, nor by the flags a mail program writes into it),
// removed in place under the mail programs' locks, and a removal killed at
// any moment either never happened or is completed on the next access —
// keeping mail delivered in the meantime.
#include "core/mbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "records/mbox_file.h"
#include "temp_dir.h"

namespace steward {
namespace {

namespace fs = std::filesystem;

const std::string kA =
    "From alice@example-usd.org Mon Oct  3 10:00:00 2022\n"
    "From: alice@example-usd.org\nSubject: Lunch\n\nNoon?\n\n";
const std::string kB =
    "From carol@example-usd.org Tue Oct  4 10:00:00 2022\n"
    "From: carol@example-usd.org\nSubject: Tacos\n\nTacos?\n"
    "From the kitchen, with love.\n\n";  // "From " inside, no blank before
const std::string kC =
    "From dan@example-usd.org Mon Jun  1 10:00:00 2026\n"
    "From: dan@example-usd.org\nSubject: Trip\n\nBus at 8.\n";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MboxFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "inbox", std::ios::binary) << kA + kB + kC;
    fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  }
  void TearDown() override { ::close(fd_); }
  std::string Key(size_t n) {
    return records::mbox::Index(Slurp(dir_ / "inbox"))[n].key;
  }
  // A journal as Remove writes it, for the kill points a test cannot
  // reach: removing message `n` of `before`.
  void Journal(const std::string& before, size_t n, bool whole = true) {
    auto spans = records::mbox::Index(before);
    std::string tail = before.substr(spans[n].end);
    std::string j = "STEWARD-MBOX-JOURNAL 1 " + std::to_string(spans[n].from) +
                    " " + std::to_string(before.size()) + " " +
                    std::to_string(tail.size()) + " " + core::Sha256Hex(tail) +
                    "\n" + (whole ? tail : tail.substr(0, tail.size() / 2));
    std::ofstream(dir_ / ".inbox.steward-journal", std::ios::binary) << j;
  }
  testing::TempDir tmp_{"mbox"};
  const fs::path dir_ = tmp_.path();
  int fd_ = -1;
};

TEST_F(MboxFile, MessagesAreNamedByTheirBytesNotTheirFlagsOrPlace) {
  auto spans = records::mbox::Index(kA + kB + kC);
  ASSERT_EQ(spans.size(), 3u);  // the "From " inside Tacos is no new message
  EXPECT_EQ(spans[0].time, 1664791200);  // Mon Oct 3 10:00:00 2022 UTC
  // Read and flagged by a mail program: the same names.
  std::string flagged = kA.substr(0, kA.find("Subject")) +
                        "Status: RO\nX-UID: 7\n" +
                        kA.substr(kA.find("Subject"));
  auto again = records::mbox::Index(flagged + kB + kC);
  EXPECT_EQ(again[0].key, spans[0].key);
  EXPECT_EQ(records::mbox::RecordBytes(flagged, again[0]),
            "From: alice@example-usd.org\nSubject: Lunch\n\nNoon?\n");
  // Another order, the same names; the last message's missing blank line
  // does not change it.
  auto moved = records::mbox::Index(kC + "\n" + kA + kB);
  EXPECT_EQ(moved[0].key, spans[2].key);
  EXPECT_EQ(moved[1].key, spans[0].key);
  // Two copies of one message are two items.
  auto twice = records::mbox::Index(kA + kA);
  EXPECT_EQ(twice[1].key, twice[0].key + ".2");
  records::mbox::MessageName mn;
  ASSERT_TRUE(records::mbox::Split("Board/2024#" + twice[1].key, &mn));
  EXPECT_EQ(mn.file, "Board/2024");
  EXPECT_FALSE(records::mbox::Split("notes#mzz", &mn));
  EXPECT_FALSE(records::mbox::Split("report.pdf", &mn));
}

TEST_F(MboxFile, ARemovalTakesOutOneMessageAndLeavesTheOthersByteForByte) {
  ASSERT_TRUE(records::mbox::Remove(fd_, "inbox", Key(1)).ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kA + kC);
  EXPECT_FALSE(fs::exists(dir_ / "inbox.lock"));
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
  auto gone =
      records::mbox::Remove(fd_, "inbox", records::mbox::Index(kB)[0].key);
  EXPECT_EQ(gone.code(), core::Code::kNotFound);
  ASSERT_TRUE(records::mbox::Remove(fd_, "inbox", Key(1)).ok());  // the last
  EXPECT_EQ(Slurp(dir_ / "inbox"), kA);
}

TEST_F(MboxFile, ALockHeldByAMailProgramIsWaitedForThenRefused) {
  std::ofstream(dir_ / "inbox.lock") << "";
  auto st = records::mbox::Remove(fd_, "inbox", Key(0), /*wait_seconds=*/1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("locked by another program"), std::string::npos)
      << st.message();
  EXPECT_EQ(Slurp(dir_ / "inbox"), kA + kB + kC);
  EXPECT_TRUE(fs::exists(dir_ / "inbox.lock"));  // not ours to remove
}

TEST_F(MboxFile, AKillBeforeTheJournalIsWholeChangesNothing) {
  Journal(kA + kB + kC, 0, /*whole=*/false);
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kA + kB + kC);
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
}

TEST_F(MboxFile, AKillAfterTheJournalIsCompletedWithMailDeliveredMeanwhile) {
  const std::string before = kA + kB + kC;
  const std::string late =
      "\nFrom erin@example-usd.org Thu Dec  3 10:00:00 2026\n"
      "From: erin@example-usd.org\nSubject: Late\n\nHi.\n";
  // Killed with the file untouched; then a delivery.
  Journal(before, 0);
  std::ofstream(dir_ / "inbox", std::ios::app | std::ios::binary) << late;
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC + late);
  // Killed half-way through the shift.
  std::ofstream(dir_ / "inbox", std::ios::binary) << before;
  Journal(before, 0);
  {
    std::fstream f(dir_ / "inbox",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << (kB + kC).substr(0, 20);
  }
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC);
  // Killed after the shift and the truncation, before the journal went;
  // then a delivery: nothing is done twice, the delivery stays.
  std::ofstream(dir_ / "inbox", std::ios::binary) << before;
  Journal(before, 0);
  std::ofstream(dir_ / "inbox", std::ios::binary) << kB + kC + late;
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC + late);
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
}

}  // namespace
}  // namespace steward
