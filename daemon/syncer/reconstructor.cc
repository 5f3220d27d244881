#include "daemon/syncer/reconstructor.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/sparse_append.h"
#include "common/temp_file.h"
#include "common/temp_name.h"
#include "common/wire/journal_messages.h"
#include "daemon/syncer/delta_bases.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/name_clash.h"
#include "daemon/syncer/safe_target.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::BlockRef;
using common::wire::FileKind;

namespace {

// Text files up to this size keep their blocks in the chunk cache (as delta bases for later).
constexpr uint64_t kMaxCachedFileBytes = 64ull << 20;
// Smaller files are not cached on download: one cache file per block is too dear for a tree of
// small files (their later edits are sent whole or against the server's copy instead).
constexpr uint64_t kMinCachedFileBytes = 1ull << 20;
constexpr size_t kWriteBytes = 1 << 20;  // at most this much is gathered for one write

bool LooksLikeText(std::string_view data) {
  return data.substr(0, 8000).find('\0') == std::string_view::npos;
}

}  // namespace

Status Reconstructor::Write(const Plan& plan, DownloadGroup& group, NextPass& next) {
  if (!plan.pending || !plan.pending->version) return Status::Ok();
  const FileVersion& v = *plan.pending->version;
  auto target = SafeTarget(env_, root_, config_, log_, index_, plan.path, stats_.refused);
  if (!target) return index_.RemovePending(plan.path);  // refused, logged, never written
  // On a folding file system the path may name another one's file: failing (looked at again
  // until one of them is renamed), never written over it.
  TESSERA_RETURN_IF_ERROR(CheckNameClash(env_, root_, index_, plan.path));
  const index::FileRow* row = plan.row ? &*plan.row : nullptr;
  if (const Status s = CheckTarget(env_, *target, row); !s.ok()) {
    // A local change the index has not seen: the next pass records it and reconciles again.
    log_.Info("sync", s.ToString());
    next.Rescan(plan.path);
    return s;
  }
  if (const Status s = MakeParents(env_, root_, plan.path); !s.ok()) {
    if (s.code() != common::Code::kInvalidArgument) return s;  // the file system's: retried
    ++stats_.refused;
    RecordError(log_, index_,
                "cannot create the directories of " + plan.path + ": " + s.ToString());
    return index_.RemovePending(plan.path);
  }
  const std::string dir = ParentOf(plan.path);
  common::FileStat st;
  switch (v.kind) {
    case FileKind::kDir: {
      const Status made = env_.Mkdir(*target, 0755);
      if (!made.ok() && made.code() != common::Code::kConflict) return made;
      auto got = env_.Lstat(*target);
      if (!got.ok() || got->type != common::FileType::kDir) {
        return common::Conflict("not a directory: " + target->ToString());
      }
      st = *got;
      group.SyncLater(dir);  // its entry, before the row commits
      break;
    }
    case FileKind::kSymlink: {
      const common::PathAt tmp(root_, common::TempPathIn(dir, config_.temp_tag));
      TESSERA_RETURN_IF_ERROR(env_.Symlink(v.symlink_target, tmp));
      Status s = CheckTarget(env_, *target, row);
      if (s.ok()) s = env_.RenameAt(tmp, *target, common::RenameMode::kReplace);
      if (!s.ok()) {
        (void)env_.RemoveFileAt(tmp);  // best effort: only our temp symlink
        return s;
      }
      group.SyncLater(dir);
      TESSERA_ASSIGN_OR_RETURN(st, env_.Lstat(*target));
      break;
    }
    case FileKind::kFile: {
      const uint32_t mode = v.executable ? 0755 : 0644;
      missing_ids_.clear();
      if (Status s = WriteFile(*target, plan.path, v, mode, row, group, &st); !s.ok()) {
        if (s.code() == common::Code::kNotFound && !missing_ids_.empty()) {
          missing_.push_back(
              MissingBlocks{plan.path, plan.pending->jid, std::exchange(missing_ids_, {})});
          const std::string message = "cannot download " + plan.path + ": " + s.message();
          RecordError(log_, index_, message);  // named in `tessera status` until it is healed
          return common::NotFound(message);
        }
        return s;
      }
      break;
    }
    case FileKind::kDeleted:
      return Status::Ok();
  }
  ++stats_.downloaded;
  log_.Info("sync", "downloaded " + plan.path + " (jid " + std::to_string(plan.pending->jid) + ")");
  return RecordWritten(plan, st);
}

