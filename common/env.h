// common/env.h
//
// Env: the one door to the file system (and the wall clock) for code that must survive faults.
// Tests wrap it (tests/testutil/fault_env.h, on EnvWrapper) to fail the Nth operation, return
// ENOSPC, or drop everything not fsynced. PosixEnv is the real one. Env implementations are
// thread-safe; file objects are not (one owner at a time). Every fallible call returns a Status
// naming the call and the path.
//
// Two families of calls:
//   - The first ones take a plain path (as the block engine, the chunk cache and the servers
//     use them) and follow symlinks as open(2) does.
//   - The daemon's calls take a PathAt: a plain path, or a relative path beneath a RootDir (an
//     open directory). Beneath a root, no component is ever resolved through a symlink or out of
//     the root (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or openat with O_NOFOLLOW one
//     component at a time on kernels without it), so nothing under a sync root can redirect a
//     write elsewhere. None of them follows a symlink in the last component either.
//     A parent that is missing, a symlink or not a directory makes a call beneath a root fail
//     with NotFound; a relative path with an empty, "." or ".." component is InvalidArgument.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tessera::common {

// What a directory entry is. kOther: sockets, fifos, devices.
enum class FileType { kFile, kDir, kSymlink, kOther };

// What lstat(2) says about an entry (or fstat(2) about an open file).
struct FileStat {
  FileType type = FileType::kOther;
  uint64_t size = 0;     // bytes; a symlink's target length
  int64_t mtime_ns = 0;  // modification time, ns since the epoch
  int64_t ctime_ns = 0;  // status change time: moves on any write, even one that restores mtime
  uint64_t inode = 0;
  uint64_t device = 0;
  uint64_t nlink = 0;  // hard links (names) the inode has
  uint32_t mode = 0;   // permission bits (st_mode & 07777)
  bool operator==(const FileStat&) const = default;
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;
  bool operator==(const DirEntry&) const = default;
};

// An open directory that PathAt resolves beneath (see the top of this file). Owns its
// descriptor; move-only. Made by Env::OpenRoot; must outlive every PathAt naming it.
class RootDir {
 public:
  RootDir() = default;  // names nothing; valid() is false
  RootDir(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  // The path it was opened as (no trailing '/'), for messages and bookkeeping.
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }

 private:
  std::string path_;
  UniqueFd fd_;
};

// Where a call acts: a plain path (absolute, or relative to the working directory), or `path`
// relative to `root` (empty: the root itself). Converts implicitly from a plain path.
struct PathAt {
  PathAt(std::string p) : path(std::move(p)) {}  // NOLINT: implicit by design
  PathAt(const char* p) : path(p) {}             // NOLINT: implicit by design
  PathAt(const RootDir& r, std::string rel) : root(&r), path(std::move(rel)) {}

  // root->path() + "/" + path (or the root's path when `path` is empty), or the plain path.
  std::string ToString() const;

  const RootDir* root = nullptr;  // not owned
  std::string path;
};

enum class RenameMode {
  kReplace,    // rename(2): an existing target is replaced atomically
  kNoReplace,  // RENAME_NOREPLACE: Conflict when the target exists
};

// A file written front to back.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Appends `n` zero bytes without writing them where the file can have a hole there (reading
  // one gives zeros): the size grows by `n` at once, also when nothing is appended after it,
  // and the space is not allocated. Sync() makes it durable as it does appended data. The
  // default appends zeros (a file that cannot skip).
  virtual Status AppendHole(uint64_t n);
  // Data appended before Sync() returned OK survives a crash. Files from CreateExclusive sync
  // everything (fsync: data, size, mode and times); the others their data and size (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
  // Through the open descriptor (fchmod, futimens, fstat); not after Close().
  // Sets the permission bits (`mode` & 07777).
  virtual Status Chmod(uint32_t mode) = 0;
  // Sets the modification time; the access time is left alone.
  virtual Status SetMtime(int64_t mtime_ns) = 0;
  virtual Result<FileStat> Stat() const = 0;
};

