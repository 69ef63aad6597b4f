#include "test_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "store/migrations.h"

namespace steward::testing {

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

namespace {

std::string PgAdminUrl() {
  const char* url = std::getenv("STEWARD_TEST_PG_URL");
  return url ? url : "";
}

// postgresql://u@h:p/postgres → postgresql://u@h:p/NAME
std::string WithDatabase(const std::string& url, const std::string& name) {
  auto slash = url.rfind('/');
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + name +
         (query == std::string::npos ? "" : url.substr(query));
}

}  // namespace

void StoreTest::SetUp() {
  static std::atomic<int> counter{0};
  int n = counter++;
  tmp_.emplace("steward-store");
  dir_ = tmp_->path();
  if (GetParam() == Backend::kSqlite) {
    url_ = (dir_ / "steward.db").string();
  } else {
    std::string admin = PgAdminUrl();
    if (admin.empty()) {
      if (std::getenv("STEWARD_REQUIRE_PG")) {
        FAIL() << "STEWARD_REQUIRE_PG is set but STEWARD_TEST_PG_URL is not";
      }
      GTEST_SKIP() << "skipped: no PostgreSQL (set STEWARD_TEST_PG_URL; "
                      "`make test` starts one)";
    }
    auto a = store::Database::Open(admin, 1);
    ASSERT_TRUE(a.ok()) << a.status().message();
    pg_name_ =
        "steward_t_" + std::to_string(getpid()) + "_" + std::to_string(n);
    (void)(*a)->Exec("DROP DATABASE IF EXISTS " + pg_name_);
    auto st = (*a)->Exec("CREATE DATABASE " + pg_name_);
    ASSERT_TRUE(st.ok()) << st.message();
    url_ = WithDatabase(admin, pg_name_);
  }
  auto opened = store::Database::Open(url_);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  db_ = std::move(opened).value();
  auto m = store::Migrate(*db_);
  ASSERT_TRUE(m.ok()) << m.status().message();
}

void StoreTest::TearDown() {
  db_.reset();
  if (!pg_name_.empty()) {
    auto a = store::Database::Open(PgAdminUrl(), 1);
    if (a.ok())
      (void)(*a)->Exec("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
  }
  tmp_.reset();
}

std::string StoreTest::Write(const std::string& name, const std::string& text) {
  return tmp_->Write(name, text);
}

}  // namespace steward::testing
