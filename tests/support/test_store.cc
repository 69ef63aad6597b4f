#include "test_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
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

// The migrated database every PostgreSQL test database is copied from, so a
// test does not run every migration again (a copy takes half the time). Its
// name carries a hash of every migration, so a changed schema gets a new
// one; the first test process to need it makes it, under an advisory lock,
// and renames it into place only when it is complete.
core::Result<std::string> PgTemplate(store::Database& admin) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (const auto& m : store::Migrations()) {
    for (const std::string& part : {std::to_string(m.version), m.name, m.sql})
      for (unsigned char c : part + '\0') h = (h ^ c) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  const std::string name = std::string("steward_tpl_") + hex;
  const std::string making = name + "_making";
  auto locked = admin.Exec("SELECT pg_advisory_lock(7283001)");
  if (!locked.ok()) return locked;
  auto made = [&]() -> core::Status {
    auto there = admin.Query("SELECT 1 FROM pg_database WHERE datname = ?",
                             {store::P(name)});
    if (!there.ok()) return there.status();
    if (!there->empty()) return core::Status::Ok();
    (void)admin.Exec("DROP DATABASE IF EXISTS " + making + " WITH (FORCE)");
    auto st = admin.Exec("CREATE DATABASE " + making);
    if (!st.ok()) return st;
    {
      auto db = store::Database::Open(WithDatabase(PgAdminUrl(), making), 1);
      if (!db.ok()) return db.status();
      auto m = store::Migrate(**db);
      if (!m.ok()) return m.status();
    }
    return admin.Exec("ALTER DATABASE " + making + " RENAME TO " + name);
  }();
  (void)admin.Exec("SELECT pg_advisory_unlock(7283001)");
  if (!made.ok()) return made;
  return name;
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
    auto tpl = PgTemplate(**a);
    ASSERT_TRUE(tpl.ok()) << tpl.status().message();
    (void)(*a)->Exec("DROP DATABASE IF EXISTS " + pg_name_);
    auto st = (*a)->Exec("CREATE DATABASE " + pg_name_ + " TEMPLATE " + *tpl);
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
