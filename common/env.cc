#include "common/env.h"

#include <algorithm>

namespace tessera::common {

Status WritableFile::AppendHole(uint64_t n) {
  static constexpr size_t kZeros = 64 << 10;
  const std::string zeros(static_cast<size_t>(std::min<uint64_t>(n, kZeros)), '\0');
  while (n > 0) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, zeros.size()));
    TESSERA_RETURN_IF_ERROR(Append(std::string_view(zeros).substr(0, step)));
    n -= step;
  }
  return Status::Ok();
}

std::string PathAt::ToString() const {
  if (root == nullptr) return path;
  if (path.empty()) return root->path();
  if (!root->path().empty() && root->path().back() == '/') return root->path() + path;
  return root->path() + "/" + path;
}

}  // namespace tessera::common
