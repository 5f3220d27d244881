#include "daemon/syncer/sync_engine.h"

#include <algorithm>
#include <unordered_set>

#include "common/path.h"
#include "daemon/syncer/local_fs.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;
using common::wire::FileKind;

Result<std::unique_ptr<SyncEngine>> SyncEngine::Create(
    common::Env& env, index::Index& index, scanner::Scanner& scanner, common::Logger& log,
    common::client::MetaClient& meta, common::client::BlockClient& blocks, SyncConfig config) {
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(config.state_dir + "/trash"));
  TESSERA_ASSIGN_OR_RETURN(auto cache,
                           common::chunker::ChunkCache::Open(env, config.state_dir + "/cache"));
  TESSERA_ASSIGN_OR_RETURN(auto pipe_client, blocks.Clone());
  auto engine = std::unique_ptr<SyncEngine>(new SyncEngine(env, index, scanner, log, meta, blocks,
                                                           std::move(config), std::move(cache),
                                                           std::move(pipe_client)));
  TESSERA_ASSIGN_OR_RETURN(auto ns, index.GetNs(engine->config_.ns));
  engine->cursor_ = ns.cursor;
  return engine;
}

common::client::BlockClientStats SyncEngine::block_stats() const {
  common::client::BlockClientStats sum = blocks_.stats();
  sum += pipe_client_->stats();
  return sum;
}

void SyncEngine::RecordError(const std::string& message) {
  log_.Error("sync", message);
  (void)index_.SetValue("last_error", message);
}

Status SyncEngine::Ping() {
  TESSERA_RETURN_IF_ERROR(blocks_.Has({}).status());
  return meta_.List(cursor_, 1).status();
}

Result<SyncEngine::Plan> SyncEngine::MakePlan(const std::string& path) {
  Plan plan;
  plan.path = path;
  TESSERA_ASSIGN_OR_RETURN(plan.row, index_.Get(path));
  TESSERA_ASSIGN_OR_RETURN(plan.pending, index_.GetPending(path));
  if (plan.pending && plan.row && plan.pending->jid <= plan.row->base_jid) {
    TESSERA_RETURN_IF_ERROR(index_.RemovePending(path));  // already applied
    plan.pending.reset();
  }
  std::optional<FileVersion> base = plan.row ? plan.row->base : std::nullopt;
  std::optional<FileVersion> local = plan.row ? plan.row->local : std::nullopt;
  std::optional<FileVersion> remote = plan.pending ? plan.pending->version : base;
  plan.action = Reconcile(base, local, remote);
  return plan;
}

Status SyncEngine::RecordRemoteAsBase(const Plan& plan) {
  index::FileRow row;
  if (plan.row) row = *plan.row;
  row.path = plan.path;
  if (plan.pending) {
    row.base_jid = plan.pending->jid;
    row.base = plan.pending->version;
  }
  if (row.state != index::SyncState::kError || !plan.pending) row.state = index::SyncState::kSynced;
  row.error.clear();
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.Put(row));
    return plan.pending ? index_.RemovePending(plan.path) : Status::Ok();
  });
}

