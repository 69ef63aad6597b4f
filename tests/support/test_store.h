// A fresh, migrated store for each test, on SQLite (always) and on PostgreSQL
// (when STEWARD_TEST_PG_URL names a server: `make test` starts one). Tests
// written as TEST_P(StoreTest, …) run on both.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/database.h"
#include "temp_dir.h"

namespace steward::testing {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Writes a file under the test's folder; returns its path.
  std::string Write(const std::string& name, const std::string& text);

  std::shared_ptr<store::Database> db_;
  std::filesystem::path dir_;  // a private folder: blobs, uploads
  std::string url_;            // what db_ was opened from

 private:
  std::optional<TempDir> tmp_;
  std::string pg_name_;  // the per-test PostgreSQL database, to drop
};

// Both backends; PostgreSQL is skipped, saying so, without a server.
#define STEWARD_BOTH_BACKENDS(Suite)                             \
  INSTANTIATE_TEST_SUITE_P(                                      \
      Store, Suite,                                              \
      ::testing::Values(::steward::testing::Backend::kSqlite,    \
                        ::steward::testing::Backend::kPostgres), \
      ::steward::testing::BackendName)

}  // namespace steward::testing
