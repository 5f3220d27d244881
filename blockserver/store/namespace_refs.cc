#include "blockserver/store/namespace_refs.h"

namespace tessera::blockserver {

common::Status ValidateRefNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > kMaxRefNamespaceBytes ||
      ns.find_first_of(std::string_view("\n\0", 2)) != std::string_view::npos) {
    return common::InvalidArgument("a namespace name is 1-255 bytes, without newlines or NULs");
  }
  return common::Status::Ok();
}

common::BlockId RefKey(std::string_view ns, const common::BlockId& id) {
  std::string input = "tessera-ref\n";
  input.append(ns);
  input.push_back('\n');
  input.append(id.bytes());
  return common::BlockId::Of(input);
}

std::string RefPayload(std::string_view ns, const common::BlockId& id) {
  std::string out(id.bytes());
  out.append(ns);
  return out;
}

}  // namespace tessera::blockserver
