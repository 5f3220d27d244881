// daemon/reconcile/file_version.h
//
// FileVersion: one side's view of a path (the last-synced base, the local file, or a journal
// entry) as far as sync is concerned. A plain value; the index stores it, the decision layer
// (reconcile.h) compares it. Thread-safe as any value (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/file_meta.h"

namespace tessera::daemon {

// nullopt (where an optional<FileVersion> is expected) means "does not exist there" (never
// existed, deleted locally, or a tombstone in the journal).
struct FileVersion {
  common::wire::FileKind kind = common::wire::FileKind::kFile;  // never kDeleted here
  uint64_t size = 0;
  bool executable = false;     // the owner-executable bit; other mode bits are not synced
  std::string symlink_target;  // kSymlink
  std::vector<common::wire::BlockRef> blocks;  // kFile
  int64_t mtime_ns = 0;                        // informational: never decides anything

  // Same content as far as sync is concerned: kind, blocks, symlink target, executable bit.
  bool SameContent(const FileVersion& other) const;

  // The version a journal entry's metadata describes; nullopt for a tombstone.
  static std::optional<FileVersion> FromMeta(const common::wire::FileMeta& m);
};

}  // namespace tessera::daemon
