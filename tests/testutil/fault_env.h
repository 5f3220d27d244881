// tests/testutil/fault_env.h
//
// FaultEnv: an Env wrapping a real one (an EnvWrapper) to inject faults into code under test.
//   - FailNthOperation(n, ops): the n-th operation from now (0-based) among the kinds `ops`
//     fails with an IOError; by default the mutating ones (kMutating: creating, writing,
//     syncing, closing, renaming, removing, changing mode or times, of files, directories and
//     symlinks, through every call of env.h, old and new), or with kAllOps any call that can
//     fail, reads and lookups too. A failing Append first writes half of its data (a torn
//     write).
//   - SetNoSpace(true): every Append and every creation (files, directories, symlinks) fails
//     with ENOSPC (kNoSpace) until turned off.
//   - DropUnsyncedData(): simulates power loss. Every file written through this Env is cut back
//     to its last fsynced length; files, symlinks and directories (Mkdir) whose directory
//     entry was never made durable by a SyncDir/SyncDirAt of their parent are removed; renames
//     not followed by a sync of the target's directory are undone (a file or directory that
//     existed before is moved back to its old name, one created since disappears, and a
//     replaced target gets its old contents back). Removals, CreateDirs and mode or time
//     changes count as durable at once.
// Thread-safe. `base` must outlive the FaultEnv; file objects it hands out must not outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/env_wrapper.h"
#include "common/mutex.h"

namespace tessera::testutil {

class FaultEnv final : public common::EnvWrapper {
 public:
  // Kinds of operations, for FailNthOperation's mask.
  enum Op : uint32_t {
    kCreate =
        1u << 0,  // NewWritableFile, NewAppendableFile, CreateExclusive, Mkdir, CreateDirs, Symlink
    kWrite = 1u << 1,    // WritableFile::Append, AppendHole
    kSync = 1u << 2,     // WritableFile::Sync, SyncDir, SyncDirAt
    kClose = 1u << 3,    // WritableFile::Close
    kRename = 1u << 4,   // RenameFile, RenameAt
    kRemove = 1u << 5,   // RemoveFile, RemoveFileAt, Rmdir
    kSetAttr = 1u << 6,  // Chmod, SetMtime (of a path or an open file)
    kRead = 1u << 7,     // NewRandomAccessFile, OpenRegularFile, ReadFileToString, Read, ReadLink,
                         // OpenRoot
    kStat = 1u << 8,     // Lstat, GetFileSize, WritableFile::Stat, ListDir, ListDirEntries
  };
  static constexpr uint32_t kMutating =
      kCreate | kWrite | kSync | kClose | kRename | kRemove | kSetAttr;
  static constexpr uint32_t kAllOps = kMutating | kRead | kStat;

  explicit FaultEnv(common::Env& base) : EnvWrapper(base) {}

  void FailNthOperation(int64_t n, uint32_t ops = kMutating);
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
      const std::string& path) override;
  common::Result<std::string> ReadFileToString(const std::string& path) override;
  common::Result<uint64_t> GetFileSize(const std::string& path) override;
  common::Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  common::Status CreateDirs(const std::string& dir) override;
  common::Status RemoveFile(const std::string& path) override;
  common::Status RenameFile(const std::string& from, const std::string& to) override;
  common::Status SyncDir(const std::string& dir) override;

  common::Result<common::RootDir> OpenRoot(const std::string& dir) override;
  common::Result<common::FileStat> Lstat(const common::PathAt& path) override;
  common::Result<std::vector<common::DirEntry>> ListDirEntries(const common::PathAt& dir) override;
  common::Result<std::string> ReadLink(const common::PathAt& path) override;
  common::Result<std::unique_ptr<common::RandomAccessFile>> OpenRegularFile(
      const common::PathAt& path) override;
  common::Result<std::unique_ptr<common::WritableFile>> CreateExclusive(const common::PathAt& path,
                                                                        uint32_t mode) override;
  common::Status Mkdir(const common::PathAt& dir, uint32_t mode) override;
  common::Status Rmdir(const common::PathAt& dir) override;
  common::Status RemoveFileAt(const common::PathAt& path) override;
  common::Status Symlink(const std::string& target, const common::PathAt& link) override;
  common::Status Chmod(const common::PathAt& path, uint32_t mode) override;
  common::Status SetMtime(const common::PathAt& path, int64_t mtime_ns) override;
  common::Status RenameAt(const common::PathAt& from, const common::PathAt& to,
                          common::RenameMode mode) override;
  common::Status SyncDirAt(const common::PathAt& dir) override;

  // Used by the file wrappers.
  // Returns a non-OK Status if this operation (of kind `op`) is the one to fail, or if no
  // space is left and it consumes space.
  common::Status MaybeFail(Op op, const std::string& what, bool is_space_consuming);
  void RecordAppend(const std::string& key, uint64_t new_size);
  void RecordSync(const std::string& key, uint64_t size);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = false;
  };
  // A symlink or a directory (Mkdir) this Env created.
  struct EntryState {
    bool is_dir = false;
    bool entry_durable = false;
  };
  struct PendingRename {
    std::string from, to;
    bool moved_back = false;                // undo by moving `to` back to `from`
    std::optional<std::string> old_target;  // contents `to` had before, if a file was there
  };
  common::Result<std::unique_ptr<common::WritableFile>> Wrap(
      const std::string& key, common::Result<std::unique_ptr<common::WritableFile>> file,
      bool existed);
  // Records a rename (after it happened) of whatever was at `from`; `old_target`: the contents
  // of the file it replaced.
  void RecordRename(const std::string& from, const std::string& to,
                    std::optional<std::string> old_target);
  void RecordDirSynced(const std::string& dir);
  // Moves the bookkeeping of everything at or under `from` to `to`.
  void RekeyLocked(const std::string& from, const std::string& to) TESSERA_REQUIRES(mutex_);

  mutable common::Mutex mutex_;
  uint32_t fail_mask_ TESSERA_GUARDED_BY(mutex_) = 0;
  int64_t fail_in_ TESSERA_GUARDED_BY(mutex_) = -1;  // matching ops to let pass; -1: disarmed
  int64_t ops_ TESSERA_GUARDED_BY(mutex_) = 0;       // mutating operations seen
  bool fired_ TESSERA_GUARDED_BY(mutex_) = false;
  bool no_space_ TESSERA_GUARDED_BY(mutex_) = false;
  std::map<std::string, FileState> files_ TESSERA_GUARDED_BY(mutex_);
  std::map<std::string, EntryState> entries_ TESSERA_GUARDED_BY(mutex_);
  std::vector<PendingRename> renames_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::testutil
