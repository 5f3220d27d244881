#include "metaserver/journal/sqlite/schema.h"

namespace tessera::metaserver::journal::sqlite {

common::Status ApplySchema(SqliteDb& db, common::Logger& log) {
  common::sqlite::Schema schema;
  schema.application_id = kApplicationId;
  schema.what = "journal";
  schema.scripts = SchemaScripts();
  return common::sqlite::Migrate(db, schema, &log).status();
}

}  // namespace tessera::metaserver::journal::sqlite