// A file read at offsets; safe for concurrent Read() calls (pread).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `scratch`; returns the bytes read (short at EOF).
  virtual Result<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual uint64_t Size() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // ---- Plain paths ----
  // Creates or truncates `path`.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending (creating it if missing); Size() starts at its current length.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;

  virtual Result<std::string> ReadFileToString(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and missing parents; OK if it exists.
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomic rename(2); durable only after SyncDir() of the target's directory.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;

  virtual std::chrono::system_clock::time_point Now() = 0;

  // ---- PathAt: plain, or beneath a RootDir; a final symlink is never followed ----
  // Opens the directory `dir` for calls beneath it. Symlinks on `dir` itself are followed (the
  // root is trusted). NotFound when it is missing or not a directory.
  virtual Result<RootDir> OpenRoot(const std::string& dir) = 0;
  // lstat(2). NotFound when absent.
  virtual Result<FileStat> Lstat(const PathAt& path) = 0;
  // The entries of the directory `dir` (not through a final symlink), without "." and "..",
  // in no particular order, each with its type (lstat'ed where the file system does not say).
  virtual Result<std::vector<DirEntry>> ListDirEntries(const PathAt& dir) = 0;
  // The target of the symlink `path`. InvalidArgument when it is not a symlink.
  virtual Result<std::string> ReadLink(const PathAt& path) = 0;
  // Opens the regular file `path` for reading at offsets. NotFound when absent or a symlink;
  // InvalidArgument when it is something else (a directory, a fifo: never blocks on one).
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenRegularFile(const PathAt& path) = 0;
  // Creates the new regular file `path` with permission bits `mode` less the umask (O_CREAT |
  // O_EXCL, so never through a symlink) and opens it for writing: Sync() on it is fsync, and
  // Chmod/SetMtime/Stat work through its descriptor. Conflict when the name exists.
  virtual Result<std::unique_ptr<WritableFile>> CreateExclusive(const PathAt& path,
                                                                uint32_t mode) = 0;
  // mkdir(2) of one directory. Conflict when the name exists (whatever it is).
  virtual Status Mkdir(const PathAt& dir, uint32_t mode) = 0;
  // rmdir(2). Conflict when the directory is not empty; NotFound when absent.
  virtual Status Rmdir(const PathAt& dir) = 0;
  // unlink(2) of a file or a symlink (the link, not its target). NotFound when absent.
  virtual Status RemoveFileAt(const PathAt& path) = 0;
  // Creates the symlink `link` pointing at `target`. Conflict when the name exists.
  virtual Status Symlink(const std::string& target, const PathAt& link) = 0;
  // Sets the permission bits of `path`; InvalidArgument for a symlink.
  virtual Status Chmod(const PathAt& path, uint32_t mode) = 0;
  // Sets the modification time of `path` (of a symlink itself); the access time is left alone.
  virtual Status SetMtime(const PathAt& path, int64_t mtime_ns) = 0;
  // Renames `from` to `to` (files, symlinks or directories; both may be beneath different
  // roots, on one file system). kNoReplace: Conflict when `to` exists. Durable only after
  // SyncDirAt() of both directories.
  virtual Status RenameAt(const PathAt& from, const PathAt& to, RenameMode mode) = 0;
  // fsync(2) of the directory `dir`: the entries created, renamed or removed in it are durable.
  // A plain path may end in a symlink to the directory (nothing is written through it).
  virtual Status SyncDirAt(const PathAt& dir) = 0;
};

// The real Env over POSIX calls. Stateless; one instance may be shared by everything.
class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::string> ReadFileToString(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Result<uint64_t> GetFileSize(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  std::chrono::system_clock::time_point Now() override;

  Result<RootDir> OpenRoot(const std::string& dir) override;
  Result<FileStat> Lstat(const PathAt& path) override;
  Result<std::vector<DirEntry>> ListDirEntries(const PathAt& dir) override;
  Result<std::string> ReadLink(const PathAt& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenRegularFile(const PathAt& path) override;
  Result<std::unique_ptr<WritableFile>> CreateExclusive(const PathAt& path, uint32_t mode) override;
  Status Mkdir(const PathAt& dir, uint32_t mode) override;
  Status Rmdir(const PathAt& dir) override;
  Status RemoveFileAt(const PathAt& path) override;
  Status Symlink(const std::string& target, const PathAt& link) override;
  Status Chmod(const PathAt& path, uint32_t mode) override;
  Status SetMtime(const PathAt& path, int64_t mtime_ns) override;
  Status RenameAt(const PathAt& from, const PathAt& to, RenameMode mode) override;
  Status SyncDirAt(const PathAt& dir) override;
};

// Writes `data` to `path` atomically and durably through `env` (common/temp_file.h: a temp
// file in the same directory, fsync, rename over `path`, fsync the directory). On failure
// `path` is untouched and the temp file is removed.
Status WriteFileAtomically(Env& env, const std::string& path, std::string_view data);

}  // namespace tessera::common
