// daemon/syncer/reconstructor.h
//
// Reconstructor: writes remote versions here without ever clobbering a local edit. A file is
// rebuilt into a temp file next to the target from the blocks it needs: the group's prefetched
// blocks, the version it replaces (one open file), the chunk cache or any local file holding
// them (LocalBlocks), else the blockserver in bounded windows (as rsync deltas against the
// blocks they replace locally when the server finds that smaller). Every block is verified
// against its id; all-zero runs of whole 4 KiB blocks are left as holes (common/sparse_append.h:
// a sparse file stays sparse, and reads back the same). Everything goes through the Env beneath the
// sync root's RootDir; the file is published by common::TempFile: fsynced, then renamed over the
// target only if the target is still what the index recorded (the precondition CheckTarget: kind,
// size, mtime, inode, ctime); its directory goes to the group (DownloadGroup) to be fsynced before
// the group's rows commit. Directories and symlinks (a temp symlink renamed over the target) are
// made the same careful way; new parent directories are fsynced into theirs as they are made
// (MakeParents). The index row then records the written version. When the target changed under it,
// the path is marked for a rescan (NextPass) and the step fails with Conflict; the next pass
// reconciles it again. Owns its counts. Not thread-safe: the syncer thread's.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/client/block_client.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/syncer/download_group.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/old_version.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class Reconstructor {
 public:
  // Everything passed by reference must outlive the Reconstructor. `blocks` is the syncer
  // thread's client (windows of a big file are fetched synchronously). `root` is the sync
  // root's directory, (re)opened by the engine before each pass.
  Reconstructor(common::Env& env, const common::RootDir& root, index::Index& index,
                common::client::BlockClient& blocks, LocalBlocks& local_blocks, common::Logger& log,
                const SyncConfig& config)
      : env_(env),
        root_(root),
        index_(index),
        blocks_(blocks),
        local_blocks_(local_blocks),
        log_(log),
        config_(config) {}

  // Carries out a kWrite step: writes `plan`'s pending version at its path and records it.
  // A refused path drops the pending entry (logged, counted). Conflict when the target changed
  // since the last scan (marked for a rescan in `next`); Unavailable when the blockserver is
  // down; NotFound when it has no valid copy of a block; IOError from the file system.
  common::Status Write(const Plan& plan, DownloadGroup& group, NextPass& next);

  // A delete made here went out: puts the version deleted (`v`, a file, at `rel`) in the
  // trash (<state>/trash/DATE/rel, as a remote delete's copy goes there), rebuilt from the
  // blocks still on this desktop (the chunk cache, other local files), else the blockserver.
  // Durable when OK. A file over SyncConfig::trash_deleted_max_bytes is not kept (OK, logged).
  // Errors as Write's; nothing half-written is left.
  common::Status KeepInTrash(const std::string& rel, const FileVersion& v);

  // Paths written (downloaded) and blocks refused as corrupt since it was made.
  const RoundStats& stats() const { return stats_; }

  // The downloads that failed since the last call because the blockserver had no valid copy
  // of some of their blocks (Write returned NotFound), for the engine to report
  // (BlockHealer). At most one report a path and wire::kMaxWantedIds ids a report.
  std::vector<MissingBlocks> TakeMissing() { return std::exchange(missing_, {}); }

 private:
  // Writes version `v` of `rel` at `target` (a temp file renamed over it; see above). `row`:
  // the index's row for rel (nullptr: none). Fills `written` with the new file's stat.
  common::Status WriteFile(const common::PathAt& target, const std::string& rel,
                           const FileVersion& v, uint32_t mode, const index::FileRow* row,
                           DownloadGroup& group, common::FileStat* written);
  // Writes the bytes of `blocks` (a version of `rel`) to `out`, in order, taking the blocks
  // `own` (the version being replaced) holds from it.
  common::Status WriteBlocks(common::WritableFile& out, const std::string& rel,
                             const std::vector<common::wire::BlockRef>& blocks,
                             const OldVersion& own, const DownloadGroup& group);
  // One block from a local source (verified), else from the blockserver.
  common::Result<std::string> BlockBytes(const common::wire::BlockRef& ref);
  common::Status RecordWritten(const Plan& plan, const common::FileStat& st);

  common::Env& env_;
  const common::RootDir& root_;
  index::Index& index_;
  common::client::BlockClient& blocks_;
  LocalBlocks& local_blocks_;
  common::Logger& log_;
  const SyncConfig& config_;
  RoundStats stats_;
  std::vector<common::BlockId> missing_ids_;  // of the file being written (WriteBlocks)
  std::vector<MissingBlocks> missing_;
};

}  // namespace tessera::daemon::syncer
