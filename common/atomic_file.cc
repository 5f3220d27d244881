#include "common/env.h"
#include "common/temp_file.h"

namespace tessera::common {

Status WriteFileAtomically(Env& env, const std::string& path, std::string_view data) {
  TESSERA_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(env, path));
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(data));
  return tmp.Publish();
}

}  // namespace tessera::common
