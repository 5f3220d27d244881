#include "common/sqlite/migrations.h"

#include <string>

namespace tessera::common::sqlite {

using common::Result;
using common::Status;

Result<int64_t> CheckSchema(SqliteDb& db, const Schema& schema) {
  const auto latest = static_cast<int64_t>(schema.scripts.size());
  const std::string what(schema.what);
  TESSERA_ASSIGN_OR_RETURN(const int64_t app_id, db.QueryInt("PRAGMA application_id"));
  TESSERA_ASSIGN_OR_RETURN(const int64_t version, db.QueryInt("PRAGMA user_version"));
  if (app_id != schema.application_id) {
    if (app_id != 0) {
      return common::InvalidArgument("not a Tessera " + what + " (application_id " +
                                     std::to_string(app_id) + ")");
    }
    if (schema.refuse_unmarked_tables) {
      TESSERA_ASSIGN_OR_RETURN(const int64_t tables,
                               db.QueryInt("SELECT count(*) FROM sqlite_schema"));
      if (version != 0 || tables != 0) {
        return common::InvalidArgument("not a Tessera " + what +
                                       " (foreign tables, no application_id)");
      }
    }
  }
  if (version > latest) {
    return common::InvalidArgument(what + " schema version " + std::to_string(version) +
                                   " is newer than this build's " + std::to_string(latest));
  }
  if (version < 0) {
    return common::Corruption(what + " schema version " + std::to_string(version));
  }
  return version;
}

Result<int64_t> Migrate(SqliteDb& db, const Schema& schema, common::Logger* log) {
  TESSERA_ASSIGN_OR_RETURN(const int64_t version, CheckSchema(db, schema));
  const auto latest = static_cast<int64_t>(schema.scripts.size());
  for (int64_t v = version; v < latest; ++v) {
    const SqlScript& script = schema.scripts[static_cast<size_t>(v)];
    TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, /*write=*/true));
    TESSERA_RETURN_IF_ERROR(db.Exec(script.sql).WithContext(std::string(script.name)));
    for (const DataStep& step : schema.data_steps) {
      if (step.version == v + 1 && step.run) {
        TESSERA_RETURN_IF_ERROR(
            step.run(db).WithContext("data step after " + std::string(script.name)));
      }
    }
    // Both pragmas write the database header inside this transaction.
    TESSERA_RETURN_IF_ERROR(
        db.Exec("PRAGMA application_id = " + std::to_string(schema.application_id)));
    TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(v + 1)));
    TESSERA_RETURN_IF_ERROR(txn.Commit());
    if (log != nullptr) {
      log->Info(std::string(schema.what), "applied schema version " + std::to_string(v + 1));
    }
  }
  return version;
}

}  // namespace tessera::common::sqlite
