#include "tests/testutil/fault_env.h"

#include <unistd.h>

#include <cerrno>

namespace tessera::testutil {

namespace {

std::string DirOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class FaultWritableFile final : public common::WritableFile {
 public:
  FaultWritableFile(FaultEnv& env, std::string path, std::unique_ptr<common::WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  common::Status Append(std::string_view data) override {
    common::Status s = env_.MaybeFail("append " + path_, true);
    if (!s.ok()) {
      if (s.code() == common::Code::kIOError) {
        (void)base_->Append(data.substr(0, data.size() / 2));  // torn write
        env_.RecordAppend(path_, base_->Size());
      }
      return s;
    }
    s = base_->Append(data);
    env_.RecordAppend(path_, base_->Size());
    return s;
  }
  common::Status Sync() override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail("fdatasync " + path_, false));
    TESSERA_RETURN_IF_ERROR(base_->Sync());
    env_.RecordSync(path_, base_->Size());
    return common::Status::Ok();
  }
  common::Status Close() override {
    TESSERA_RETURN_IF_ERROR(env_.MaybeFail("close " + path_, false));
    return base_->Close();
  }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultEnv& env_;
  std::string path_;
  std::unique_ptr<common::WritableFile> base_;
};

}  // namespace

void FaultEnv::FailNthOperation(int64_t n) {
  std::lock_guard lock(mutex_);
  fail_at_ = ops_ + n;
  fired_ = false;
}

void FaultEnv::SetNoSpace(bool on) {
  std::lock_guard lock(mutex_);
  no_space_ = on;
}

bool FaultEnv::fault_fired() const {
  std::lock_guard lock(mutex_);
  return fired_;
}

int64_t FaultEnv::operations() const {
  std::lock_guard lock(mutex_);
  return ops_;
}

common::Status FaultEnv::MaybeFail(const std::string& what, bool is_space_consuming) {
  std::lock_guard lock(mutex_);
  const int64_t op = ops_++;
  if (op == fail_at_) {
    fired_ = true;
    return common::IOError(what, "injected fault (operation " + std::to_string(op) + ")");
  }
  if (no_space_ && is_space_consuming) return common::ErrnoStatus(what, ENOSPC);
  return common::Status::Ok();
}

void FaultEnv::RecordAppend(const std::string& path, uint64_t new_size) {
  std::lock_guard lock(mutex_);
  files_[path].size = new_size;
}

void FaultEnv::RecordSync(const std::string& path, uint64_t size) {
  std::lock_guard lock(mutex_);
  files_[path].synced = size;
}

common::Result<std::unique_ptr<common::WritableFile>> FaultEnv::Wrap(
    const std::string& path, common::Result<std::unique_ptr<common::WritableFile>> file,
    bool existed) {
  if (!file.ok()) return file.status();
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = files_.try_emplace(path);
    if (inserted) it->second.entry_durable = existed;  // a file we never saw counts as durable
    it->second.size = (*file)->Size();
    it->second.synced = std::min(it->second.synced, it->second.size);
  }
  return std::unique_ptr<common::WritableFile>(
      std::make_unique<FaultWritableFile>(*this, path, std::move(*file)));
}

common::Result<std::unique_ptr<common::WritableFile>> FaultEnv::NewWritableFile(
    const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("open " + path, true));
  const bool existed = base_.FileExists(path);
  {
    // Truncation: what was synced before is gone.
    std::lock_guard lock(mutex_);
    if (auto it = files_.find(path); it != files_.end()) it->second.synced = 0;
  }
  return Wrap(path, base_.NewWritableFile(path), existed);
}

common::Result<std::unique_ptr<common::WritableFile>> FaultEnv::NewAppendableFile(
    const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("open " + path, true));
  const bool existed = base_.FileExists(path);
  auto file = base_.NewAppendableFile(path);
  if (file.ok()) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = files_.try_emplace(path);
    if (inserted && existed) it->second.synced = (*file)->Size();  // old contents were durable
  }
  return Wrap(path, std::move(file), existed);
}

common::Status FaultEnv::CreateDirs(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("mkdir " + dir, false));
  return base_.CreateDirs(dir);
}

common::Status FaultEnv::RemoveFile(const std::string& path) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("unlink " + path, false));
  TESSERA_RETURN_IF_ERROR(base_.RemoveFile(path));
  std::lock_guard lock(mutex_);
  files_.erase(path);
  return common::Status::Ok();
}

common::Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("rename " + from, false));
  std::optional<std::string> old_target;
  if (base_.FileExists(to)) {
    auto data = base_.ReadFileToString(to);
    if (data.ok()) old_target = std::move(*data);
  }
  TESSERA_RETURN_IF_ERROR(base_.RenameFile(from, to));
  std::lock_guard lock(mutex_);
  FileState moved;
  if (auto it = files_.find(from); it != files_.end()) {
    moved = it->second;
    files_.erase(it);
  } else {
    moved.size = moved.synced = base_.GetFileSize(to).ok() ? *base_.GetFileSize(to) : 0;
  }
  moved.entry_durable = false;
  files_[to] = moved;
  renames_.push_back(PendingRename{from, to, std::move(old_target)});
  return common::Status::Ok();
}

common::Status FaultEnv::SyncDir(const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(MaybeFail("fsync dir " + dir, false));
  TESSERA_RETURN_IF_ERROR(base_.SyncDir(dir));
  std::lock_guard lock(mutex_);
  for (auto& [path, state] : files_) {
    if (DirOf(path) == dir) state.entry_durable = true;
  }
  std::erase_if(renames_, [&](const PendingRename& r) { return DirOf(r.to) == dir; });
  return common::Status::Ok();
}

void FaultEnv::DropUnsyncedData() {
  std::lock_guard lock(mutex_);
  // Undo renames newest first, then cut or remove files.
  for (auto it = renames_.rbegin(); it != renames_.rend(); ++it) {
    files_.erase(it->to);
    if (it->old_target) {
      auto f = base_.NewWritableFile(it->to);
      if (f.ok()) {
        (void)(*f)->Append(*it->old_target);
        (void)(*f)->Close();
      }
    } else {
      (void)base_.RemoveFile(it->to);
    }
  }
  renames_.clear();
  for (const auto& [path, state] : files_) {
    if (!state.entry_durable) {
      (void)base_.RemoveFile(path);
    } else if (::truncate(path.c_str(), static_cast<off_t>(state.synced)) != 0 && errno != ENOENT) {
      std::perror(("truncate " + path).c_str());
    }
  }
  files_.clear();
}

}  // namespace tessera::testutil
