#include "metaserver/journal/commit_validation.h"

#include <string>

#include "common/wire/block_messages.h"
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
  if (!item.delta) return common::wire::ValidateFileMeta(item.meta);
  if (item.meta.kind != common::wire::FileKind::kFile) {
    return InvalidArgument("a blocklist delta on a non-file");
  }
  TESSERA_RETURN_IF_ERROR(common::wire::ValidateFileMetaWithoutBlocks(item.meta));
  if (item.delta->base_jid == 0 || item.delta->base_jid != item.parent_jid) {
    return InvalidArgument("blocklist delta base " + std::to_string(item.delta->base_jid) +
                           " is not the parent " + std::to_string(item.parent_jid) +
                           ": send the full blocklist");
  }
  if (!item.delta->digest) return InvalidArgument("blocklist delta without a digest");
  for (const auto& block : item.delta->blocks) {
    if (block.size == 0 || block.size > common::wire::kMaxBlockBytes) {
      return InvalidArgument("blocklist delta: block size out of range");
    }
  }
  return Status::Ok();
}

}  // namespace tessera::metaserver::journal
