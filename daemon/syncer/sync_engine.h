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
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/chunker/chunk_cache.h"
#include "common/client/block_client.h"
#include "common/client/meta_client.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/blocklist_delta.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_pipe.h"
#include "daemon/scanner/scanner.h"
#include "daemon/syncer/old_version.h"

namespace tessera::daemon::syncer {

struct SyncConfig {
  std::string root;       // absolute sync root
  std::string state_dir;  // absolute; holds trash/ and cache/
  std::string ns = "default";
  std::string device;
  // Process() looks at this many dirty and pending paths per pass, and makes at most this many
  // passes per call (then work_left() says so), so a huge backlog never holds up pulls and scans.
  size_t paths_per_pass = 1000;
  int passes_per_process = 50;
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
      common::client::MetaClient& meta, common::client::BlockClient& blocks, SyncConfig config);

  // Lists the journal after the cursor into the index. Unavailable when the server is down.
  common::Status Pull();
  // Reconciles and acts on every dirty or pending path. Unavailable when a server is down
  // (what was done stays done). Sets pull_needed() when the journal moved on under a commit.
  common::Status Process();
  // Whether both servers answer (a cheap request to each).
  common::Status Ping();

  bool pull_needed() const { return pull_needed_; }
  // Whether the last Process() stopped with dirty or pending paths left (its per-call bound):
  // the syncer runs another round at once instead of waiting for an event.
  bool work_left() const { return work_left_; }
  uint64_t cursor() const { return cursor_; }
  const RoundStats& stats() const { return stats_; }
  // What went to and from the blockserver, over both clients (the syncer thread's and the
  // pipe's). Call between rounds, from the syncer thread.
  common::client::BlockClientStats block_stats() const;
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
  // A commit batch between one commit and the next: the items to commit again, and the stores
  // of the blocks the server asked for, still in the pipe.
  struct CommitRound {
    std::vector<UploadItem> items;
    std::map<std::string, common::wire::BlocklistDelta> deltas;  // dropped when refused
    int attempts = 0;
    std::vector<std::future<common::Status>> stores;
  };
  // The blocks of download group [begin, end) that no local file holds, being retrieved.
  struct Fetch {
    size_t end = 0;
    std::unordered_set<common::BlockId> ids;
    std::optional<std::future<common::Result<std::vector<common::wire::Block>>>> blocks;
    std::shared_ptr<size_t> refused;  // blocks the pipe refused (written by its thread)
  };

  SyncEngine(common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
             common::client::MetaClient& meta, common::client::BlockClient& blocks,
             SyncConfig config, std::unique_ptr<common::chunker::ChunkCache> cache,
             std::unique_ptr<common::client::BlockClient> pipe_client)
      : env_(env),
        index_(index),
        scanner_(scanner),
        log_(log),
        meta_(meta),
        blocks_(blocks),
        config_(std::move(config)),
        cache_(std::move(cache)),
        pipe_client_(std::move(pipe_client)),
        pipe_(std::make_unique<remote::BlockPipe>(*pipe_client_)) {}

  common::Result<Plan> MakePlan(const std::string& path);
  common::Status RecordRemoteAsBase(const Plan& plan);
  // pull.cc (D): replaces a listed entry's blocklist delta by the full list, from a version this
  // daemon holds or, failing that, by fetching the entry whole; false when the entry is already
  // applied (at or below the path's base JID) and is to be dropped. Unavailable when the server
  // is.
  common::Result<bool> ResolveListedDelta(const std::map<std::string, size_t>& page_files,
                                          const std::vector<index::PendingEntry>& entries,
                                          common::wire::JournalEntry& entry);

  // upload.cc: bounded commit batches, each committed once (CommitStep: the blocks the server
  // lacks go into the pipe) while the previous one's blocks are stored, then committed again
  // once they are (FinishRound). Edited files' new blocks go before the first commit.
  common::Status Upload(std::vector<UploadItem> items);
  // `sent`: the blocks queued for storing during this Upload(), not sent twice.
  common::Result<CommitRound> CommitStep(CommitRound round,
                                         std::unordered_set<common::BlockId>& sent);
  common::Status FinishRound(CommitRound round, std::unordered_set<common::BlockId>& sent);
  // Edits go store-first: the blocks their blocklist delta brings in are new to the server all
  // but always, so they are stored (and waited for) before the first commit, which then needs
  // no second one. Items whose file changed meanwhile leave the round (scanned again).
  common::Status StoreEditedBlocks(CommitRound& round, std::unordered_set<common::BlockId>& sent);
  // store_blocks.cc: reads the blocks asked for and queues their store requests in the pipe
  // (futures in `stores`).
  common::Status StoreNeededBlocks(
      const std::vector<std::pair<UploadItem, std::vector<common::BlockId>>>& needs,
      std::set<std::string>& failed_paths, std::unordered_set<common::BlockId>& sent,
      std::vector<std::future<common::Status>>& stores);
  common::Status FinishUpload(const UploadItem& item, uint64_t jid);
  // D: moves the cursor over this daemon's own entries of a commit batch (`committed` items
  // committed) when nothing else was committed since the cursor.
  common::Status SkipOwnEntries(const common::wire::CommitBatchResponse& response,
                                size_t committed);

