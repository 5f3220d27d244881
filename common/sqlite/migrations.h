// common/sqlite/migrations.h
//
// Schema versions for Tessera's SQLite files, one runner for all of them. A schema is a list of
// numbered scripts (NNN_name.sql beside the code, embedded at build time by the CMake function
// tessera_embed_sql in cmake/TesseraEmbedSql.cmake), plus optional C++ data steps that run
// right after a given script. PRAGMA user_version is the number of scripts applied; PRAGMA
// application_id marks the file as this kind of Tessera database. Migrate() applies what is
// missing, one transaction per script (its data step and both pragmas inside it, so a crash
// leaves the old version or the next one, never half a step), refuses a database written by a
// newer build or by another application, and never touches a refused file.
// Pure data plus functions over a caller's connection; same thread rules as SqliteDb.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "common/log.h"
#include "common/result.h"
#include "common/sqlite/sqlite.h"

namespace tessera::common::sqlite {

// One embedded script; tessera_embed_sql generates a function returning them in order.
struct SqlScript {
  std::string_view name;  // file name, e.g. "001_initial.sql"
  std::string_view sql;   // its bytes, unchanged
};

// A data migration in C++: runs after the script that brings the schema to `version`, in that
// script's transaction (so once: the step is committed with the version).
struct DataStep {
  int64_t version = 0;
  std::function<common::Status(SqliteDb&)> run;
};

struct Schema {
  int32_t application_id = 0;
  // What the file is, for errors and logs ("journal", "index").
  std::string_view what;
  // scripts[i] takes user_version i to i + 1.
  std::span<const SqlScript> scripts;
  std::span<const DataStep> data_steps = {};
  // A file with no application_id but tables of its own: true refuses it (someone else's
  // database); false takes it over (the daemon's index has always done so).
  bool refuse_unmarked_tables = true;
};

// The version `db` is at: InvalidArgument when it belongs to another application, was written
// by a newer build, or (refuse_unmarked_tables) has foreign tables; 0 for a new file. Reads
// only: usable on a read-only connection.
common::Result<int64_t> CheckSchema(SqliteDb& db, const Schema& schema);

// Brings `db` to the latest version as described above; returns the version it was at. Errors:
// CheckSchema's, a script's or a data step's (that step is rolled back, earlier ones stay).
// `log`, when given, gets one line per step applied.
common::Result<int64_t> Migrate(SqliteDb& db, const Schema& schema, common::Logger* log = nullptr);

}  // namespace tessera::common::sqlite
