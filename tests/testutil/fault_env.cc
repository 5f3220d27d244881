#include "tests/testutil/fault_env.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace tessera::testutil {

using common::MutexLock;
using common::PathAt;
using common::Result;
using common::Status;

namespace {

// The bookkeeping key of a path: as written, without trailing slashes.
std::string Key(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}
std::string Key(const PathAt& p) { return Key(p.ToString()); }

std::string DirOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool AtOrUnder(const std::string& path, const std::string& dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

class FaultWritableFile final : public common::WritableFile {
 public:
  FaultWritableFile(FaultEnv& env, std::string key, std::unique_ptr<common::WritableFile> base)
      : env_(env), key_(std::move(key)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    Status s = env_.MaybeFail(FaultEnv::kWrite, "append " + key_, true);
    if (!s.ok()) {
      if (s.code() == common::Code::kIOError) {
        (void)base_->Append(data.substr(0, data.size() / 2));  // torn write
        env_.RecordAppend(key_, base_->Size());
      }
      return s;
    }
    s = base_->Append(data);
    env_.RecordAppend(key_, base_->Size());
    return s;
  }
  Status AppendHole(uint64_t n) override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kWrite, "hole " + key_, true));
    Status s = base_->AppendHole(n);
    env_.RecordAppend(key_, base_->Size());
    return s;
  }
  Status Sync() override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kSync, "fsync " + key_, false));
    TESSERA_RETURN_IF_ERROR(base_->Sync());
    env_.RecordSync(key_, base_->Size());
    return Status::Ok();
  }
  Status Close() override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kClose, "close " + key_, false));
    return base_->Close();
  }
  uint64_t Size() const override { return base_->Size(); }
  Status Chmod(uint32_t mode) override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kSetAttr, "fchmod " + key_, false));
    return base_->Chmod(mode);
  }
  Status SetMtime(int64_t mtime_ns) override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kSetAttr, "futimens " + key_, false));
    return base_->SetMtime(mtime_ns);
  }
  Result<common::FileStat> Stat() const override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kStat, "fstat " + key_, false));
    return base_->Stat();
  }

 private:
  FaultEnv& env_;
  std::string key_;
  std::unique_ptr<common::WritableFile> base_;
};

class FaultRandomAccessFile final : public common::RandomAccessFile {
 public:
  FaultRandomAccessFile(FaultEnv& env, std::string key,
                        std::unique_ptr<common::RandomAccessFile> base)
      : env_(env), key_(std::move(key)), base_(std::move(base)) {}

  Result<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail(FaultEnv::kRead, "pread " + key_, false));
    return base_->Read(offset, n, scratch);
  }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultEnv& env_;
  std::string key_;
  std::unique_ptr<common::RandomAccessFile> base_;
};

Result<std::unique_ptr<common::RandomAccessFile>> WrapReader(
    FaultEnv& env, const std::string& key, Result<std::unique_ptr<common::RandomAccessFile>> file) {
  if (!file.ok()) return file.status();
  return std::unique_ptr<common::RandomAccessFile>(
      std::make_unique<FaultRandomAccessFile>(env, key, std::move(*file)));
}

}  // namespace

// ---- Fault and bookkeeping state ----

void FaultEnv::FailNthOperation(int64_t n, uint32_t ops) {
  MutexLock lock(mutex_);
  fail_in_ = n;
  fail_mask_ = ops;
  fired_ = false;
}

void FaultEnv::SetNoSpace(bool on) {
  MutexLock lock(mutex_);
  no_space_ = on;
}

bool FaultEnv::fault_fired() const {
  MutexLock lock(mutex_);
  return fired_;
}

int64_t FaultEnv::operations() const {
  MutexLock lock(mutex_);
  return ops_;
}

Status FaultEnv::MaybeFail(Op op, const std::string& what, bool is_space_consuming) {
  MutexLock lock(mutex_);
  const int64_t seen = (op & kMutating) != 0 ? ops_++ : ops_;
  if (fail_in_ >= 0 && (op & fail_mask_) != 0) {
    if (fail_in_ == 0) {
      fail_in_ = -1;
      fired_ = true;
      return common::IOError(what, "injected fault (operation " + std::to_string(seen) + ")");
    }
    --fail_in_;
  }
  if (no_space_ && is_space_consuming) return common::ErrnoStatus(what, ENOSPC);
  return Status::Ok();
}

void FaultEnv::RecordAppend(const std::string& key, uint64_t new_size) {
  MutexLock lock(mutex_);
  files_[key].size = new_size;
}

void FaultEnv::RecordSync(const std::string& key, uint64_t size) {
  MutexLock lock(mutex_);
  files_[key].synced = size;
}

Result<std::unique_ptr<common::WritableFile>> FaultEnv::Wrap(
    const std::string& key, Result<std::unique_ptr<common::WritableFile>> file, bool existed) {
  if (!file.ok()) return file.status();
  {
    MutexLock lock(mutex_);
    auto [it, inserted] = files_.try_emplace(key);
    if (inserted) it->second.entry_durable = existed;  // a file we never saw counts as durable
    it->second.size = (*file)->Size();
    it->second.synced = std::min(it->second.synced, it->second.size);
  }
  return std::unique_ptr<common::WritableFile>(
      std::make_unique<FaultWritableFile>(*this, key, std::move(*file)));
}

