// daemon/index/schema.h
//
// The local index's SQLite schema as numbered migrations. Migration N brings user_version from
// N-1 to N; Migrate() applies what is missing in one transaction and refuses a database that is
// newer than this build or carries another application_id. Not thread-safe (one connection).
#pragma once

#include "common/status.h"
#include "daemon/index/sqlite.h"

namespace tessera::daemon::index {

// 'TSRA' — identifies a Tessera daemon index.
inline constexpr int kApplicationId = 0x54535241;
inline constexpr int kSchemaVersion = 3;

// Sets the pragmas every connection needs (WAL, foreign keys) and migrates to kSchemaVersion.
common::Status Migrate(SqliteDb& db);

// Checks application_id and user_version for a read-only connection (no writes).
common::Status CheckReadable(SqliteDb& db);

}  // namespace tessera::daemon::index