  // moves.cc (M): subtree moves, docs/sync.md. ProcessMoves runs at the start of each Process()
  // round: it applies pending remote moves as one rename (or lists their entries instead), then
  // commits local directory renames as one move each. Anything unusual falls back to the
  // per-path flow. Unavailable when a server is down.
  common::Status ProcessMoves();
  common::Status ApplyRemoteMove(const index::PendingEntry& move);
  // Lists the entries a pending move stands for and queues them as ordinary pending entries.
  common::Status ExpandMove(uint64_t move_jid, uint64_t covers, const std::string& to);
  // Lists journal entries move_jid+1 .. move_jid+covers (a move's covered range) and queues
  // them as pending entries where they are the newest known for their path.
  common::Status StoreCoveredEntries(uint64_t move_jid, uint64_t covers);
  // True when `to` (a new local directory) was committed as a move of a vanished one.
  common::Result<bool> TrySendMove(const std::string& to);

  // download.cc
  common::Status Download(const Plan& plan);
  common::Status Conflict(const Plan& plan);
  common::Status DeleteLocal(const Plan& plan);
  common::Status WriteFile(const std::string& abs, const std::string& rel, const FileVersion& v,
                           uint32_t mode, const index::FileRow* row, struct stat* written);
  // Writes the bytes of `blocks` (a version of `rel`) to `fd` (the temp file `tmp`), in order,
  // taking the blocks `own` (the version being replaced) holds from it.
  common::Status WriteBlocks(int fd, const std::string& tmp, const std::string& rel,
                             const std::vector<common::wire::BlockRef>& blocks,
                             const OldVersion& own);
  // One block from a local source (verified), else from the blockserver.
  common::Result<std::string> BlockBytes(const common::wire::BlockRef& ref);
  // fetch_blocks.cc (R): a block from the chunk cache or a local file holding it, verified;
  // NotFound when there is no valid local copy.
  common::Result<std::string> LocalBlock(const common::BlockId& id);
  // Keeps a block of a text file's synced version in the chunk cache (unsynced writes), so that
  // it can be a delta base after the file is overwritten; trims the cache now and then.
  void CacheBlock(const common::BlockId& id, std::string_view data);
  // For each block of `blocks` (a new version of `rel`) to fetch (indexes in `fetch_at`,
  // ascending), the block it probably replaces in a local file holding its neighbours, `rel`
  // itself when it holds them (its old version), else any: a base for a delta.
  std::vector<std::optional<common::BlockId>> DeltaBases(
      const std::string& rel, const std::vector<common::wire::BlockRef>& blocks,
      const std::vector<size_t>& fetch_at);
  common::Status RecordDownloaded(const Plan& plan, const struct stat& st);
  // Starts retrieving, in one bounded request through the pipe, the blocks that files new or
  // edited among downloads[begin..] lack locally and that `coming` (the group before, still on
  // its way) does not bring; the group ends at the returned Fetch's end (> begin). An edit's
  // blocks name their delta bases (DeltaBases), whose bytes are read here, at most
  // kPipelinedBatchBytes of them, for the pipe's thread to patch with.
  common::Result<Fetch> StartFetch(const std::vector<Plan>& downloads, size_t begin,
                                   const std::unordered_set<common::BlockId>& coming);
  // Waits for `fetch` and puts its blocks into prefetched_; Unavailable when the server is.
  common::Status TakeFetched(Fetch& fetch);
  // SafeJoin with logging and counting of refusals; nullopt when refused (already recorded) or
  // when a local file stands where the path needs a directory (logged only).
  std::optional<std::string> SafePath(const std::string& rel);

  common::Env& env_;
  index::Index& index_;
  scanner::Scanner& scanner_;
  common::Logger& log_;
  common::client::MetaClient& meta_;
  common::client::BlockClient& blocks_;
  const SyncConfig config_;
  std::unique_ptr<common::chunker::ChunkCache> cache_;
  // The store and retrieve stage: its own client, used only by the pipe's thread.
  std::unique_ptr<common::client::BlockClient> pipe_client_;
  std::unique_ptr<remote::BlockPipe> pipe_;  // after pipe_client_: stops first
  // Blocks retrieved ahead for the current download group (verified); bounded by one retrieve
  // request (remote::kPipelinedBatchBytes), cleared after the group.
  std::unordered_map<common::BlockId, std::string> prefetched_;
  // While a download group is written, WriteFile leaves the fsync of the directories it renamed
  // into to the group's end (dirs_to_sync_), which does it before the group's rows commit.
  bool defer_dir_syncs_ = false;
  std::set<std::string> dirs_to_sync_;
  uint64_t cursor_ = 0;
  uint64_t cache_bytes_since_trim_ = 0;  // R: bytes put into cache_ since the last TrimTo
  bool pull_needed_ = false;
  bool work_left_ = false;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
