#include "daemon/syncer/sync_engine.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/random_hex.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;

namespace {
constexpr std::string_view kTempTagKey = "temp_tag";  // index meta: SyncConfig::temp_tag
}  // namespace

Result<std::unique_ptr<SyncEngine>> SyncEngine::Create(
    common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
    common::client::MetaClient& meta, common::client::BlockClient& blocks, SyncConfig config) {
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(config.state_dir + "/trash"));
  if (config.temp_tag.empty()) {
    TESSERA_ASSIGN_OR_RETURN(auto tag, index.GetMeta(std::string(kTempTagKey)));
    if (!tag) {
      tag = common::RandomHex(4);
      TESSERA_RETURN_IF_ERROR(index.SetMeta(std::string(kTempTagKey), *tag));
    }
    config.temp_tag = *tag;
  }
  scanner.SetTempTag(config.temp_tag);
  TESSERA_ASSIGN_OR_RETURN(auto local_blocks, LocalBlocks::Open(env, index, log, config.root,
                                                                config.state_dir + "/cache"));
  TESSERA_ASSIGN_OR_RETURN(auto pipe_client, blocks.Clone());
  auto engine = std::unique_ptr<SyncEngine>(
      new SyncEngine(env, index, scanner, log, meta, blocks, std::move(config),
                     std::move(local_blocks), std::move(pipe_client)));
  TESSERA_ASSIGN_OR_RETURN(auto ns, index.GetNs(engine->config_.ns));
  engine->cursor_ = ns.cursor;
  return engine;
}

SyncEngine::SyncEngine(common::Env& env, index::Index& index, scanner::Scanner& scanner,
                       common::Logger& log, common::client::MetaClient& meta,
                       common::client::BlockClient& blocks, SyncConfig config,
                       std::unique_ptr<LocalBlocks> local_blocks,
                       std::unique_ptr<common::client::BlockClient> pipe_client)
    : env_(env),
      index_(index),
      scanner_(scanner),
      log_(log),
      meta_(meta),
      blocks_(blocks),
      config_(std::move(config)),
      pipe_client_(std::move(pipe_client)),
      pipe_(std::make_unique<remote::BlockPipe>(*pipe_client_)),
      local_blocks_(std::move(local_blocks)),
      puller_(index, meta, log, config_),
      moves_(env, root_dir_, index, meta, log, config_),
      planner_(index, log),
      prefetcher_(index, *local_blocks_, *pipe_),
      reconstructor_(env, root_dir_, index, blocks, *local_blocks_, log, config_),
      remover_(env, root_dir_, index, log, config_),
      uploader_(env, index, meta, *pipe_, *local_blocks_, log, config_),
      healer_(meta, blocks, *local_blocks_, log),
      delete_guard_(index, log, config_),
      root_guard_(env, index, log, config_.root, config_.state_dir, config_.ns, config_.temp_tag) {}

RoundStats SyncEngine::stats() const {
  RoundStats sum;
  sum += moves_.stats();
  sum += prefetcher_.stats();
  sum += reconstructor_.stats();
  sum += remover_.stats();
  sum += uploader_.stats();
  return sum;
}

common::client::BlockClientStats SyncEngine::block_stats() const {
  common::client::BlockClientStats sum = blocks_.stats();
  sum += pipe_client_->stats();
  return sum;
}

void SyncEngine::RecordError(const std::string& message) {
  syncer::RecordError(log_, index_, message);
}

Status SyncEngine::Ping() {
  TESSERA_RETURN_IF_ERROR(blocks_.Has({}).status());
  return meta_.List(cursor_, 1).status();
}

void SyncEngine::ReadCursor() {
  if (auto ns = index_.GetNs(config_.ns); ns.ok()) cursor_ = ns->cursor;
}

Status SyncEngine::Pull() {
  next_.Pulled();
  const Status s = puller_.Pull();
  ReadCursor();  // pages stored before a failure stay stored
  if (!s.ok()) return s;
  // Blocks other desktops could not download: stored again from here where a copy is.
  if (const Status healed = healer_.Heal(puller_.TakeWanted()); !healed.ok()) {
    if (healed.code() == common::Code::kUnavailable) return healed;
    log_.Warn("sync", "storing lost blocks again: " + healed.ToString());
  }
  return Status::Ok();
}

