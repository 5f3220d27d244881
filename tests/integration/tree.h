// tests/integration/tree.h
//
// Snapshots of a directory tree as a sync test sees it: every path under a root (relative,
// '/'-separated) with its kind, content hash, size, symlink target and owner-executable bit.
// Nothing is ignored but the daemon's temporary files (`.tessera-tmp-*`) and folder marker
// (`.tessera-folder`). Symlinks are
// recorded, never followed. Pure functions over the file system; thread-safe.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace tessera::integration {

enum class EntryKind { kFile, kDir, kSymlink, kOther };

struct TreeEntry {
  EntryKind kind = EntryKind::kFile;
  uint64_t size = 0;           // kFile
  std::string sha256;          // kFile: hex of the content
  std::string symlink_target;  // kSymlink
  bool executable = false;     // kFile: the owner-executable bit
  bool operator==(const TreeEntry&) const = default;
};

using Snapshot = std::map<std::string, TreeEntry>;  // relative path -> entry

inline constexpr std::string_view kTempPrefix = ".tessera-tmp-";

// Remembers content hashes by (device, inode, size, mtime, ctime) so that polling a tree with
// large files does not re-read them every time (the test would compete with the daemons).
// Not thread-safe.
class HashCache {
 public:
  struct Key {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    auto operator<=>(const Key&) const = default;
  };
  const std::string* Find(const Key& key) const {
    auto it = hashes_.find(key);
    return it == hashes_.end() ? nullptr : &it->second;
  }
  void Put(const Key& key, std::string sha256) { hashes_[key] = std::move(sha256); }

 private:
  std::map<Key, std::string> hashes_;
};

// Walks `root`. An entry that vanishes during the walk is skipped (the daemon may be renaming);
// IOError on any other failure. `cache` (optional) is consulted and filled.
common::Result<Snapshot> SnapshotTree(const std::string& root, HashCache* cache = nullptr);

// A readable list of differences ("only in A: x", "x: content differs (A 12 bytes, B 10)"),
// empty when the snapshots are equal.
std::string DiffSnapshots(const Snapshot& a, const Snapshot& b);
std::string DescribeSnapshot(const Snapshot& s);

// Polls every `poll` until SnapshotTree(a) == SnapshotTree(b); OK then. Unavailable with the
// last difference when `timeout` passes.
common::Status WaitForConvergence(const std::string& a, const std::string& b,
                                  std::chrono::milliseconds timeout,
                                  std::chrono::milliseconds poll = std::chrono::milliseconds(50));
// Same for more than two trees (all equal to the first).
common::Status WaitForConvergenceAll(
    const std::vector<std::string>& roots, std::chrono::milliseconds timeout,
    std::chrono::milliseconds poll = std::chrono::milliseconds(50));

// Polls `condition` every `poll` until it returns true (OK) or `timeout` passes (Unavailable
// naming `what`).
common::Status WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                         std::string_view what,
                         std::chrono::milliseconds poll = std::chrono::milliseconds(50));

// Paths (relative to `root`) of every `.tessera-tmp-*` entry under `root`.
std::vector<std::string> FindTempFiles(const std::string& root);

// Small file helpers for tests (plain open/write/read; no fsync).
common::Status WriteFile(const std::string& path, std::string_view content);
common::Status AppendFile(const std::string& path, std::string_view content);
common::Result<std::string> ReadFile(const std::string& path);
std::string Sha256Hex(std::string_view data);

}  // namespace tessera::integration
