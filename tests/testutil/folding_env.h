// tests/testutil/folding_env.h
//
// FoldingEnv: an Env (an EnvWrapper over a real one) whose directories beneath a RootDir fold
// ASCII case, as an ext4 or tmpfs casefold directory, FAT, exFAT or NTFS do: a name is kept as
// it was created, and looking one up finds an entry that differs from it only in case. Each
// component of a PathAt beneath a root is replaced by the entry its directory holds under that
// exact name, else by one equal to it ignoring case, before the call goes to the real Env (so
// creating "README.txt" where "Readme.txt" is opens Readme.txt, renaming over it replaces
// Readme.txt, and mkdir of "DOCS" next to "docs" finds it there). Plain paths are left alone.
// For the tests of daemon/syncer/name_clash.h on machines whose kernels cannot make a casefold
// directory. Thread-safe as the base is; `base` must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/env_wrapper.h"

namespace tessera::testutil {

class FoldingEnv : public common::EnvWrapper {
 public:
  explicit FoldingEnv(common::Env& base) : EnvWrapper(base) {}

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

 private:
  // `path` with each component beneath its root spelt as the directory holds it.
  common::PathAt Folded(const common::PathAt& path);
};

}  // namespace tessera::testutil