Status SyncEngine::Process() {
  work_left_ = false;
  // A pass that did nothing but left paths to scan gets one more pass (which scans them
  // first); a second such pass in a row waits for the next call (a round, a rescan, an event).
  bool idle_before = false;
  for (int pass = 0; pass < config_.passes_per_process; ++pass) {
    auto outcome = Pass();
    ReadCursor();
    if (outcome.ok()) {
      failure_ = outcome->failed > 0 ? outcome->first_error : Status::Ok();
      TESSERA_RETURN_IF_ERROR(RecordFailing(outcome->failed));
    }
    // Downloads that failed for want of a block: the metaserver asks other desktops for it.
    TESSERA_RETURN_IF_ERROR(healer_.Report(reconstructor_.TakeMissing()));
    if (!outcome.ok()) return outcome.status();
    if (outcome->nothing_left) return Status::Ok();
    if (!outcome->first_error.ok()) log_.Warn("sync", outcome->first_error.ToString());
    if (outcome->done == 0) {
      if (next_.has_rescans() && !idle_before) {
        idle_before = true;
        continue;
      }
      return outcome->first_error;  // no progress: wait for a rescan, a pull or a retry
    }
    idle_before = false;
    if (next_.pull_needed()) return Status::Ok();
  }
  work_left_ = true;  // bounded per call, so that pulls and scans get their turn
  return Status::Ok();
}

Status SyncEngine::RecordFailing(uint64_t failed) {
  if (failed == failing_) return Status::Ok();
  failing_ = failed;
  return index_.SetValue("failing", std::to_string(failed));
}

Result<SyncEngine::PassOutcome> SyncEngine::Pass() {
  PassOutcome out;
  // The sync root as it is now, for every component's file-system steps.
  TESSERA_ASSIGN_OR_RETURN(root_dir_, env_.OpenRoot(config_.root));
  // Observe: what the last pass's actions found changed or changed themselves.
  if (next_.has_rescans()) {
    TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths(next_.TakeRescans()).status());
  }
  TESSERA_RETURN_IF_ERROR(moves_.ProcessMoves(next_));  // subtree moves before per-path work
  TESSERA_ASSIGN_OR_RETURN(auto dirty, index_.DirtyPaths(config_.paths_per_pass));
  TESSERA_ASSIGN_OR_RETURN(auto pending, index_.PendingPaths(config_.paths_per_pass));
  std::set<std::string> paths(dirty.begin(), dirty.end());
  paths.insert(pending.begin(), pending.end());
  if (paths.empty()) {
    // Held deletes are weighed again all the same: files put back may have ended the mass
    // delete, and the rest then goes.
    PassPlan none;
    uint64_t released = 0;
    TESSERA_RETURN_IF_ERROR(delete_guard_.Filter(none, released));
    out.done = released;
    out.nothing_left = released == 0;
    return out;
  }
  // Decide.
  TESSERA_ASSIGN_OR_RETURN(PassPlan plan, planner_.PlanPass(paths));
  out.done = plan.recorded;
  // A mass delete waits for a yes (`tessera resume`); held deletes let go count as progress.
  uint64_t released = 0;
  TESSERA_RETURN_IF_ERROR(delete_guard_.Filter(plan, released));
  out.done += released;
  auto note = [&](const Status& s) {
    if (s.ok()) {
      ++out.done;
    } else if (s.code() == common::Code::kConflict) {
      // A race with a local edit, not a failure: the path was marked for a rescan and the
      // next pass reconciles it again.
      log_.Info("sync", s.message() + "; looking again");
    } else {
      ++out.failed;
      if (out.first_error.ok() || s.code() == common::Code::kUnavailable) out.first_error = s;
    }
  };

  // Act. Writes first (in path order: parents before children), so that a file renamed
  // remotely finds its blocks at the old path before that path's delete moves it away.
  TESSERA_RETURN_IF_ERROR(WriteInGroups(plan.writes, note));
  if (!plan.uploads.empty()) {
    TESSERA_ASSIGN_OR_RETURN(auto deleted, DeletedFiles(plan.uploads));
    const RoundStats before = uploader_.stats();
    const Status s = uploader_.Upload(std::move(plan.uploads), next_);
    if (s.code() == common::Code::kUnavailable) return s;
    if (!s.ok()) out.first_error = s;
    const RoundStats& after = uploader_.stats();
    out.done += after.uploaded + after.deleted_remote - before.uploaded - before.deleted_remote;
    TESSERA_RETURN_IF_ERROR(KeepDeletedInTrash(deleted));
  }
  // Deletes last, children before parents so directories are empty when their turn comes.
  std::sort(plan.deletes.begin(), plan.deletes.end(),
            [](const Plan& a, const Plan& b) { return a.path > b.path; });
  for (const auto& p : plan.deletes) {
    if (p.row && p.row->local && p.row->local->kind == common::wire::FileKind::kDir) {
      TESSERA_ASSIGN_OR_RETURN(const bool children_pending, index_.HasPendingUnder(p.path));
      if (LocalDeleteWaits(*p.row, children_pending)) continue;
    }
    note(remover_.DeleteLocal(p, next_));
  }
  return out;
}

