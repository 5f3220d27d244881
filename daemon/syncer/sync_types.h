// daemon/syncer/sync_types.h
//
// What the syncer's components share: the folder's configuration (SyncConfig), the counts
// each component keeps of what it did (RoundStats), one path's plan for a pass (Plan), an item
// to commit (UploadItem), and the one way a component reports an error for `tessera status`
// (RecordError). Values and a free function; thread-safe as values are (the Index is the
// syncer thread's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/log.h"
#include "daemon/index/index.h"
#include "daemon/reconcile/path_plan.h"

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
  // A mass delete (daemon/syncer/delete_guard.h) deletes more than `mass_delete_files` files
  // and more than `mass_delete_percent` percent of the folder's files, in one direction.
  uint64_t mass_delete_files = 100;
  uint32_t mass_delete_percent = 50;
  // The tag of this daemon's temp names (common/temp_name.h): random, kept in the index
  // (SyncEngine::Create makes it), so that only this daemon's own leftovers are removed.
  std::string temp_tag = {};
  // A file deleted here is rebuilt into the trash (Reconstructor::KeepInTrash) up to this size.
  uint64_t trash_deleted_max_bytes = 256u << 20;
  // A commit request holds at most this many items (and at most the server's limit,
  // wire::kMaxCommitItems); smaller batches only in tests.
  size_t commit_batch_items = 500;
  // The most block bytes an upload holds at once, however large its files: the blocks read and
  // not yet acknowledged by the blockserver (the store batch being filled plus the store
  // requests in the pipe; BlockSender, StoreWindow). Batches are a third of it at most
  // (remote::kPipelinedBatchBytes at most), so one is read while two are on the wire. A single
  // block larger than what is left still goes, alone (blocks are at most 16 MiB).
  uint64_t upload_window_bytes = 8ull << 20;
};

struct RoundStats {
  size_t uploaded = 0;
  size_t downloaded = 0;
  size_t deleted_local = 0;
  size_t deleted_remote = 0;
  size_t conflicts = 0;
  size_t refused = 0;  // paths or blocks refused as unsafe or corrupt

  RoundStats& operator+=(const RoundStats& other) {
    uploaded += other.uploaded;
    downloaded += other.downloaded;
    deleted_local += other.deleted_local;
    deleted_remote += other.deleted_remote;
    conflicts += other.conflicts;
    refused += other.refused;
    return *this;
  }
};

// One path as a pass planned it: what the index held (the pending entry without one already
// applied) and the decided step (daemon/reconcile/path_plan.h).
struct Plan {
  std::string path;
  std::optional<index::FileRow> row;
  std::optional<index::PendingEntry> pending;
  SyncAction action = SyncAction::kNothing;
  PathStep step = PathStep::kRecordBase;
  uint64_t parent_jid = 0;  // what an upload names as its parent (PathPlan::parent_jid)
};

// One path to commit: its local version (nullopt: a delete) as hashed, based on `parent_jid`.
struct UploadItem {
  std::string path;
  uint64_t parent_jid = 0;
  std::optional<FileVersion> local;
  index::LocalStat stat;
};

// A download that failed because the blockserver has no valid copy of `ids` (of entry `jid`).
struct MissingBlocks {
  std::string path;
  uint64_t jid = 0;
  std::vector<common::BlockId> ids;
};

// Logs `message` as an error and keeps it as `last_error` for `tessera status`.
inline void RecordError(common::Logger& log, index::Index& index, const std::string& message) {
  log.Error("sync", message);
  (void)index.SetValue("last_error", message);
}

}  // namespace tessera::daemon::syncer
