#include "metaserver/journal/commit_validation.h"

#include <string>

#include "common/wire/file_meta.h"

namespace tessera::metaserver::journal {

using common::InvalidArgument;
using common::Status;

Status ValidateDevice(std::string_view device) {
  if (device.size() > kMaxDeviceBytes) {
    return InvalidArgument("device is longer than " + std::to_string(kMaxDeviceBytes) + " bytes");
  }
  for (const char c : device) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("device holds a control character");
    }
  }
  return Status::Ok();
}

Status ValidateCommitItem(const common::wire::CommitItem& item) {
  return common::wire::ValidateFileMeta(item.meta);
}

}  // namespace tessera::metaserver::journal
