// daemon/syncer/sync_engine.h
//
// SyncEngine: one round of sync, decide then act. Pull() lists the journal from the cursor into
// the index (with the journal-reset guard); Process() gathers, for every dirty or remotely
// changed path, the (base, local, remote) versions, asks Reconcile() what to do and does it:
// uploads (commit -> store the blocks the server lacks -> commit again), downloads (reuse local
// blocks, retrieve the rest, write a temp file, rename over the target only if it is still what
// the index says), deletes (to the trash), and conflicts (the local version moves to a
// conflicted copy that is uploaded as a new file). Each step is idempotent and recorded in the
// index before the next, so a crash or restart resumes where it stopped.
// Not thread-safe: owned by the syncer thread, together with the Index and the clients.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/chunker/chunk_cache.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_client.h"
#include "daemon/remote/meta_client.h"
#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

struct SyncConfig {
  std::string root;       // absolute sync root
  std::string state_dir;  // absolute; holds trash/ and cache/
  std::string ns = "default";
  std::string device;
};

struct RoundStats {
  size_t uploaded = 0;
  size_t downloaded = 0;
  size_t deleted_local = 0;
  size_t deleted_remote = 0;
  size_t conflicts = 0;
  size_t refused = 0;  // paths or blocks refused as unsafe or corrupt
};

class SyncEngine {
 public:
  // Everything passed by reference must outlive the engine.
  static common::Result<std::unique_ptr<SyncEngine>> Create(
      common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
      remote::MetaClient& meta, remote::BlockClient& blocks, SyncConfig config);

  // Lists the journal after the cursor into the index. Unavailable when the server is down.
  common::Status Pull();
  // Reconciles and acts on every dirty or pending path. Unavailable when a server is down
  // (what was done stays done). Sets pull_needed() when the journal moved on under a commit.
  common::Status Process();
  // Whether both servers answer (a cheap request to each).
  common::Status Ping();

  bool pull_needed() const { return pull_needed_; }
  uint64_t cursor() const { return cursor_; }
  const RoundStats& stats() const { return stats_; }
  // Records an error for `tessera status` (last_error) and logs it.
  void RecordError(const std::string& message);

 private:
  struct Plan {
    std::string path;
    std::optional<index::FileRow> row;
    std::optional<index::PendingEntry> pending;
    SyncAction action = SyncAction::kNothing;
    uint64_t parent_jid() const { return pending ? pending->jid : (row ? row->base_jid : 0); }
  };
  struct UploadItem {
    std::string path;
    uint64_t parent_jid = 0;
    std::optional<FileVersion> local;  // nullopt: a delete
    index::LocalStat stat;
  };

  SyncEngine(common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
             remote::MetaClient& meta, remote::BlockClient& blocks, SyncConfig config,
             std::unique_ptr<common::chunker::ChunkCache> cache)
      : env_(env),
        index_(index),
        scanner_(scanner),
        log_(log),
        meta_(meta),
        blocks_(blocks),
        config_(std::move(config)),
        cache_(std::move(cache)) {}

  common::Result<Plan> MakePlan(const std::string& path);
  common::Status RecordRemoteAsBase(const Plan& plan);

  // upload.cc
  common::Status Upload(std::vector<UploadItem> items);
  common::Status CommitBatch(std::vector<UploadItem>& items);
  common::Status StoreNeededBlocks(
      const std::vector<std::pair<UploadItem, std::vector<common::BlockId>>>& needs,
      std::set<std::string>& failed_paths);
  common::Status FinishUpload(const UploadItem& item, uint64_t jid);

  // download.cc
  common::Status Download(const Plan& plan);
  common::Status Conflict(const Plan& plan);
  common::Status DeleteLocal(const Plan& plan);
  common::Status WriteFile(const std::string& abs, const std::string& rel, const FileVersion& v,
                           uint32_t mode, const index::FileRow* row, struct stat* written);
  // Writes the bytes of `blocks` to `fd` (the temp file `tmp`), in order.
  common::Status WriteBlocks(int fd, const std::string& tmp,
                             const std::vector<common::wire::BlockRef>& blocks);
  // One block from a local source (verified), else from the blockserver.
  common::Result<std::string> BlockBytes(const common::wire::BlockRef& ref);
  common::Status RecordDownloaded(const Plan& plan, const struct stat& st);
  // SafeJoin with logging and counting of refusals; nullopt when refused (already recorded).
  std::optional<std::string> SafePath(const std::string& rel);

  common::Env& env_;
  index::Index& index_;
  scanner::Scanner& scanner_;
  common::Logger& log_;
  remote::MetaClient& meta_;
  remote::BlockClient& blocks_;
  const SyncConfig config_;
  std::unique_ptr<common::chunker::ChunkCache> cache_;
  uint64_t cursor_ = 0;
  bool pull_needed_ = false;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
