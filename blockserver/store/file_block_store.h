// blockserver/store/file_block_store.h
//
// FileBlockStore: a simple durable BlockStore with one file per block, in sharded directories
// under `dir`: ab/cd/<64 hex digits>, where "abcd" are the id's first four hex digits. Each file
// is the magic "TBK1" followed by one zstd frame of the block; it is written with
// common::WriteFileAtomically (temp file, fsync, rename, fsync directory), so a block file is
// either absent or whole. Reads verify the content against the id. Namespace references
// (namespace_refs.h) are files in the same layout under refs/, named for their RefKey and
// holding their payload.
// Thread-safe (no shared mutable state beyond the file system). `env` must outlive the store.
#pragma once

#include <memory>
#include <string>

#include "blockserver/store/block_store.h"
#include "common/env.h"

namespace tessera::blockserver {

inline constexpr std::string_view kFileBlockMagic = "TBK1";

class FileBlockStore final : public BlockStore {
 public:
  // Creates `dir` if missing. IOError if it cannot be created.
  static common::Result<std::unique_ptr<FileBlockStore>> Open(const std::string& dir,
                                                              common::Env& env);

  common::Status PutBatch(
      const std::vector<std::pair<common::BlockId, std::string>>& blocks) override;
  common::Result<std::optional<std::string>> Get(const common::BlockId& id) override;
  common::Result<bool> Has(const common::BlockId& id) override;
  common::Status AddRefs(std::string_view ns, const std::vector<common::BlockId>& ids) override;
  common::Result<bool> HasRef(std::string_view ns, const common::BlockId& id) override;

  // The file that holds `id` (whether or not it exists).
  std::string PathOf(const common::BlockId& id) const;

 private:
  FileBlockStore(std::string dir, common::Env& env) : dir_(std::move(dir)), env_(env) {}
  // The shard directories of `id` under `base` (dir_, or RefsDir()), made durable.
  common::Status EnsureShardDirs(const std::string& base, const common::BlockId& id);
  std::string RefsDir() const { return dir_ + "/refs"; }

  const std::string dir_;
  common::Env& env_;
};

}  // namespace tessera::blockserver
