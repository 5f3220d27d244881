#include "common/env.h"

namespace tessera::common {

std::string PathAt::ToString() const {
  if (root == nullptr) return path;
  if (path.empty()) return root->path();
  if (!root->path().empty() && root->path().back() == '/') return root->path() + path;
  return root->path() + "/" + path;
}

}  // namespace tessera::common
