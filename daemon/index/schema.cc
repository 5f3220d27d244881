#include "daemon/index/schema.h"

#include <string>

#include "common/check.h"
#include "daemon/index/block_locations.h"

namespace tessera::daemon::index {
namespace {

using common::sqlite::SqliteDb;

// The scripts (never edit a shipped one, append a new one):
//   001_initial.sql                    the initial schema
//   002_moves.sql                      subtree moves (daemon/syncer/move_applier.cc, docs/sync.md)
//   003_block_locations_by_prefix.sql  block locations found through an index on the id's first
//       8 bytes only, without the index by path and the cascade (block_locations.h): the
//       32-byte id index and the path index made up most of the table's cost in an initial
//       sync. The data step after it refills the table from files.blocks.
//   004_held_deletes.sql               deletes held by the mass-delete guard
//   005_ctime_links.sql                the local version's ctime and link count, and an index
//       of hard-linked rows by inode (daemon/scanner/scanner.h)
constexpr int64_t kBlockLocationsRebuilt = 3;

common::sqlite::Schema IndexSchema() {
  static const common::sqlite::DataStep kDataSteps[] = {
      {kBlockLocationsRebuilt, [](SqliteDb& db) { return FillBlockLocations(db); }},
  };
  common::sqlite::Schema schema;
  schema.application_id = kApplicationId;
  schema.what = "index";
  schema.scripts = IndexSchemaScripts();
  schema.data_steps = kDataSteps;
  // The daemon has always set up any file without an application_id it was pointed at.
  schema.refuse_unmarked_tables = false;
  TESSERA_CHECK(schema.scripts.size() == kSchemaVersion);
  return schema;
}

}  // namespace

common::Status Migrate(SqliteDb& db) {
  // A 4 MiB page cache (SQLite's default is 2 MiB): a download group's rows and block
  // locations then fit, instead of spilling pages to the WAL again and again (W1 on loopback:
  // 25 s -> 19-22 s), within the daemon's memory budget.
  TESSERA_RETURN_IF_ERROR(
      db.Exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
              "PRAGMA synchronous=FULL; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;"));
  return common::sqlite::Migrate(db, IndexSchema()).status();
}

common::Status CheckReadable(SqliteDb& db) {
  TESSERA_ASSIGN_OR_RETURN(const int64_t version, common::sqlite::CheckSchema(db, IndexSchema()));
  // Version 0 is a file the daemon has created but not yet set up (it does so right after): a
  // reader should try again, not report damage.
  if (version == 0) return common::Unavailable("index is being created");
  if (version != kSchemaVersion) {
    return common::InvalidArgument("index schema " + std::to_string(version) + " not current");
  }
  return common::Status::Ok();
}

}  // namespace tessera::daemon::index
