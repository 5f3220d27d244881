#include "metaserver/journal/sqlite/schema.h"

#include <string>

namespace tessera::metaserver::journal::sqlite {

using common::Status;

Status ApplySchema(SqliteDb& db, common::Logger& log) {
  const auto scripts = SchemaScripts();
  const auto latest = static_cast<int64_t>(scripts.size());
  TESSERA_ASSIGN_OR_RETURN(const int64_t app_id, db.QueryInt("PRAGMA application_id"));
  TESSERA_ASSIGN_OR_RETURN(const int64_t version, db.QueryInt("PRAGMA user_version"));
  if (app_id != kApplicationId) {
    if (app_id != 0) {
      return common::InvalidArgument("not a Tessera journal (application_id " +
                                     std::to_string(app_id) + ")");
    }
    TESSERA_ASSIGN_OR_RETURN(const int64_t tables,
                             db.QueryInt("SELECT count(*) FROM sqlite_schema"));
    if (version != 0 || tables != 0) {
      return common::InvalidArgument("not a Tessera journal (foreign tables, no application_id)");
    }
  }
  if (version > latest) {
    return common::InvalidArgument("journal schema version " + std::to_string(version) +
                                   " is newer than this server's " + std::to_string(latest));
  }
  for (int64_t v = version; v < latest; ++v) {
    TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, /*write=*/true));
    TESSERA_RETURN_IF_ERROR(db.Exec(scripts[static_cast<size_t>(v)]));
    // Both pragmas write the database header inside this transaction: a crash leaves either
    // the old version or the new one, never a half-applied script.
    TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId)));
    TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(v + 1)));
    TESSERA_RETURN_IF_ERROR(txn.Commit());
    log.Info("journal", "applied schema version " + std::to_string(v + 1));
  }
  return Status::Ok();
}

}  // namespace tessera::metaserver::journal::sqlite
