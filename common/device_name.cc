#include "common/device_name.h"

#include <string>

#include "common/utf8.h"

namespace tessera::common {

Status ValidateDeviceName(std::string_view name) {
  const auto bad = [&](const std::string& why) {
    return InvalidArgument("device name \"" + EscapeInvalidUtf8(name) + "\": " + why +
                           " (give a plain name with --device, e.g. --device laptop)");
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxDeviceNameBytes) {
    return bad("longer than " + std::to_string(kMaxDeviceNameBytes) + " bytes");
  }
  if (name == "." || name == "..") return bad("not a name");
  if (!IsValidUtf8(name)) return bad("not valid UTF-8");
  for (const char c : name) {
    if (c == '/') return bad("contains '/'");
    if (c == '\\') return bad("contains '\\'");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return bad("contains a control character");
  }
  if (name.front() == ' ' || name.back() == ' ') return bad("starts or ends with a space");
  return Status::Ok();
}

}  // namespace tessera::common
