// common/env.h
//
// Env: the one door to the file system (and the wall clock) for code that must survive faults.
// Tests wrap it (tests/testutil/fault_env.h) to fail the Nth operation, return ENOSPC, or drop
// everything not fsynced. PosixEnv is the real one. Env implementations are thread-safe; file
// objects are not (one owner at a time). Every fallible call returns a Status naming the call
// and the path.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tessera::common {

// A file written front to back.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Data appended before Sync() returned OK survives a crash.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
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
};

// Writes `data` to `path` atomically and durably through `env`: a temp file in the same
// directory, fsync, rename over `path`, fsync the directory. On failure `path` is untouched
// and the temp file is removed.
Status WriteFileAtomically(Env& env, const std::string& path, std::string_view data);

}  // namespace tessera::common
