// metaserver/journal/sqlite/schema.h
//
// The SQLite store's schema: numbered scripts in metaserver/journal/sqlite/schema/NNN_*.sql,
// embedded at build time by tessera_embed_sql (cmake/TesseraEmbedSql.cmake) and applied by the
// one migration runner (common/sqlite/migrations.h). The scripts
// are the file format: never edit one that has shipped, add the next (so their comments name
// files as they were then: journal/schema/, journal/blocklist_store.h are sqlite/ now). PRAGMA
// user_version is the number of scripts applied; PRAGMA application_id marks the file as a Tessera
// journal. Pure data plus one function; thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "common/log.h"
#include "common/sqlite/migrations.h"
#include "common/status.h"
#include "metaserver/journal/sqlite/sqlite_names.h"

namespace tessera::metaserver::journal::sqlite {

inline constexpr int32_t kApplicationId = 0x54534a31;  // "TSJ1"

// SchemaScripts()[i] upgrades a database at user_version i to i + 1.
std::span<const common::sqlite::SqlScript> SchemaScripts();

// Brings `db` to the latest schema version, one transaction per script. InvalidArgument when
// the file belongs to another application or was written by a newer server (a newer schema is
// refused, never guessed at). The caller has set WAL mode and foreign keys already.
common::Status ApplySchema(SqliteDb& db, common::Logger& log);

}  // namespace tessera::metaserver::journal::sqlite