Status Reconstructor::WriteFile(const common::PathAt& target, const std::string& rel,
                                const FileVersion& v, uint32_t mode, const index::FileRow* row,
                                DownloadGroup& group, common::FileStat* written) {
  uint64_t total = 0;
  for (const auto& b : v.blocks) total += b.size;
  if (total != v.size) {
    return common::Corruption(rel + ": blocks add up to " + std::to_string(total) +
                              " bytes, the journal says " + std::to_string(v.size));
  }
  // Removed again on every early return (the TempFile's destructor).
  TESSERA_ASSIGN_OR_RETURN(common::TempFile tmp,
                           common::TempFile::Create(env_, target, 0600, config_.temp_tag));
  // An edit's unchanged blocks come from the version being replaced, through one open file.
  const OldVersion own = row != nullptr && row->local && row->local->kind == FileKind::kFile
                             ? OldVersion::Open(env_, target, row->local->blocks)
                             : OldVersion();
  TESSERA_RETURN_IF_ERROR(WriteBlocks(tmp.file(), rel, v.blocks, own, group));
  TESSERA_RETURN_IF_ERROR(tmp.file().Chmod(mode & 07777));
  if (v.mtime_ns > 0) TESSERA_RETURN_IF_ERROR(tmp.file().SetMtime(v.mtime_ns));
  TESSERA_ASSIGN_OR_RETURN(*written, tmp.file().Stat());
  common::PublishOptions publish;
  // Only over what the index says is there: anything else is a local edit we must not clobber.
  publish.precondition = [&] { return CheckTarget(env_, target, row); };
  publish.sync_dir = false;  // the group fsyncs the directory once, before its rows commit
  TESSERA_RETURN_IF_ERROR(tmp.Publish(publish));
  group.SyncLater(ParentOf(rel));
  // The rename moved the file's ctime: take the new one when the file there is still the one
  // written (same inode, size and mtime), else leave it unknown (0), so the next look hashes
  // the file again rather than trust it. (An edit in the moment between the rename and this
  // lstat that keeps size and mtime is not told apart.)
  written->ctime_ns = 0;
  if (auto now = env_.Lstat(target); now.ok() && now->type == common::FileType::kFile &&
                                     now->inode == written->inode && now->size == written->size &&
                                     now->mtime_ns == written->mtime_ns) {
    written->ctime_ns = now->ctime_ns;
    written->nlink = now->nlink;
  }
  return Status::Ok();
}

Status Reconstructor::WriteBlocks(common::WritableFile& file, const std::string& rel,
                                  const std::vector<BlockRef>& blocks, const OldVersion& own,
                                  const DownloadGroup& group) {
  // Walks the file in windows of bounded bytes: blocks already on disk (the chunk cache, or any
  // local file holding them, e.g. the old version or the source of a rename) are read and
  // verified; the rest of the window is retrieved in one batch, naming for each the block it
  // replaces locally so the server can answer a delta. Memory: one window.
  uint64_t total = 0;
  for (const auto& b : blocks) total += b.size;
  std::optional<bool> cache_blocks;  // decided on the first block: a text file, not too big
  size_t i = 0;
  while (i < blocks.size()) {
    const size_t begin = i;
    uint64_t bytes = 0;
    std::vector<common::BlockId> fetch;
    std::vector<size_t> fetch_at;
    std::unordered_set<common::BlockId> in_window;
    while (i < blocks.size() && i - begin < common::client::kMaxBatchBlocks &&
           (i == begin || bytes + blocks[i].size <= common::client::kMaxBatchBytes)) {
      const BlockRef& b = blocks[i++];
      bytes += b.size;
      if (!in_window.insert(b.id).second || group.Prefetched(b.id) != nullptr || own.Holds(b.id) ||
          local_blocks_.Cached(b.id)) {
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(b.id, 1));
      if (places.empty()) {
        fetch.push_back(b.id);
        fetch_at.push_back(i - 1);
      }
    }
    std::unordered_map<common::BlockId, std::string> got;
    if (!fetch.empty()) {
      size_t refused = 0;
      TESSERA_ASSIGN_OR_RETURN(
          auto batch,
          blocks_.RetrieveBatch(
              fetch, DeltaBases(index_, rel, blocks, fetch_at),
              [this](const common::BlockId& id) { return local_blocks_.Get(id); }, &refused));
      stats_.refused += refused;
      for (auto& b : batch) {
        if (!b.data) {
          if (missing_ids_.size() < common::wire::kMaxWantedIds) missing_ids_.push_back(b.id);
        } else {
          got.emplace(b.id, std::move(*b.data));
        }
      }
      if (!missing_ids_.empty()) {
        return common::NotFound("the blockserver has no valid copy of " +
                                std::to_string(missing_ids_.size()) + " of its blocks (" +
                                missing_ids_[0].ToHex().substr(0, 16) + "...)");
      }
    }
    // Blocks go out in writes of up to kWriteBytes (a source tree's ~1 KiB blocks would
    // otherwise cost a system call each); runs of zeros become holes (common/sparse_append.h),
    // so a sparse file stays sparse here.
    std::string out;
    out.reserve(std::min<uint64_t>(bytes, kWriteBytes));
    for (size_t k = begin; k < i; ++k) {
      std::string local;
      std::string_view data;
      auto it = got.find(blocks[k].id);
      const std::string* pre = group.Prefetched(blocks[k].id);
      if (it != got.end()) {
        data = it->second;
      } else if (pre != nullptr) {
        data = *pre;  // retrieved for the whole download group
      } else if (auto old = own.Read(blocks[k].id)) {
        local = std::move(*old);
        data = local;
      } else {
        TESSERA_ASSIGN_OR_RETURN(local, BlockBytes(blocks[k]));
        data = local;
      }
      if (out.size() + data.size() > kWriteBytes && !out.empty()) {
        TESSERA_RETURN_IF_ERROR(common::AppendSparse(file, out));
        out.clear();
      }
      out.append(data);
      if (!cache_blocks) {
        cache_blocks =
            total <= kMaxCachedFileBytes && total >= kMinCachedFileBytes && LooksLikeText(data);
      }
      if (*cache_blocks) local_blocks_.Keep(blocks[k].id, data);
    }
    if (!out.empty()) TESSERA_RETURN_IF_ERROR(common::AppendSparse(file, out));
  }
  return Status::Ok();
}

