// The two engines behind Database (internal to the store module).
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace steward::store::detail {

// Opens a SQLite file in WAL mode with a busy timeout and foreign keys on;
// creates it (and not its folder) when missing.
core::Result<std::unique_ptr<Conn>> ConnectSqlite(const std::string& path);

// Connects to PostgreSQL with a libpq URL.
core::Result<std::unique_ptr<Conn>> ConnectPostgres(const std::string& url);

}  // namespace steward::store::detail
