// daemon/index/schema.h
//
// The local index's SQLite schema: numbered scripts in daemon/index/schema/NNN_*.sql, embedded
// at build time (tessera_embed_sql in daemon/CMakeLists.txt), applied by the common migration
// runner (common/sqlite/migrations.h): one transaction per script, a database newer than this
// build or with another application_id refused. Script 3 is followed by a C++ step that refills
// block_locations from files.blocks. Not thread-safe (one connection).
#pragma once

#include <span>

#include "common/sqlite/migrations.h"
#include "common/sqlite/sqlite.h"
#include "common/status.h"

namespace tessera::daemon::index {

// 'TSRA' — identifies a Tessera daemon index.
inline constexpr int kApplicationId = 0x54535241;
inline constexpr int kSchemaVersion = 5;

// The embedded scripts, in order (generated from daemon/index/schema/*.sql).
std::span<const common::sqlite::SqlScript> IndexSchemaScripts();

// Sets the pragmas every connection needs (WAL, foreign keys) and migrates to kSchemaVersion.
common::Status Migrate(common::sqlite::SqliteDb& db);

// Checks application_id and user_version for a read-only connection (no writes).
common::Status CheckReadable(common::sqlite::SqliteDb& db);

}  // namespace tessera::daemon::index
