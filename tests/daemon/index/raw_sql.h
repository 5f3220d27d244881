// tests/daemon/index/raw_sql.h
//
// RunRawSql: runs SQL on an index file through SQLite directly, bypassing Index (to build old
// schema versions and damaged files). Fails the current test with SQLite's message on error.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

namespace tessera::daemon::index::testing {

inline void RunRawSql(const std::string& db, const char* sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(raw, sql, nullptr, nullptr, &err);
  const std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(raw);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

}  // namespace tessera::daemon::index::testing