common::Result<std::string> Reconstructor::BlockBytes(const BlockRef& ref) {
  auto local = local_blocks_.Get(ref.id);
  if (local.ok() || local.status().code() != common::Code::kNotFound) return local;
  // The local copies changed under us: fetch this one block.
  size_t refused = 0;
  TESSERA_ASSIGN_OR_RETURN(auto got, blocks_.RetrieveBatch({ref.id}, &refused));
  stats_.refused += refused;
  if (got.empty() || !got[0].data) {
    if (missing_ids_.size() < common::wire::kMaxWantedIds) missing_ids_.push_back(ref.id);
    return common::NotFound("no valid copy of block " + ref.id.ToHex().substr(0, 16));
  }
  return std::move(*got[0].data);
}

Status Reconstructor::RecordWritten(const Plan& plan, const common::FileStat& st) {
  index::FileRow row;
  if (plan.row) row = *plan.row;
  row.path = plan.path;
  row.base_jid = plan.pending->jid;
  row.base = plan.pending->version;
  row.local = plan.pending->version;
  row.local->mtime_ns = st.mtime_ns;
  row.stat = index::LocalStat{};
  row.stat.inode = st.inode;
  row.stat.mode = st.mode;
  row.stat.mtime_ns = st.mtime_ns;
  row.stat.ctime_ns = st.ctime_ns;
  row.stat.nlink = st.nlink;
  if (row.local->kind == FileKind::kFile) {
    row.stat.size = row.local->size;
    // Content known: not in doubt (daemon/scanner/scanner.h).
    row.stat.hashed_at_ns = std::max(st.mtime_ns, st.ctime_ns) + 10'000'000'000;
    row.stat.format = plan.row && !plan.row->stat.format.empty() ? plan.row->stat.format : "binary";
  }
  row.state = index::SyncState::kSynced;
  row.error.clear();
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.Put(row));
    return index_.RemovePending(plan.path);
  });
}

Status Reconstructor::KeepInTrash(const std::string& rel, const FileVersion& v) {
  if (v.kind != FileKind::kFile) return Status::Ok();
  if (v.size > config_.trash_deleted_max_bytes) {
    log_.Info("sync", rel + ": deleted here, not kept in the trash (" + std::to_string(v.size) +
                          " bytes, over " + std::to_string(config_.trash_deleted_max_bytes) + ")");
    return Status::Ok();
  }
  const std::string trash_dir = config_.state_dir + "/trash";
  const std::string tmp = trash_dir + "/" + common::TempFileName(config_.temp_tag);
  Status s;
  {
    TESSERA_ASSIGN_OR_RETURN(auto file, env_.CreateExclusive(tmp, v.executable ? 0700 : 0600));
    s = WriteBlocks(*file, rel, v.blocks, OldVersion(), DownloadGroup());
    if (s.ok() && v.mtime_ns > 0) s = file->SetMtime(v.mtime_ns);
    if (s.ok()) s = file->Sync();
    const Status closed = file->Close();
    if (s.ok()) s = closed;
  }
  if (s.ok()) {
    auto where = MoveToTrash(env_, tmp, trash_dir, DateString(env_.Now()), rel);
    s = where.status();
    if (s.ok()) log_.Info("sync", "deleted " + rel + " here; a copy is in the trash: " + *where);
  }
  if (!s.ok()) (void)env_.RemoveFileAt(tmp);  // only our temp file
  return s;
}

}  // namespace tessera::daemon::syncer