Status SyncEngine::Process() {
  work_left_ = false;
  for (int pass = 0; pass < config_.passes_per_process; ++pass) {
    TESSERA_RETURN_IF_ERROR(ProcessMoves());  // moves.cc: subtree moves before per-path work
    TESSERA_ASSIGN_OR_RETURN(auto dirty, index_.DirtyPaths(config_.paths_per_pass));
    TESSERA_ASSIGN_OR_RETURN(auto pending, index_.PendingPaths(config_.paths_per_pass));
    std::set<std::string> paths(dirty.begin(), dirty.end());
    paths.insert(pending.begin(), pending.end());
    if (paths.empty()) return Status::Ok();

    std::vector<Plan> downloads, deletes;
    std::vector<UploadItem> uploads;
    size_t done = 0;
    // Planning reads (and may clear) two rows per path: one transaction for all of them.
    TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
      for (const auto& path : paths) {
        TESSERA_ASSIGN_OR_RETURN(Plan plan, MakePlan(path));
        log_.Debug("sync", path + ": " + std::string(SyncActionName(plan.action)));
        switch (plan.action) {
          case SyncAction::kNothing:
          case SyncAction::kRecordSynced:
            TESSERA_RETURN_IF_ERROR(RecordRemoteAsBase(plan));
            ++done;
            break;
          case SyncAction::kUpload:
          case SyncAction::kDeleteRemote:
            if (plan.row && plan.row->state == index::SyncState::kError && !plan.pending) break;
            uploads.push_back(UploadItem{path, plan.parent_jid(),
                                         plan.row ? plan.row->local : std::nullopt,
                                         plan.row ? plan.row->stat : index::LocalStat{}});
            break;
          case SyncAction::kDownload:
          case SyncAction::kConflict:
            downloads.push_back(std::move(plan));
            break;
          case SyncAction::kDeleteLocal:
            deletes.push_back(std::move(plan));
            break;
        }
      }
      return Status::Ok();
    }));

    // Downloads first (in path order: parents before children), so that a file renamed
    // remotely finds its blocks at the old path before that path's delete moves it away.
    Status first_error;
    auto note = [&](const Status& s) {
      if (s.ok()) {
        ++done;
      } else if (first_error.ok() || s.code() == common::Code::kUnavailable) {
        first_error = s;
      }
    };
    // A pipeline: while this group's files are written, the next group's blocks are on the
    // wire. New files come in groups whose missing blocks are fetched in one request, instead
    // of one request per file.
    std::optional<Fetch> next;
    if (!downloads.empty()) {
      TESSERA_ASSIGN_OR_RETURN(auto first, StartFetch(downloads, 0, {}));
      next = std::move(first);
    }
    for (size_t g = 0; g < downloads.size();) {
      Fetch current = std::move(*next);
      next.reset();
      if (current.end < downloads.size()) {
        TESSERA_ASSIGN_OR_RETURN(auto following, StartFetch(downloads, current.end, current.ids));
        next = std::move(following);
      }
      if (const Status s = TakeFetched(current); s.code() == common::Code::kUnavailable) {
        return s;
      }
      // One index transaction per group: each file is already durable (fsynced, renamed, its
      // directory fsynced) before its row is written, and a crash that loses the rows only
      // makes the next round find local == remote and record it again.
      // The directories of the files renamed into place are fsynced once per group, before
      // the group's rows commit (a row never names a rename a crash could undo).
      const Status group = index_.InTransaction([&]() -> Status {
        struct DeferDirSyncs {
          bool& flag;
          explicit DeferDirSyncs(bool& f) : flag(f) { flag = true; }
          ~DeferDirSyncs() { flag = false; }
        } defer(defer_dir_syncs_);
        for (; g < current.end; ++g) {
          const Plan& plan = downloads[g];
          const Status s = plan.action == SyncAction::kConflict ? Conflict(plan) : Download(plan);
          if (s.code() == common::Code::kUnavailable) return s;
          note(s);
        }
        for (const auto& dir : std::exchange(dirs_to_sync_, {})) {
          TESSERA_RETURN_IF_ERROR(SyncDirectory(dir));
        }
        return Status::Ok();
      });
      dirs_to_sync_.clear();
      prefetched_.clear();
      if (!group.ok()) return group;
    }
    if (!uploads.empty()) {
      const size_t before = stats_.uploaded + stats_.deleted_remote;
      const Status s = Upload(std::move(uploads));
      if (s.code() == common::Code::kUnavailable) return s;
      if (!s.ok()) first_error = s;
      done += stats_.uploaded + stats_.deleted_remote - before;
    }
    // Deletes last, children before parents so directories are empty when their turn comes.
    std::sort(deletes.begin(), deletes.end(),
              [](const Plan& a, const Plan& b) { return a.path > b.path; });
    for (const auto& plan : deletes) {
      // A directory whose children's remote entries are still queued (a later round's page)
      // waits for them: deleting it now would find it non-empty and keep it.
      if (plan.row && plan.row->local && plan.row->local->kind == FileKind::kDir) {
        TESSERA_ASSIGN_OR_RETURN(const bool children_pending, index_.HasPendingUnder(plan.path));
        if (children_pending) continue;
      }
      note(DeleteLocal(plan));
    }

    if (!first_error.ok()) log_.Warn("sync", first_error.ToString());
    if (done == 0) return first_error;  // no progress: wait for a rescan, a pull or a retry
    if (pull_needed_) return Status::Ok();
  }
  work_left_ = true;  // bounded per call, so that pulls and scans get their turn
  return Status::Ok();
}

