// common/wire/file_meta.h
//
// The metadata of one version of one path, as the journal stores it and as it crosses the wire.
// Value types; thread-compatible. JSON encoding is in journal_messages.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/status.h"

namespace tessera::common::wire {

// One block of a file: its id and its uncompressed length.
struct BlockRef {
  BlockId id;
  uint32_t size = 0;
  bool operator==(const BlockRef&) const = default;
};

enum class FileKind {
  kFile,     // regular file; `blocks` concatenated give its bytes (none for an empty file)
  kDir,      // directory (empty directories sync too)
  kSymlink,  // symbolic link, synced as a link with `symlink_target`, never followed
  kDeleted,  // tombstone: the path no longer exists
};

std::string_view FileKindName(FileKind kind);  // "file", "dir", "symlink", "deleted"
// The inverse of FileKindName; InvalidArgument for anything else.
Status ParseFileKind(std::string_view name, FileKind* out);

struct FileMeta {
  std::string path;  // relative, '/'-separated, validated by common/path.h
  FileKind kind = FileKind::kFile;
  uint64_t size = 0;             // bytes of the file (sum of block sizes); 0 otherwise
  int64_t mtime_ns = 0;          // modification time, nanoseconds since the epoch
  uint32_t mode = 0644;          // permission bits; only the owner-executable bit is synced
  std::string symlink_target;    // kSymlink only
  std::vector<BlockRef> blocks;  // kFile only
  bool operator==(const FileMeta&) const = default;
};

// OK when `meta` is self-consistent: the path passes ValidateRelativePath; only files have
// blocks (at most kMaxBlocksPerFile, each 1..kMaxBlockBytes bytes) and their size is the sum of
// the block sizes; other kinds have size 0; only symlinks have a target (1..4096 bytes, no
// NUL), and every symlink has one; mode has no bits outside 07777. InvalidArgument naming the
// problem otherwise. Every Decode in journal_messages.h applies it.
Status ValidateFileMeta(const FileMeta& meta);

// One journal entry: a version of a path in a namespace.
struct JournalEntry {
  uint64_t jid = 0;  // strictly increasing within the namespace
  FileMeta meta;
  std::string device;  // who committed it (for conflicted-copy names and history)
  bool operator==(const JournalEntry&) const = default;
};

}  // namespace tessera::common::wire
