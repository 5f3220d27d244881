// tests/testutil/fault_env.h
//
// FaultEnv: an Env wrapping a real one to inject faults into code under test.
//   - FailNthOperation(n): the n-th mutating operation from now (0-based; creating, appending,
//     syncing, closing, renaming, removing files, syncing or creating directories) fails with
//     an IOError. A failing Append first writes half of its data (a torn write).
//   - SetNoSpace(true): every Append and file creation fails with ENOSPC
//     (kResourceExhausted) until turned off.
//   - DropUnsyncedData(): simulates power loss: every file written through this Env is cut back
//     to its last fsynced length, files whose directory entry was never made durable by a
//     SyncDir of their directory are removed, and renames not followed by a SyncDir are undone
//     (the old target's contents are restored). Removals are treated as durable at once.
// Reads pass through uncounted. Thread-safe. `base` must outlive the FaultEnv; file objects it
// hands out must not outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"

namespace tessera::testutil {

class FaultEnv final : public common::Env {
 public:
  explicit FaultEnv(common::Env& base) : base_(base) {}

  void FailNthOperation(int64_t n);
  void SetNoSpace(bool on);
  bool fault_fired() const;
  // Mutating operations seen so far.
  int64_t operations() const;
  void DropUnsyncedData();

  common::Result<std::unique_ptr<common::WritableFile>> NewWritableFile(
      const std::string& path) override;
  common::Result<std::unique_ptr<common::WritableFile>> NewAppendableFile(
      const std::string& path) override;
  common::Result<std::unique_ptr<common::RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return base_.NewRandomAccessFile(path);
  }
  common::Result<std::string> ReadFileToString(const std::string& path) override {
    return base_.ReadFileToString(path);
  }
  bool FileExists(const std::string& path) override { return base_.FileExists(path); }
  common::Result<uint64_t> GetFileSize(const std::string& path) override {
    return base_.GetFileSize(path);
  }
  common::Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_.ListDir(dir);
  }
  common::Status CreateDirs(const std::string& dir) override;
  common::Status RemoveFile(const std::string& path) override;
  common::Status RenameFile(const std::string& from, const std::string& to) override;
  common::Status SyncDir(const std::string& dir) override;
  std::chrono::system_clock::time_point Now() override { return base_.Now(); }

  // Used by the file wrappers.
  // Returns a non-OK Status if this operation is the one to fail (or no space is left).
  common::Status MaybeFail(const std::string& what, bool is_space_consuming);
  void RecordAppend(const std::string& path, uint64_t new_size);
  void RecordSync(const std::string& path, uint64_t size);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = false;
  };
  struct PendingRename {
    std::string from, to;
    std::optional<std::string> old_target;  // contents `to` had before, if it existed
  };
  common::Result<std::unique_ptr<common::WritableFile>> Wrap(
      const std::string& path, common::Result<std::unique_ptr<common::WritableFile>> file,
      bool existed);

  common::Env& base_;
  mutable std::mutex mutex_;
  int64_t fail_at_ = -1;                    // guarded by mutex_
  int64_t ops_ = 0;                         // guarded by mutex_
  bool fired_ = false;                      // guarded by mutex_
  bool no_space_ = false;                   // guarded by mutex_
  std::map<std::string, FileState> files_;  // guarded by mutex_
  std::vector<PendingRename> renames_;      // guarded by mutex_
};

}  // namespace tessera::testutil