void FaultEnv::RekeyLocked(const std::string& from, const std::string& to) {
  auto move_keys = [&](auto& map) {
    std::vector<std::string> keys;
    for (const auto& [key, state] : map) {
      if (AtOrUnder(key, from)) keys.push_back(key);
    }
    for (const auto& key : keys) {
      auto node = map.extract(key);
      node.key() = to + key.substr(from.size());
      map.insert_or_assign(node.key(), std::move(node.mapped()));
    }
  };
  move_keys(files_);
  move_keys(entries_);
}

void FaultEnv::RecordRename(const std::string& from, const std::string& to,
                            std::optional<std::string> old_target) {
  MutexLock lock(mutex_);
  // What existed before (and was durable, or was never seen here) comes back at its old name
  // when the rename is lost; what this Env created since and never made durable vanishes.
  bool existed = true;
  if (auto it = files_.find(from); it != files_.end()) existed = it->second.entry_durable;
  if (auto it = entries_.find(from); it != entries_.end()) existed = it->second.entry_durable;
  // The replaced target's bookkeeping goes: its old contents are restored, durable, on undo.
  files_.erase(to);
  entries_.erase(to);
  RekeyLocked(from, to);
  renames_.push_back(PendingRename{from, to, existed, std::move(old_target)});
}

void FaultEnv::RecordDirSynced(const std::string& dir) {
  MutexLock lock(mutex_);
  for (auto& [key, state] : files_) {
    if (DirOf(key) == dir) state.entry_durable = true;
  }
  for (auto& [key, state] : entries_) {
    if (DirOf(key) == dir) state.entry_durable = true;
  }
  std::erase_if(renames_, [&](const PendingRename& r) { return DirOf(r.to) == dir; });
}

void FaultEnv::DropUnsyncedData() {
  MutexLock lock(mutex_);
  common::Env& base = target();
  // Undo renames newest first, then cut or remove files, then the entries made since.
  for (auto it = renames_.rbegin(); it != renames_.rend(); ++it) {
    if (it->moved_back) {
      if (!base.RenameAt(it->to, it->from, common::RenameMode::kNoReplace).ok()) {
        std::fprintf(stderr, "fault env: cannot undo the rename %s -> %s\n", it->from.c_str(),
                     it->to.c_str());
      }
      RekeyLocked(it->to, it->from);
    } else {
      std::error_code ec;
      std::filesystem::remove_all(it->to, ec);
      std::erase_if(files_, [&](const auto& kv) { return AtOrUnder(kv.first, it->to); });
      std::erase_if(entries_, [&](const auto& kv) { return AtOrUnder(kv.first, it->to); });
    }
    if (it->old_target) {
      auto f = base.NewWritableFile(it->to);
      if (f.ok()) {
        (void)(*f)->Append(*it->old_target);
        (void)(*f)->Close();
      }
    }
  }
  renames_.clear();
  for (const auto& [key, state] : files_) {
    if (!state.entry_durable) {
      (void)base.RemoveFile(key);
    } else if (::truncate(key.c_str(), static_cast<off_t>(state.synced)) != 0 && errno != ENOENT) {
      std::perror(("truncate " + key).c_str());
    }
  }
  files_.clear();
  // Deepest first (a child's key sorts after its parent's).
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->second.entry_durable) continue;
    std::error_code ec;
    std::filesystem::remove_all(it->first, ec);
  }
  entries_.clear();
}

// ---- Plain-path calls ----

Result<std::unique_ptr<common::WritableFile>> FaultEnv::NewWritableFile(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "open " + path, true));
  const bool existed = target().FileExists(path);
  {
    // Truncation: what was synced before is gone.
    MutexLock lock(mutex_);
    if (auto it = files_.find(Key(path)); it != files_.end()) it->second.synced = 0;
  }
  return Wrap(Key(path), target().NewWritableFile(path), existed);
}

Result<std::unique_ptr<common::WritableFile>> FaultEnv::NewAppendableFile(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "open " + path, true));
  const bool existed = target().FileExists(path);
  auto file = target().NewAppendableFile(path);
  if (file.ok()) {
    MutexLock lock(mutex_);
    auto [it, inserted] = files_.try_emplace(Key(path));
    if (inserted && existed) it->second.synced = (*file)->Size();  // old contents were durable
  }
  return Wrap(Key(path), std::move(file), existed);
}

Result<std::unique_ptr<common::RandomAccessFile>> FaultEnv::NewRandomAccessFile(
    const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRead, "open " + path, false));
  return WrapReader(*this, Key(path), target().NewRandomAccessFile(path));
}

Result<std::string> FaultEnv::ReadFileToString(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRead, "read " + path, false));
  return target().ReadFileToString(path);
}