Result<std::vector<SyncEngine::DeletedFile>> SyncEngine::DeletedFiles(
    const std::vector<UploadItem>& uploads) {
  // A file renamed here is a delete and an add of the same content: nothing is lost. The
  // files added, by size, so each delete compares only with those of its size.
  std::unordered_multimap<uint64_t, const FileVersion*> added;
  for (const UploadItem& u : uploads) {
    if (u.local && u.local->kind == common::wire::FileKind::kFile)
      added.emplace(u.local->size, &*u.local);
  }
  std::vector<DeletedFile> out;
  for (const UploadItem& item : uploads) {
    if (item.local) continue;
    TESSERA_ASSIGN_OR_RETURN(auto row, index_.Get(item.path));
    if (!row || !row->base || row->base->kind != common::wire::FileKind::kFile) continue;
    const auto [first, last] = added.equal_range(row->base->size);
    const bool renamed =
        std::any_of(first, last, [&](const auto& a) { return a.second->SameContent(*row->base); });
    if (!renamed) out.push_back(DeletedFile{item.path, row->base_jid, *row->base});
  }
  return out;
}

Status SyncEngine::KeepDeletedInTrash(const std::vector<DeletedFile>& deleted) {
  for (const DeletedFile& d : deleted) {
    TESSERA_ASSIGN_OR_RETURN(auto row, index_.Get(d.path));
    // Only a delete that went out (the row's base is now its tombstone).
    if (row && (row->base || row->base_jid == d.base_jid)) continue;
    const Status kept = reconstructor_.KeepInTrash(d.path, d.version);
    if (!kept.ok()) {
      log_.Warn("sync",
                d.path + ": deleted here; no copy could be kept in the trash: " + kept.ToString());
    }
  }
  return Status::Ok();
}

Status SyncEngine::WriteInGroups(const std::vector<Plan>& writes,
                                 const std::function<void(const Status&)>& note) {
  // A pipeline: while this group's files are written, the next group's blocks are on the
  // wire. New files come in groups whose missing blocks are fetched in one request, instead
  // of one request per file.
  std::optional<Prefetcher::Fetch> next_fetch;
  if (!writes.empty()) {
    TESSERA_ASSIGN_OR_RETURN(auto first, prefetcher_.Start(writes, 0, {}));
    next_fetch = std::move(first);
  }
  for (size_t g = 0; g < writes.size();) {
    Prefetcher::Fetch current = std::move(*next_fetch);
    next_fetch.reset();
    if (current.end < writes.size()) {
      TESSERA_ASSIGN_OR_RETURN(auto following, prefetcher_.Start(writes, current.end, current.ids));
      next_fetch = std::move(following);
    }
    DownloadGroup group;
    // Anything but Unavailable (a bad answer) leaves each file to fetch its own blocks.
    if (const Status s = prefetcher_.Receive(current, group);
        s.code() == common::Code::kUnavailable) {
      return s;
    }
    // One index transaction per group: each file is already durable (fsynced, renamed, its
    // directory fsynced) before its row is written, and a crash that loses the rows only
    // makes the next round find local == remote and record it again.
    // The directories of the files renamed into place are fsynced once per group, before
    // the group's rows commit (a row never names a rename a crash could undo).
    TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
      for (; g < current.end; ++g) {
        const Plan& plan = writes[g];
        Status s;
        switch (plan.step) {
          case PathStep::kWrite:
            s = reconstructor_.Write(plan, group, next_);
            break;
          case PathStep::kMakeRoom: {
            // A directory replaced remotely (by a file or a symlink) makes room once the
            // deletes under it are applied (this pass's deletes come after the writes): until
            // then it is not empty, and would become a conflicted copy.
            if (plan.row && plan.row->local &&
                plan.row->local->kind == common::wire::FileKind::kDir) {
              TESSERA_ASSIGN_OR_RETURN(const bool children_pending,
                                       index_.HasPendingUnder(plan.path));
              if (LocalDeleteWaits(*plan.row, children_pending)) continue;
            }
            s = remover_.MakeRoom(plan, next_);
            break;
          }
          case PathStep::kMoveAside:
            s = remover_.MoveAside(plan, next_);
            break;
          default:
            break;  // not a write (the planner never puts one here)
        }
        if (s.code() == common::Code::kUnavailable) return s;
        note(s);
      }
      return group.SyncDirectories(env_, root_dir_);
    }));
  }
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
