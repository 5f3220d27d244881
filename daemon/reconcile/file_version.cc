#include "daemon/reconcile/file_version.h"

namespace tessera::daemon {

using common::wire::FileKind;

// Only the fields that carry a kind's content are compared: the executable bit means nothing
// for a directory (always searchable by its owner) or a symlink (always 0777 on Linux), and
// comparing it there would let two platforms' different reports ping-pong a path forever.
bool FileVersion::SameContent(const FileVersion& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case FileKind::kFile:
      return size == other.size && executable == other.executable && blocks == other.blocks;
    case FileKind::kSymlink:
      return symlink_target == other.symlink_target;
    case FileKind::kDir:
    case FileKind::kDeleted:
      return true;
  }
  return false;
}

std::optional<FileVersion> FileVersion::FromMeta(const common::wire::FileMeta& m) {
  if (m.kind == FileKind::kDeleted) return std::nullopt;
  FileVersion v;
  v.kind = m.kind;
  v.size = m.kind == FileKind::kFile ? m.size : 0;
  v.executable = m.kind == FileKind::kFile && (m.mode & 0100) != 0;
  v.symlink_target = m.symlink_target;
  v.blocks = m.blocks;
  v.mtime_ns = m.mtime_ns;
  return v;
}

}  // namespace tessera::daemon