Result<uint64_t> FaultEnv::GetFileSize(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kStat, "stat " + path, false));
  return target().GetFileSize(path);
}

Result<std::vector<std::string>> FaultEnv::ListDir(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kStat, "opendir " + dir, false));
  return target().ListDir(dir);
}

Status FaultEnv::CreateDirs(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "mkdir " + dir, false));
  return target().CreateDirs(dir);
}

Status FaultEnv::RemoveFile(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRemove, "unlink " + path, false));
  TESSERA_RETURN_IF_ERROR(target().RemoveFile(path));
  MutexLock lock(mutex_);
  files_.erase(Key(path));
  entries_.erase(Key(path));
  return Status::Ok();
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  return RenameAt(from, to, common::RenameMode::kReplace);
}

Status FaultEnv::SyncDir(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kSync, "fsync dir " + dir, false));
  TESSERA_RETURN_IF_ERROR(target().SyncDir(dir));
  RecordDirSynced(dir.empty() ? "." : Key(dir));
  return Status::Ok();
}

// ---- PathAt calls ----

Result<common::RootDir> FaultEnv::OpenRoot(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRead, "open root " + dir, false));
  return target().OpenRoot(dir);
}

Result<common::FileStat> FaultEnv::Lstat(const PathAt& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kStat, "lstat " + path.ToString(), false));
  return target().Lstat(path);
}

Result<std::vector<common::DirEntry>> FaultEnv::ListDirEntries(const PathAt& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kStat, "opendir " + dir.ToString(), false));
  return target().ListDirEntries(dir);
}

Result<std::string> FaultEnv::ReadLink(const PathAt& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRead, "readlink " + path.ToString(), false));
  return target().ReadLink(path);
}

Result<std::unique_ptr<common::RandomAccessFile>> FaultEnv::OpenRegularFile(const PathAt& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRead, "open " + path.ToString(), false));
  return WrapReader(*this, Key(path), target().OpenRegularFile(path));
}

Result<std::unique_ptr<common::WritableFile>> FaultEnv::CreateExclusive(const PathAt& path,
                                                                        uint32_t mode) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "create " + path.ToString(), true));
  return Wrap(Key(path), target().CreateExclusive(path, mode), /*existed=*/false);
}

Status FaultEnv::Mkdir(const PathAt& dir, uint32_t mode) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "mkdir " + dir.ToString(), true));
  TESSERA_RETURN_IF_ERROR(target().Mkdir(dir, mode));
  MutexLock lock(mutex_);
  entries_[Key(dir)] = EntryState{/*is_dir=*/true, /*entry_durable=*/false};
  return Status::Ok();
}

Status FaultEnv::Rmdir(const PathAt& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRemove, "rmdir " + dir.ToString(), false));
  TESSERA_RETURN_IF_ERROR(target().Rmdir(dir));
  MutexLock lock(mutex_);
  entries_.erase(Key(dir));
  return Status::Ok();
}

Status FaultEnv::RemoveFileAt(const PathAt& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kRemove, "unlink " + path.ToString(), false));
  TESSERA_RETURN_IF_ERROR(target().RemoveFileAt(path));
  MutexLock lock(mutex_);
  files_.erase(Key(path));
  entries_.erase(Key(path));
  return Status::Ok();
}

Status FaultEnv::Symlink(const std::string& link_target, const PathAt& link) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kCreate, "symlink " + link.ToString(), true));
  TESSERA_RETURN_IF_ERROR(target().Symlink(link_target, link));
  MutexLock lock(mutex_);
  entries_[Key(link)] = EntryState{/*is_dir=*/false, /*entry_durable=*/false};
  return Status::Ok();
}

Status FaultEnv::Chmod(const PathAt& path, uint32_t mode) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kSetAttr, "chmod " + path.ToString(), false));
  return target().Chmod(path, mode);
}

Status FaultEnv::SetMtime(const PathAt& path, int64_t mtime_ns) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kSetAttr, "utimensat " + path.ToString(), false));
  return target().SetMtime(path, mtime_ns);
}

Status FaultEnv::RenameAt(const PathAt& from, const PathAt& to, common::RenameMode mode) {
  TESSERA_RETURN_IF_ERROR(
      MaybeFail(kRename, "rename " + from.ToString() + " -> " + to.ToString(), false));
  common::Env& base = target();
  std::optional<std::string> old_target;
  if (const auto there = base.Lstat(to); there.ok() && there->type == common::FileType::kFile) {
    auto data = base.ReadFileToString(Key(to));
    if (data.ok()) old_target = std::move(*data);
  }
  TESSERA_RETURN_IF_ERROR(base.RenameAt(from, to, mode));
  RecordRename(Key(from), Key(to), std::move(old_target));
  return Status::Ok();
}

Status FaultEnv::SyncDirAt(const PathAt& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail(kSync, "fsync dir " + dir.ToString(), false));
  TESSERA_RETURN_IF_ERROR(target().SyncDirAt(dir));
  const std::string key = Key(dir);
  RecordDirSynced(key.empty() ? "." : key);
  return Status::Ok();
}

}  // namespace tessera::testutil
