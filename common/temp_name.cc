#include "common/temp_name.h"

#include "common/random_hex.h"

namespace tessera::common {

std::string TempFileName() { return std::string(kTempPrefix) + RandomHex(8); }

std::string TempPathIn(std::string_view dir) {
  if (dir.empty()) return TempFileName();
  std::string out(dir);
  if (out.back() != '/') out += '/';
  return out + TempFileName();
}

bool IsTempName(std::string_view name) { return name.starts_with(kTempPrefix); }

}  // namespace tessera::common
