#include "common/temp_name.h"

#include <algorithm>

#include "common/random_hex.h"

namespace tessera::common {

namespace {
constexpr size_t kRandomDigits = 16;
}  // namespace

std::string TempFileName(std::string_view tag) {
  std::string out(kTempPrefix);
  if (!tag.empty()) out.append(tag).append("-");
  return out + RandomHex(kRandomDigits / 2);
}

std::string TempPathIn(std::string_view dir, std::string_view tag) {
  if (dir.empty()) return TempFileName(tag);
  std::string out(dir);
  if (out.back() != '/') out += '/';
  return out + TempFileName(tag);
}

bool IsTempName(std::string_view name) { return name.starts_with(kTempPrefix); }

bool IsTempNameOf(std::string_view name, std::string_view tag) {
  if (!name.starts_with(kTempPrefix)) return false;
  name.remove_prefix(kTempPrefix.size());
  if (!tag.empty()) {
    if (!name.starts_with(tag) || name.substr(tag.size()).substr(0, 1) != "-") return false;
    name.remove_prefix(tag.size() + 1);
  }
  if (name.size() != kRandomDigits) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace tessera::common
