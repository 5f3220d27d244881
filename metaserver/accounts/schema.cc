#include "metaserver/accounts/schema.h"

namespace tessera::metaserver::accounts {

common::sqlite::Schema AccountsSchema() {
  common::sqlite::Schema schema;
  schema.application_id = kApplicationId;
  schema.what = "accounts";
  schema.scripts = AccountSchemaScripts();
  return schema;
}

}  // namespace tessera::metaserver::accounts
