#include "daemon/syncer/reconstructor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/unique_fd.h"
#include "daemon/scanner/file_hasher.h"
#include "daemon/syncer/delta_bases.h"
#include "daemon/syncer/local_fs.h"
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
  auto abs = SafeTarget(config_, log_, index_, plan.path, stats_.refused);
  if (!abs) return index_.RemovePending(plan.path);  // refused, logged, never written
  const index::FileRow* row = plan.row ? &*plan.row : nullptr;
  if (const Status s = CheckTarget(*abs, row); !s.ok()) {
    // A local change the index has not seen: the next pass records it and reconciles again.
    log_.Info("sync", s.ToString());
    next.Rescan(plan.path);
    return s;
  }
  if (const Status s = MakeParents(config_.root, plan.path); !s.ok()) {
    ++stats_.refused;
    RecordError(log_, index_,
                "cannot create the directories of " + plan.path + ": " + s.ToString());
    return index_.RemovePending(plan.path);
  }
  struct stat st {};
  switch (v.kind) {
    case FileKind::kDir:
      if (::mkdir(abs->c_str(), 0755) != 0 && errno != EEXIST) {
        return common::ErrnoStatus("mkdir " + *abs, errno);
      }
      if (::lstat(abs->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return common::Conflict("not a directory: " + *abs);
      }
      break;
    case FileKind::kSymlink: {
      const std::string tmp = TempPathIn(ParentOf(*abs));
      if (::symlink(v.symlink_target.c_str(), tmp.c_str()) != 0) {
        return common::ErrnoStatus("symlink " + tmp, errno);
      }
      Status s = CheckTarget(*abs, row);
      if (s.ok() && ::rename(tmp.c_str(), abs->c_str()) != 0) {
        s = common::ErrnoStatus("rename " + tmp, errno);
      }
      if (!s.ok()) {
        ::unlink(tmp.c_str());
        return s;
      }
      if (::lstat(abs->c_str(), &st) != 0) return common::ErrnoStatus("lstat " + *abs, errno);
      break;
    }
    case FileKind::kFile: {
      const uint32_t mode = v.executable ? 0755 : 0644;
      TESSERA_RETURN_IF_ERROR(WriteFile(*abs, plan.path, v, mode, row, group, &st));
      break;
    }
    case FileKind::kDeleted:
      return Status::Ok();
  }
  ++stats_.downloaded;
  log_.Info("sync", "downloaded " + plan.path + " (jid " + std::to_string(plan.pending->jid) + ")");
  return RecordWritten(plan, st);
}

Status Reconstructor::WriteFile(const std::string& abs, const std::string& rel,
                                const FileVersion& v, uint32_t mode, const index::FileRow* row,
                                DownloadGroup& group, struct stat* written) {
  const std::string dir = ParentOf(abs);
  const std::string tmp = TempPathIn(dir);
  common::UniqueFd fd(
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return common::ErrnoStatus("create " + tmp, errno);
  // Removes the temp file on every early return; disarmed after the rename.
  struct TempGuard {
    const std::string& path;
    bool armed = true;
    ~TempGuard() {
      if (armed) ::unlink(path.c_str());
    }
  } guard{tmp};

  uint64_t total = 0;
  for (const auto& b : v.blocks) total += b.size;
  if (total != v.size) {
    return common::Corruption(rel + ": blocks add up to " + std::to_string(total) +
                              " bytes, the journal says " + std::to_string(v.size));
  }
  // An edit's unchanged blocks come from the version being replaced, through one descriptor.
  const OldVersion own = row != nullptr && row->local && row->local->kind == FileKind::kFile
                             ? OldVersion::Open(abs, row->local->blocks)
                             : OldVersion();
  TESSERA_RETURN_IF_ERROR(WriteBlocks(fd.get(), tmp, rel, v.blocks, own, group));
  if (::fchmod(fd.get(), mode & 07777) != 0) return common::ErrnoStatus("fchmod " + tmp, errno);
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {static_cast<time_t>(v.mtime_ns / 1'000'000'000),
                                     static_cast<long>(v.mtime_ns % 1'000'000'000)}};
  if (v.mtime_ns > 0 && ::futimens(fd.get(), times) != 0) {
    return common::ErrnoStatus("futimens " + tmp, errno);
  }
  if (::fsync(fd.get()) != 0) return common::ErrnoStatus("fsync " + tmp, errno);
  if (::fstat(fd.get(), written) != 0) return common::ErrnoStatus("fstat " + tmp, errno);
  fd.reset();
  // Only over what the index says is there: anything else is a local edit we must not clobber.
  TESSERA_RETURN_IF_ERROR(CheckTarget(abs, row));
  if (::rename(tmp.c_str(), abs.c_str()) != 0) return common::ErrnoStatus("rename " + tmp, errno);
  guard.armed = false;
  group.SyncLater(dir);  // before the group's rows commit
  return Status::Ok();
}

Status Reconstructor::WriteBlocks(int fd, const std::string& tmp, const std::string& rel,
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
          return common::NotFound("the blockserver has no valid copy of block " +
                                  b.id.ToHex().substr(0, 16));
        }
        got.emplace(b.id, std::move(*b.data));
      }
    }
    // Blocks go out in writes of up to kWriteBytes (a source tree's ~1 KiB blocks would
    // otherwise cost a system call each).
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
        TESSERA_RETURN_IF_ERROR(WriteAll(fd, out, tmp));
        out.clear();
      }
      out.append(data);
      if (!cache_blocks) {
        cache_blocks =
            total <= kMaxCachedFileBytes && total >= kMinCachedFileBytes && LooksLikeText(data);
      }
      if (*cache_blocks) local_blocks_.Keep(blocks[k].id, data);
    }
    TESSERA_RETURN_IF_ERROR(WriteAll(fd, out, tmp));
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
    return common::NotFound("no valid copy of block " + ref.id.ToHex().substr(0, 16));
  }
  return std::move(*got[0].data);
}

Status Reconstructor::RecordWritten(const Plan& plan, const struct stat& st) {
  index::FileRow row;
  if (plan.row) row = *plan.row;
  row.path = plan.path;
  row.base_jid = plan.pending->jid;
  row.base = plan.pending->version;
  row.local = plan.pending->version;
  row.local->mtime_ns = scanner::MtimeNs(st);
  row.stat = index::LocalStat{};
  row.stat.inode = st.st_ino;
  row.stat.mode = static_cast<uint32_t>(st.st_mode & 07777);
  row.stat.mtime_ns = scanner::MtimeNs(st);
  if (row.local->kind == FileKind::kFile) {
    row.stat.size = row.local->size;
    row.stat.hashed_at_ns = row.stat.mtime_ns + 10'000'000'000;  // content known: not in doubt
    row.stat.format = plan.row && !plan.row->stat.format.empty() ? plan.row->stat.format : "binary";
  }
  row.state = index::SyncState::kSynced;
  row.error.clear();
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.Put(row));
    return index_.RemovePending(plan.path);
  });
}

}  // namespace tessera::daemon::syncer
