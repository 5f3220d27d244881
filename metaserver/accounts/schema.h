// metaserver/accounts/schema.h
//
// accounts.db's schema: numbered scripts in metaserver/accounts/schema/NNN_*.sql, embedded at
// build time by tessera_embed_sql (cmake/TesseraEmbedSql.cmake) and applied by the one
// migration runner (common/sqlite/migrations.h). The scripts are the file format: never edit
// one that has shipped, add the next. PRAGMA application_id marks the file as Tessera's
// accounts (a journal or an index is refused). Pure data plus one function; thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "common/sqlite/migrations.h"

namespace tessera::metaserver::accounts {

inline constexpr int32_t kApplicationId = 0x54534131;  // "TSA1"

// AccountSchemaScripts()[i] upgrades a database at user_version i to i + 1.
std::span<const common::sqlite::SqlScript> AccountSchemaScripts();

// The schema for common::sqlite::Migrate / CheckSchema.
common::sqlite::Schema AccountsSchema();

}  // namespace tessera::metaserver::accounts
