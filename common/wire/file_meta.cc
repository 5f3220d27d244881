#include "common/wire/file_meta.h"

#include "common/path.h"
#include "common/wire/block_messages.h"
#include "common/wire/journal_messages.h"

namespace tessera::common::wire {

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kFile:
      return "file";
    case FileKind::kDir:
      return "dir";
    case FileKind::kSymlink:
      return "symlink";
    case FileKind::kDeleted:
      return "deleted";
  }
  return "unknown";
}

Status ParseFileKind(std::string_view name, FileKind* out) {
  for (FileKind k : {FileKind::kFile, FileKind::kDir, FileKind::kSymlink, FileKind::kDeleted}) {
    if (name == FileKindName(k)) {
      *out = k;
      return Status::Ok();
    }
  }
  return InvalidArgument("unknown file kind \"" + std::string(name.substr(0, 32)) + "\"");
}

namespace {

Status CheckFileMeta(const FileMeta& meta, bool with_blocks) {
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(meta.path));
  const auto bad = [&](std::string_view why) {
    std::string message = "\"";
    message.append(meta.path, 0, 200);
    message.append("\": ").append(why);
    return InvalidArgument(std::move(message));
  };
  if ((meta.mode & ~07777u) != 0) return bad("mode has bits outside 07777");
  if (meta.kind != FileKind::kFile && !meta.blocks.empty()) return bad("blocks on a non-file");
  if (meta.kind != FileKind::kSymlink && !meta.symlink_target.empty()) {
    return bad("symlink target on a non-symlink");
  }
  switch (meta.kind) {
    case FileKind::kFile: {
      if (meta.blocks.size() > kMaxBlocksPerFile) return bad("too many blocks");
      uint64_t sum = 0;
      for (const BlockRef& b : meta.blocks) {
        if (b.size == 0 || b.size > kMaxBlockBytes) return bad("block size out of range");
        sum += b.size;
      }
      if (!with_blocks) {
        if (!meta.blocks.empty()) return bad("blocks beside a blocklist delta");
        break;
      }
      if (sum != meta.size) return bad("size differs from the sum of block sizes");
      break;
    }
    case FileKind::kSymlink:
      if (meta.symlink_target.empty()) return bad("symlink without a target");
      if (meta.symlink_target.size() > kMaxPathBytes) return bad("symlink target too long");
      if (meta.symlink_target.find('\0') != std::string::npos) return bad("NUL in symlink target");
      [[fallthrough]];
    case FileKind::kDir:
    case FileKind::kDeleted:
      if (meta.size != 0) return bad("non-zero size on a non-file");
      break;
  }
  return Status::Ok();
}

}  // namespace

Status ValidateFileMeta(const FileMeta& meta) { return CheckFileMeta(meta, /*with_blocks=*/true); }

Status ValidateFileMetaWithoutBlocks(const FileMeta& meta) {
  return CheckFileMeta(meta, /*with_blocks=*/false);
}

}  // namespace tessera::common::wire
