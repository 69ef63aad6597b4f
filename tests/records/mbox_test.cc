// Messages inside mbox files as the register keeps them: each named by its
// bytes (not by its place, nor by the flags a mail program writes into it),
// removed in place under the mail programs' locks, and a removal killed at
// any moment either never happened or is completed on the next access —
// keeping mail delivered in the meantime.
#include "core/mbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
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
  // A journal as Remove writes it, at `phase`, for the kill points a test
  // cannot reach: removing message `n` of `before` from the file as it is.
  void Journal(const std::string& before, size_t n, char phase,
               bool whole = true) {
    auto spans = records::mbox::Index(before);
    std::string tail = before.substr(spans[n].end);
    size_t cut = spans[n].end - spans[n].from;
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "inbox").c_str(), &st), 0);
    std::string j = "STEWARD-MBOX-JOURNAL 1 " + std::string(1, phase) + " " +
                    std::to_string(st.st_ino) + " " +
                    std::to_string(spans[n].from) + " " +
                    std::to_string(before.size()) + " " +
                    std::to_string(tail.size()) + " " + core::Sha256Hex(tail) +
                    " " + core::Sha256Hex(before.substr(before.size() - cut)) +
                    "\n" + (whole ? tail : tail.substr(0, tail.size() / 2));
    std::ofstream(dir_ / ".inbox.steward-journal", std::ios::binary) << j;
  }
  void Put(const std::string& text) {
    // In place, as a mail program writes (the same inode).
    std::ofstream(dir_ / "inbox", std::ios::binary | std::ios::trunc) << text;
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
  // Two copies of one message are one message.
  auto twice = records::mbox::Index(kA + kA);
  EXPECT_EQ(twice[1].key, twice[0].key);
  records::mbox::MessageName mn;
  ASSERT_TRUE(records::mbox::Split("Board/2024#" + twice[1].key, &mn));
  EXPECT_EQ(mn.file, "Board/2024");
  EXPECT_FALSE(records::mbox::Split("notes#mzz", &mn));
  EXPECT_FALSE(records::mbox::Split("report.pdf", &mn));
  // A letter is not an mbox because it starts with "From ".
  EXPECT_FALSE(
      core::LooksLikeMbox("From the Superintendent\nRe: budget memo\n"));
  EXPECT_TRUE(core::LooksLikeMbox(kA));
  EXPECT_TRUE(core::LooksLikeMbox("From MAILER-DAEMON\nReturn-Path: <>\n"));
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
  // Every copy of a message goes with it.
  Put(kA + kB + kA + kC);
  ASSERT_TRUE(records::mbox::Remove(fd_, "inbox", Key(0)).ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC);
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

TEST_F(MboxFile, AKillBeforeTheFileIsTouchedChangesNothing) {
  const std::string before = kA + kB + kC;
  Journal(before, 0, 'S', /*whole=*/false);  // the journal not even whole
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), before);
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
  // Whole but prepared only; then a mail program marked messages read
  // (after breaking the stale lock): its change stays, nothing is cut.
  Journal(before, 0, 'P');
  std::string marked = kA + kB;
  marked.insert(kA.size() + kB.find("Subject"), "Status: RO\n");
  Put(marked + kC);
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), marked + kC);
  // A journal for another file (the mbox replaced since): ignored.
  Journal(before, 0, 'S');
  std::ofstream(dir_ / "inbox.new", std::ios::binary) << before;
  fs::rename(dir_ / "inbox.new", dir_ / "inbox");
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), before);
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
}

TEST_F(MboxFile, AKillWhileTheFileChangesIsCompletedKeepingLaterMail) {
  const std::string before = kA + kB + kC;
  const std::string late =
      "\nFrom erin@example-usd.org Thu Dec  3 10:00:00 2026\n"
      "From: erin@example-usd.org\nSubject: Late\n\nHi.\n";
  // Killed as the shift began; then a delivery.
  Journal(before, 0, 'S');
  Put(before + late);
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC + late);
  // Killed half-way through the shift.
  Put(before);
  Journal(before, 0, 'S');
  Put((kB + kC).substr(0, 20) + before.substr(20));
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC);
  // Shifted whole, not cut; then a delivery.
  Put(before);
  Journal(before, 0, 'C');
  Put(kB + kC + before.substr(before.size() - kA.size()) + late);
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC + late);
  // Cut, the journal not yet gone; then the removed message delivered
  // again (as long as what was cut): it stays.
  Put(before);
  Journal(before, 0, 'C');
  Put(kB + kC + "\n" + kA);
  ASSERT_TRUE(records::mbox::Recover(fd_, "inbox").ok());
  EXPECT_EQ(Slurp(dir_ / "inbox"), kB + kC + "\n" + kA);
  EXPECT_FALSE(fs::exists(dir_ / ".inbox.steward-journal"));
}

}  // namespace
}  // namespace steward
