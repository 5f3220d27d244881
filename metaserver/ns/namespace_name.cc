#include "metaserver/ns/namespace_name.h"

#include <string>

namespace tessera::metaserver::ns {

common::Status ValidateNamespaceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNamespaceNameBytes) {
    return common::InvalidArgument("namespace name must be 1.." +
                                   std::to_string(kMaxNamespaceNameBytes) + " characters");
  }
  if (name == "." || name == "..") return common::InvalidArgument("namespace name is . or ..");
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return common::InvalidArgument("namespace name may hold only [A-Za-z0-9._-]");
  }
  return common::Status::Ok();
}

}  // namespace tessera::metaserver::ns
