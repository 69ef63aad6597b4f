// steward-corpus: writes a demo or benchmark District (roster, mailbox and
// the web proxy's log).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "tools/corpus.h"

int main(int argc, char** argv) {
  CLI::App app{"Generate a OneRoster export and a mailbox of District mail"};
  steward::tools::CorpusOptions o;
  std::string maildir, mbox, roster, access_log;
  uint64_t requests = 20000;
  app.add_option("--maildir", maildir, "Write a Maildir here");
  app.add_option("--mbox", mbox, "Write an mbox file here");
  app.add_option("--roster", roster, "Write a OneRoster 1.1 export here");
  app.add_option("--access-log", access_log,
                 "Write a day of the web proxy's access.log here");
  app.add_option("--requests", requests, "Lines of the access.log")
      ->capture_default_str();
  app.add_option("--messages", o.messages, "Messages to write")
      ->capture_default_str();
  app.add_option("--bytes", o.bytes,
                 "Write messages until this many bytes instead");
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--students", o.students)->capture_default_str();
  app.add_option("--employees", o.employees)->capture_default_str();
  app.add_option("--violating", o.violating, "Share of rule-breaking messages")
      ->capture_default_str();
  app.add_option("--names", o.names_dir,
                 "Folder with census name lists (surnames.txt, ...)");
  CLI11_PARSE(app, argc, argv);
  if (o.names_dir.empty()) {
    std::filesystem::path guess =
        std::filesystem::path(STEWARD_SOURCE_DIR) / "../shared/corpora/zxcvbn";
    if (std::filesystem::exists(guess / "surnames.txt"))
      o.names_dir = guess.string();
  }
  steward::tools::Corpus c(o);
  if (!roster.empty()) {
    auto st = c.WriteRoster(roster);
    if (!st.ok()) {
      fmt::print(stderr, "steward-corpus: {}\n", st.message());
      return 2;
    }
  }
  auto report = [](const char* what, const std::string& where, auto& r) {
    if (!r.ok()) {
      fmt::print(stderr, "steward-corpus: {}\n", r.status().message());
      return 2;
    }
    fmt::print(stderr,
               "steward-corpus: wrote {} {} messages ({:.1f} MB, {} breaking a "
               "rule) to {}\n",
               r->messages, what, r->bytes / 1e6, r->violating, where);
    return 0;
  };
  if (!maildir.empty()) {
    std::filesystem::remove_all(maildir);
    auto r = c.WriteMaildir(maildir);
    if (int rc = report("Maildir", maildir, r)) return rc;
  }
  if (!mbox.empty()) {
    auto r = c.WriteMbox(mbox);
    if (int rc = report("mbox", mbox, r)) return rc;
  }
  if (!access_log.empty()) {
    auto n = c.WriteAccessLog(access_log, requests);
    if (!n.ok()) {
      fmt::print(stderr, "steward-corpus: {}\n", n.status().message());
      return 2;
    }
    fmt::print(stderr, "steward-corpus: wrote {} access.log lines to {}\n", *n,
               access_log);
  }
  return 0;
}
