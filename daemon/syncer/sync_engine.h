// daemon/syncer/sync_engine.h
//
// SyncEngine: one round of sync, made of components that each own their state:
//   Puller         lists the journal after the cursor into the index (puller.h)
//   MoveApplier    subtree moves, sent and applied (move_applier.h)
//   Planner        decides each path's step with the pure rules of daemon/reconcile (planner.h)
//   Prefetcher     fetches a group of downloads' blocks ahead (prefetcher.h)
//   Reconstructor  writes remote versions, verified, over unchanged targets (reconstructor.h)
//   LocalRemover   conflicted copies, room for another kind, remote deletes (local_remover.h)
//   Uploader       commit batches and the blocks they need (uploader.h, block_sender.h)
//   BlockHealer    reports blocks the blockserver lacks, stores again those held here
//                  (block_healer.h)
//   DeleteGuard    holds a mass delete, either way, until `tessera resume` (delete_guard.h)
//   RootGuard      tells the synced folder from an empty one in its place (root_guard.h)
// The engine owns them, the store/retrieve pipe and the local block copies (LocalBlocks) they
// share, and dispatches. Each pass of Process() is observe -> decide -> act: it scans what the
// last pass's actions marked (NextPass), applies moves, plans the dirty and pending paths,
// holds a mass delete, then writes (in groups, path order), uploads, and deletes locally
// (children first). An
// action that finds a path changed marks it for the next pass instead of scanning or
// re-planning itself. Each step is idempotent and recorded in the index before the next, so a
// crash or restart resumes where it stopped. Every file the engine's components touch in the
// sync root goes through the Env beneath a common::RootDir of the root, opened afresh at the
// start of each pass (a root replaced since is seen as it is now).
// Not thread-safe: owned by the syncer thread, together with the Index and the clients.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/client/block_client.h"
#include "common/client/meta_client.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_pipe.h"
#include "daemon/scanner/scanner.h"
#include "daemon/syncer/block_healer.h"
#include "daemon/syncer/delete_guard.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/local_remover.h"
#include "daemon/syncer/move_applier.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/planner.h"
#include "daemon/syncer/prefetcher.h"
#include "daemon/syncer/puller.h"
#include "daemon/syncer/reconstructor.h"
#include "daemon/syncer/root_guard.h"
#include "daemon/syncer/sync_types.h"
#include "daemon/syncer/uploader.h"

namespace tessera::daemon::syncer {

class SyncEngine {
 public:
  // Everything passed by reference must outlive the engine. Creates <state>/trash and opens
  // the chunk cache in <state>/cache; IOError when it cannot.
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

  bool pull_needed() const { return next_.pull_needed(); }
  // Whether the last Process() stopped with dirty or pending paths left (its per-call bound):
  // the syncer runs another round at once instead of waiting for an event.
  bool work_left() const { return work_left_; }
  // The journal position applied (the index's, as of the last Pull() or Process()).
  uint64_t cursor() const { return cursor_; }
  // What the components did since the engine was made.
  RoundStats stats() const;
  // What went to and from the blockserver, over both clients (the syncer thread's and the
  // pipe's). Call between rounds, from the syncer thread.
  common::client::BlockClientStats block_stats() const;
  // Blocks stored again for other desktops (BlockHealer).
  uint64_t healed() const { return healer_.healed(); }
  // Steps that failed in the last pass (a full disk, an I/O error; not races with local edits).
  uint64_t failing() const { return failing_ == UINT64_MAX ? 0 : failing_; }
  // The first of those failures (OK when none failed).
  const common::Status& failure() const { return failure_; }
  // Records an error for `tessera status` (last_error) and logs it.
  void RecordError(const std::string& message);
  // Whether the sync root is the folder synced before (RootGuard::Check): "" when it is, else
  // why sync is paused. Call before each round's scan.
  common::Result<std::string> CheckRoot() { return root_guard_.Check(); }
  // `tessera resume --start-over` (RootGuard::StartOver). The caller then scans all and pulls.
  common::Status StartOver() { return root_guard_.StartOver(); }
  // How many deletes are held (DeleteGuard): the syncer looks for a yes now and then.
  common::Result<uint64_t> held_deletes() { return index_.HeldCount(); }

 private:
  SyncEngine(common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
             common::client::MetaClient& meta, common::client::BlockClient& blocks,
             SyncConfig config, std::unique_ptr<LocalBlocks> local_blocks,
             std::unique_ptr<common::client::BlockClient> pipe_client);

  struct PassOutcome {
    bool nothing_left = false;   // no dirty or pending path was left to plan
    size_t done = 0;             // steps that went through
    size_t failed = 0;           // steps that failed (not a race with a local edit: kConflict)
    common::Status first_error;  // of the steps that did not (Unavailable wins)
  };
  // One pass over at most paths_per_pass dirty and pending paths. An error (Unavailable from
  // a server, anything from the index or the scanner) ends the pass at once.
  common::Result<PassOutcome> Pass();
  // A file deleted here, as last synced (for its copy in the trash).
  struct DeletedFile {
    std::string path;
    uint64_t base_jid = 0;
    FileVersion version;
  };
  // The files `uploads` deletes that were synced, but not those renamed (the same content is
  // uploaded at another path).
  common::Result<std::vector<DeletedFile>> DeletedFiles(const std::vector<UploadItem>& uploads);
  // After the upload: a copy of each of `deleted` whose delete went out, in the trash
  // (Reconstructor::KeepInTrash). A copy that cannot be made is logged (the delete stands);
  // errors are the index's.
  common::Status KeepDeletedInTrash(const std::vector<DeletedFile>& deleted);
  // Keeps `failed` (of the last pass) as the status value "failing", when it changed.
  common::Status RecordFailing(uint64_t failed);
  // The writes of a pass in groups: while one group's files are written (one index transaction
  // each), the next group's blocks are on the wire. `note` gets each step's status.
  common::Status WriteInGroups(const std::vector<Plan>& writes,
                               const std::function<void(const common::Status&)>& note);
  // Refreshes cursor_ from the index.
  void ReadCursor();

  common::Env& env_;
  index::Index& index_;
  scanner::Scanner& scanner_;
  common::Logger& log_;
  common::client::MetaClient& meta_;
  common::client::BlockClient& blocks_;
  const SyncConfig config_;   // before the components, which hold references to it
  common::RootDir root_dir_;  // the sync root, reopened by each Pass(); the components' too
  // The store and retrieve stage: its own client, used only by the pipe's thread.
  std::unique_ptr<common::client::BlockClient> pipe_client_;
  std::unique_ptr<remote::BlockPipe> pipe_;  // after pipe_client_: stops first
  std::unique_ptr<LocalBlocks> local_blocks_;
  Puller puller_;
  MoveApplier moves_;
  Planner planner_;
  Prefetcher prefetcher_;
  Reconstructor reconstructor_;
  LocalRemover remover_;
  Uploader uploader_;
  BlockHealer healer_;
  DeleteGuard delete_guard_;
  RootGuard root_guard_;
  NextPass next_;
  uint64_t cursor_ = 0;
  bool work_left_ = false;
  uint64_t failing_ = UINT64_MAX;  // as last recorded (the first pass always records it)
  common::Status failure_;         // the last pass's first failed step
};

}  // namespace tessera::daemon::syncer
