// daemon/syncer/old_version.h
//
// OldVersion: the local file a download is about to replace, opened once (through the Env) so
// that the blocks the new version shares with it are read from it directly (one read each,
// verified against the id) instead of one open per block from the chunk cache or the
// block-location index. Empty when there is no such file. Owns its open file; one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/block_id.h"
#include "common/env.h"
#include "common/wire/file_meta.h"

namespace tessera::daemon::syncer {

class OldVersion {
 public:
  OldVersion() = default;
  // Opens `path` (a regular file, never through a symlink) whose blocks the index lists as
  // `blocks`; an empty OldVersion when it cannot be opened. `env` must outlive it.
  static OldVersion Open(common::Env& env, const common::PathAt& path,
                         const std::vector<common::wire::BlockRef>& blocks);

  // Whether the index says the file holds `id`.
  bool Holds(const common::BlockId& id) const { return where_.contains(id); }
  // The block's bytes, read and verified; nullopt when not held or the file no longer has them
  // there (it changed since it was indexed: the caller looks elsewhere).
  std::optional<std::string> Read(const common::BlockId& id) const;

 private:
  std::unique_ptr<common::RandomAccessFile> file_;
  std::unordered_map<common::BlockId, std::pair<uint64_t, uint32_t>> where_;  // offset, size
};

}  // namespace tessera::daemon::syncer
