// Versioned schema migrations. Each migration has a number, a name and SQL
// written once for both engines (with {id} and {bigint} tokens); it is applied
// inside a transaction and recorded in schema_migrations, so applying is
// idempotent and a failed migration leaves the schema as it was. Migrations
// are only ever appended: a released one is never edited.
#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace steward::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Every migration Steward knows, in order.
const std::vector<Migration>& Migrations();

struct MigrateReport {
  int from = 0;                      // schema version before
  int to = 0;                        // schema version after
  std::vector<std::string> applied;  // "3 acknowledgements"
};

// Applies the migrations `db` lacks. A database newer than this program (a
// version it does not know) is an error: an older binary must not write to it.
core::Result<MigrateReport> Migrate(Database& db);

// The schema version `db` is at (0 for an empty database).
core::Result<int> SchemaVersion(Database& db);

}  // namespace steward::store
