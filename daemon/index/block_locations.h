// daemon/index/block_locations.h
//
// Upkeep of the block_locations table: its rows are exactly the records of each file's local
// blocklist (files.blocks): block id, path, offset, size, appended to a rowid table and found
// through one small index on the id's first 8 bytes. No index by path and no cascade: a
// file's rows are found from its blocklist, so a changed blocklist touches only the rows that
// differ. Internal to daemon/index; one owner thread, like Index.
#pragma once

#include <string_view>

#include "common/sqlite/sqlite.h"
#include "common/status.h"

namespace tessera::daemon::index {

// The statements UpdateBlockLocations runs; prepare each once per connection.
inline constexpr const char* kDeleteBlockLocationSql =
    "DELETE FROM block_locations WHERE substr(id, 1, 8) = substr(?1, 1, 8) AND id = ?1 AND "
    "path = ?2 AND offset = ?3";
inline constexpr const char* kInsertBlockLocationSql =
    "INSERT INTO block_locations(id, path, offset, size) VALUES(?1,?2,?3,?4)";

// Turns `path`'s rows from those of the blocklist blob `old_blocks` into those of `new_blocks`
// (files.blocks encoding; either may be empty). Corruption for a torn blob. Run it in the
// transaction that writes files.blocks.
common::Status UpdateBlockLocations(common::sqlite::SqliteStmt& del,
                                    common::sqlite::SqliteStmt& ins, std::string_view path,
                                    std::string_view old_blocks, std::string_view new_blocks);

// Fills an empty block_locations table from every row's files.blocks (a schema migration);
// a torn blob is skipped, so one damaged row does not stop the index from opening.
common::Status FillBlockLocations(common::sqlite::SqliteDb& db);

}  // namespace tessera::daemon::index
