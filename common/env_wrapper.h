// common/env_wrapper.h
//
// EnvWrapper: an Env that forwards every call to a target Env. Derive from it to change one
// call (a test's fault env that fails only renames) and inherit the rest. Thread-safe when the
// target is; `target` must outlive the wrapper.
#pragma once

#include "common/env.h"

namespace tessera::common {

class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}

  Env& target() const { return target_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return target_.NewWritableFile(path);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return target_.NewAppendableFile(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return target_.NewRandomAccessFile(path);
  }
  Result<std::string> ReadFileToString(const std::string& path) override {
    return target_.ReadFileToString(path);
  }
  bool FileExists(const std::string& path) override { return target_.FileExists(path); }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    return target_.GetFileSize(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return target_.ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override { return target_.CreateDirs(dir); }
  Status RemoveFile(const std::string& path) override { return target_.RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_.RenameFile(from, to);
  }
  Status SyncDir(const std::string& dir) override { return target_.SyncDir(dir); }
  std::chrono::system_clock::time_point Now() override { return target_.Now(); }

  Result<RootDir> OpenRoot(const std::string& dir) override { return target_.OpenRoot(dir); }
  Result<FileStat> Lstat(const PathAt& path) override { return target_.Lstat(path); }
  Result<std::vector<DirEntry>> ListDirEntries(const PathAt& dir) override {
    return target_.ListDirEntries(dir);
  }
  Result<std::string> ReadLink(const PathAt& path) override { return target_.ReadLink(path); }
  Result<std::unique_ptr<RandomAccessFile>> OpenRegularFile(const PathAt& path) override {
    return target_.OpenRegularFile(path);
  }
  Result<std::unique_ptr<WritableFile>> CreateExclusive(const PathAt& path,
                                                        uint32_t mode) override {
    return target_.CreateExclusive(path, mode);
  }
  Status Mkdir(const PathAt& dir, uint32_t mode) override { return target_.Mkdir(dir, mode); }
  Status Rmdir(const PathAt& dir) override { return target_.Rmdir(dir); }
  Status RemoveFileAt(const PathAt& path) override { return target_.RemoveFileAt(path); }
  Status Symlink(const std::string& target, const PathAt& link) override {
    return target_.Symlink(target, link);
  }
  Status Chmod(const PathAt& path, uint32_t mode) override { return target_.Chmod(path, mode); }
  Status SetMtime(const PathAt& path, int64_t mtime_ns) override {
    return target_.SetMtime(path, mtime_ns);
  }
  Status RenameAt(const PathAt& from, const PathAt& to, RenameMode mode) override {
    return target_.RenameAt(from, to, mode);
  }
  Status SyncDirAt(const PathAt& dir) override { return target_.SyncDirAt(dir); }

 private:
  Env& target_;
};

}  // namespace tessera::common
