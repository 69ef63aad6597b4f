// Helpers shared by the tests: where the shared corpora are, findings of
// the engine on the bundled pack (bundled_engine.h), running a command, and
// a fresh folder per test (temp_dir.h).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bundled_engine.h"
#include "engine/engine.h"
#include "temp_dir.h"

namespace steward::testing {

std::string SourceDir();
// ../shared/corpora beside the checkout, or $STEWARD_CORPORA; "" if absent.
std::string CorporaDir();
// A corpus sub-folder, or "" (and the caller skips) when it is absent.
std::string Corpus(const std::string& sub);
// Whether a missing corpus is a failure rather than a skip: CI sets
// STEWARD_REQUIRE_CORPORA=1, where the corpora must be beside the checkout.
bool CorporaRequired();

// All findings' categories of an item, sorted and unique.
std::vector<std::string> Categories(const engine::ItemResult& r);

// Findings of one category in a text, inspected as a plain-text item.
std::vector<inspect::Finding> FindIn(const std::string& text,
                                     const std::string& category = "");

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs a shell command, capturing stdout and stderr.
RunResult Run(const std::string& command);

std::string ReadAll(const std::string& path);

// A fresh folder for each test (a TempDir named for the test), removed
// after it.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Writes `text` to `name` under the folder (creating folders); the path.
  std::string Write(const std::string& name, const std::string& text);
  std::filesystem::path dir_;

 private:
  std::optional<TempDir> tmp_;
};

}  // namespace steward::testing

// Skips (or, with STEWARD_REQUIRE_CORPORA=1, fails) when a corpus is absent.
#define STEWARD_SKIP_IF_EMPTY(dir, what)                                  \
  if (!(dir).empty()) {                                                   \
  } else if (::steward::testing::CorporaRequired())                       \
    GTEST_FAIL() << (what) << " is absent (../shared/corpora not beside " \
                 << "the checkout) and STEWARD_REQUIRE_CORPORA=1";        \
  else                                                                    \
    GTEST_SKIP() << "skipped: " << (what)                                 \
                 << " is absent (../shared/corpora not beside the checkout)"
