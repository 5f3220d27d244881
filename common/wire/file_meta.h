// common/wire/file_meta.h
//
// The metadata of one version of one path, as the journal stores it and as it crosses the wire.
// Value types; thread-compatible. JSON encoding is in journal_messages.h.
#pragma once

#include <cstdint>
#include <optional>
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

// A file's blocklist as a change to an earlier version's list (the "base", named by JID):
// target = base[0, keep_prefix) + blocks + base[base.size() - keep_suffix, base.size()).
// Commits and listings carry it instead of a whole list when the base is known to both sides;
// Compute and Apply (bounds-checked) are in blocklist_delta.h.
struct BlocklistDelta {
  uint64_t base_jid = 0;         // the journal entry (a file) whose blocklist is the base
  uint64_t keep_prefix = 0;      // leading blocks of the base kept
  uint64_t keep_suffix = 0;      // trailing blocks of the base kept
  std::vector<BlockRef> blocks;  // what replaces the rest of the base
  // SHA-256 of the target list (BlocklistDigest, blocklist_delta.h): a delta applied to the
  // wrong base is caught, not silently turned into a wrong file. Always set on the wire.
  std::optional<BlockId> digest = std::nullopt;
  bool operator==(const BlocklistDelta&) const = default;
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
// The same rules, except that a file's blocks are not there (they travel as a BlocklistDelta):
// `blocks` must be empty and its size is not checked against them.
Status ValidateFileMetaWithoutBlocks(const FileMeta& meta);

// One journal entry: a version of a path in a namespace.
struct JournalEntry {
  uint64_t jid = 0;  // strictly increasing within the namespace
  FileMeta meta;
  std::string device;  // who committed it (for conflicted-copy names and history)
  // Only in `list?deltas=1` answers: the file's blocklist as a change to an earlier entry's
  // list; `meta.blocks` is then empty (meta.size is the full size).
  std::optional<BlocklistDelta> delta = std::nullopt;
  // A subtree move (POST .../move, docs/protocol.md): `meta` is the new directory, `moved_from`
  // the old one, and the entries jid+1 .. jid+covers are the move's copies and tombstones.
  // Empty / 0 for every other entry.
  std::string moved_from;
  uint64_t covers = 0;
  bool operator==(const JournalEntry&) const = default;
};

}  // namespace tessera::common::wire
