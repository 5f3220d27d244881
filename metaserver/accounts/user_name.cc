#include "metaserver/accounts/user_name.h"

#include <string>

#include "common/utf8.h"

namespace tessera::metaserver::accounts {

common::Status ValidateUserName(std::string_view name) {
  const auto bad = [&](const std::string& why) {
    return common::InvalidArgument("user name \"" + common::EscapeInvalidUtf8(name) + "\": " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxUserNameBytes) {
    return bad("longer than " + std::to_string(kMaxUserNameBytes) + " bytes");
  }
  if (name == "." || name == "..") return bad("not a name");
  if (!common::IsValidUtf8(name)) return bad("not valid UTF-8");
  for (const char c : name) {
    if (c == '/') return bad("contains '/'");
    if (c == '\\') return bad("contains '\\'");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return bad("contains a control character");
    }
  }
  if (name.front() == ' ' || name.back() == ' ') return bad("starts or ends with a space");
  return common::Status::Ok();
}

}  // namespace tessera::metaserver::accounts
