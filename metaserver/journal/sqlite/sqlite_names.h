// metaserver/journal/sqlite/sqlite_names.h
//
// The SQLite layer the store is written on (common/sqlite/sqlite.h), named in the store's
// namespace so its files say SqliteDb rather than common::sqlite::SqliteDb.
#pragma once

#include "common/sqlite/sqlite.h"

namespace tessera::metaserver::journal::sqlite {

using common::sqlite::SqliteDb;
using common::sqlite::SqliteStmt;
using common::sqlite::Transaction;

}  // namespace tessera::metaserver::journal::sqlite
