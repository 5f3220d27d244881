// common/chunker/file_assembler.h
//
// Writes a file from its block list (the seed's `save`), never leaving a half-written target:
// the blocks stream into a temporary file in the target's directory (named
// kAssemblyTempPrefix + random hex, so watchers can skip it), each block is checked against its
// id and size, the file is fsynced, and only then may it be renamed over the target. The daemon
// adds its own precondition (the target is still what its index says) between AssembleFile()
// and Publish(). Thread-compatible: distinct calls may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/env.h"
#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::common::chunker {

// Names of assembly temp files start with this.
inline constexpr std::string_view kAssemblyTempPrefix = ".tessera-tmp-";
bool IsAssemblyTempName(std::string_view file_name);

// Returns the bytes of a block, or NotFound / Unavailable / ... (e.g. ChunkCache::Get, or a
// fetch from the blockserver). Its result is verified by the caller, never trusted.
using BlockSource = std::function<Result<std::string>(const BlockId&)>;

// A fully written, fsynced temporary file waiting to replace its target. Removes the temp file
// on destruction unless Publish() succeeded. Not thread-safe; one owner. `env` must outlive it.
class AssembledFile {
 public:
  AssembledFile(Env& env, std::string temp_path, std::string target_path, uint64_t size)
      : env_(env),
        temp_path_(std::move(temp_path)),
        target_path_(std::move(target_path)),
        size_(size) {}
  ~AssembledFile();
  AssembledFile(const AssembledFile&) = delete;
  AssembledFile& operator=(const AssembledFile&) = delete;

  // Renames the temp file over the target and fsyncs the directory. After an error the temp
  // file is still removed by the destructor and the target is as before the call (unless only
  // the directory fsync failed, in which case the rename happened but may not be durable).
  Status Publish();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& target_path() const { return target_path_; }
  uint64_t size() const { return size_; }

 private:
  Env& env_;
  const std::string temp_path_;
  const std::string target_path_;
  const uint64_t size_;
  bool published_ = false;
};

// Writes the concatenation of `blocks` to a new temp file beside `target_path`, fsyncs it, and
// returns it unpublished. Errors (the temp file is removed, the target untouched):
//   - the source's error for a block, with context naming the block id and the target
//     (NotFound when a block is missing);
//   - Corruption if a block's bytes do not match its id or its size;
//   - IOError / ResourceExhausted from the file system.
Result<std::unique_ptr<AssembledFile>> AssembleFile(Env& env, const std::string& target_path,
                                                    std::span<const wire::BlockRef> blocks,
                                                    const BlockSource& source);

// AssembleFile then Publish: the target is replaced atomically and durably, or left untouched.
Status SaveFileFromBlocks(Env& env, const std::string& target_path,
                          std::span<const wire::BlockRef> blocks, const BlockSource& source);

}  // namespace tessera::common::chunker
