// daemon/scanner/file_hasher.h
//
// The one place the daemon chunks a file: HashLocalFile() streams a regular file through the
// chunker (common/chunker/hashify.h) in bounded memory and checks, through the Env, that the
// file did not change while it was read. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::daemon::scanner {

struct HashedFile {
  std::vector<common::wire::BlockRef> blocks;
  uint64_t size = 0;
  std::string format;  // "text" | "binary"
};

// Chunks the file at `path`, which env.Lstat() gave as `before`. Conflict when the file changed
// while it was read (size, mtime, ctime, mode or inode differ afterwards, or it became
// something else): hash it again later. NotFound if it vanished; IOError otherwise.
common::Result<HashedFile> HashLocalFile(common::Env& env, const common::PathAt& path,
                                         const common::FileStat& before);

// True when two lstat results describe the same unchanged file version.
bool SameStat(const common::FileStat& a, const common::FileStat& b);

}  // namespace tessera::daemon::scanner