Result<SyncEngine::Fetch> SyncEngine::StartFetch(
    const std::vector<Plan>& downloads, size_t begin,
    const std::unordered_set<common::BlockId>& coming) {
  Fetch fetch;
  std::vector<common::BlockId> ids;
  std::vector<std::optional<common::BlockId>> bases;  // parallel to ids
  // The delta bases' bytes, read here (the pipe's thread must not touch the index or cache).
  auto base_bytes = std::make_shared<std::unordered_map<common::BlockId, std::string>>();
  uint64_t bytes = 0;
  uint64_t held_base_bytes = 0;  // bounded like the request: past it, blocks come whole
  size_t end = begin;
  // One read transaction for the block lookups (a statement alone takes and drops the locks).
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    for (; end < downloads.size(); ++end) {
      const Plan& plan = downloads[end];
      if (plan.action != SyncAction::kDownload || !plan.pending || !plan.pending->version ||
          plan.pending->version->kind != FileKind::kFile) {
        continue;
      }
      // A new file, or an edit of one held here: the blocks of an edit name the blocks they
      // probably replace locally, so the server can answer small deltas.
      const bool edit = plan.row && plan.row->local && plan.row->local->kind == FileKind::kFile;
      const auto& blocks = plan.pending->version->blocks;
      std::vector<common::BlockId> mine;
      std::vector<size_t> mine_at;
      uint64_t mine_bytes = 0;
      // An edit's unchanged blocks are in the version it replaces (WriteBlocks reads them
      // there): no lookups for them.
      std::unordered_set<common::BlockId> own;
      if (edit) {
        for (const auto& r : plan.row->local->blocks) own.insert(r.id);
      }
      for (size_t k = 0; k < blocks.size(); ++k) {
        const auto& b = blocks[k];
        if (own.contains(b.id) || fetch.ids.contains(b.id) || coming.contains(b.id) ||
            cache_->Has(b.id)) {
          continue;
        }
        TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(b.id, 1));
        if (!places.empty()) continue;  // another local file has it (a copy, a rename)
        fetch.ids.insert(b.id);
        mine.push_back(b.id);
        mine_at.push_back(k);
        mine_bytes += b.size;
      }
      if (end > begin && (bytes + mine_bytes > remote::kPipelinedBatchBytes ||
                          ids.size() + mine.size() > common::client::kMaxBatchBlocks)) {
        for (const auto& id : mine) fetch.ids.erase(id);
        break;  // this file starts the next group
      }
      if (mine_bytes > remote::kPipelinedBatchBytes ||
          mine.size() > common::client::kMaxBatchBlocks) {
        for (const auto& id : mine) fetch.ids.erase(id);
        ++end;  // too big for one request: it fetches its own blocks in windows
        break;
      }
      std::vector<std::optional<common::BlockId>> mine_bases(mine.size());
      if (edit && !mine.empty()) {
        mine_bases = DeltaBases(plan.path, blocks, mine_at);
        for (auto& base : mine_bases) {
          if (!base || base_bytes->contains(*base)) continue;
          auto data = held_base_bytes < remote::kPipelinedBatchBytes
                          ? LocalBlock(*base)
                          : Result<std::string>(common::ResourceExhausted("bases held"));
          if (data.ok()) {
            held_base_bytes += data->size();
            base_bytes->emplace(*base, std::move(*data));
          } else {
            base.reset();  // changed under us: fetched whole
          }
        }
      }
      ids.insert(ids.end(), mine.begin(), mine.end());
      bases.insert(bases.end(), mine_bases.begin(), mine_bases.end());
      bytes += mine_bytes;
    }
    return Status::Ok();
  }));
  fetch.end = std::max(end, begin + 1);
  if (!ids.empty()) {
    fetch.refused = std::make_shared<size_t>(0);
    fetch.blocks = pipe_->Submit([ids = std::move(ids), bases = std::move(bases), base_bytes,
                                  refused = fetch.refused](common::client::BlockClient& client) {
      return client.RetrieveBatch(
          ids, bases,
          [&base_bytes](const common::BlockId& id) -> Result<std::string> {
            auto it = base_bytes->find(id);
            if (it == base_bytes->end()) return common::NotFound("no base " + id.ToHex());
            return it->second;
          },
          refused.get());
    });
  }
  return fetch;
}

Status SyncEngine::TakeFetched(Fetch& fetch) {
  prefetched_.clear();
  if (!fetch.blocks) return Status::Ok();
  auto batch = fetch.blocks->get();
  fetch.blocks.reset();
  stats_.refused += *fetch.refused;
  // Anything else (a bad answer) leaves each file to fetch its own blocks.
  if (!batch.ok()) return batch.status();
  for (auto& b : *batch) {
    if (b.data) prefetched_.emplace(b.id, std::move(*b.data));  // verified by the client
  }
  return Status::Ok();
}

std::optional<std::string> SyncEngine::SafePath(const std::string& rel) {
  auto joined = common::SafeJoin(config_.root, rel);
  if (!joined.ok() && joined.status().code() == common::Code::kConflict) {
    // A file here where the path needs a directory (a file/directory clash being resolved):
    // not hostile, and not applicable here as it stands.
    log_.Info("sync", "skipped '" + rel + "': " + joined.status().message());
    return std::nullopt;
  }
  if (!joined.ok()) {
    ++stats_.refused;
    RecordError("refused an unsafe path from the server: '" + rel +
                "': " + joined.status().ToString());
    return std::nullopt;
  }
  const std::string& state = config_.state_dir;
  const std::string name = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  if (*joined == state || joined->starts_with(state + "/") || scanner::Scanner::Ignored(name)) {
    ++stats_.refused;
    RecordError("refused a path from the server that names the daemon's own files: '" + rel + "'");
    return std::nullopt;
  }
  return *joined;
}

}  // namespace tessera::daemon::syncer
