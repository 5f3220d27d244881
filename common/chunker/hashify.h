// common/chunker/hashify.h
//
// Turns a file (or bytes) into its block list: detect text/binary, choose the chunk parameters
// from the size, chunk, and SHA-256 every chunk (the seed's `hashify`). Reads with one bounded
// buffer, so memory does not grow with the file. Thread-safe (no shared state); each call owns
// its buffers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/block_id.h"
#include "common/chunker/chunk_params.h"
#include "common/chunker/chunker.h"
#include "common/chunker/file_format.h"
#include "common/env.h"
#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::common::chunker {

struct HashifyOptions {
  // Unset: DetectFormat(path, first kDetectBytes).
  std::optional<FileFormat> format;
  // Text files only: exactly one chunk per line (the seed's mode) instead of runs of lines.
  bool one_line_per_chunk = false;
  // Overrides the size-scaled average (a power of two; see ChunkParams::WithAverage), e.g. to
  // keep a file's previous chunk sizes when it grows across a size class.
  std::optional<uint32_t> avg_bytes;
  // Also compute the SHA-256 of the whole file (costs a second SHA pass over the bytes).
  bool file_sha256 = true;
  // Read buffer; raised to at least 64 KiB.
  size_t read_buffer_bytes = 1u << 20;
};

struct FileChunks {
  FileFormat format = FileFormat::kText;
  ChunkParams params;                  // as used; store it to re-chunk the same way later
  std::vector<wire::BlockRef> blocks;  // concatenated they give the file; none if it is empty
  uint64_t size = 0;                   // bytes read (the sum of the block sizes)
  std::optional<BlockId> sha256;       // the whole file's, if asked for
};

// The parameters HashifyFile uses for a file of `format` and `file_size`; InvalidArgument if
// options.avg_bytes is given and invalid.
Result<ChunkParams> ChooseParams(FileFormat format, uint64_t file_size,
                                 const HashifyOptions& options);

// Streams bytes through a Chunker and SHA-256, producing block refs as chunks complete. Holds
// the bytes of the open block (at most the chunker's max_bytes): a chunk may end
// inside an earlier push. Not thread-safe; one owner.
class BlockListBuilder {
 public:
  // REQUIRES: params.Validate() is OK.
  BlockListBuilder(const ChunkParams& params, bool file_sha256);
  BlockListBuilder(const BlockListBuilder&) = delete;
  BlockListBuilder& operator=(const BlockListBuilder&) = delete;

  void Push(std::string_view data);
  // Completes the last block; `format` is recorded in the result. The builder is spent.
  FileChunks Finish(FileFormat format);

 private:
  ChunkParams params_;
  Chunker chunker_;
  Sha256Hasher block_hasher_;
  std::optional<Sha256Hasher> file_hasher_;
  uint64_t block_start_ = 0;  // stream offset of the open block
  std::string pending_;       // the open block's bytes pushed so far (not yet hashed)
  uint64_t size_ = 0;
  std::vector<wire::BlockRef> blocks_;
};

// Reads `path` through `env` and returns its block list. The file's size at open time picks the
// parameters; the bytes read until EOF are chunked (a caller that needs a stable snapshot
// compares size/mtime before and after). Errors: NotFound, IOError, PermissionDenied from the
// file system; InvalidArgument for bad options.
Result<FileChunks> HashifyFile(Env& env, const std::string& path,
                               const HashifyOptions& options = {});

// The same for bytes in memory; `path` only feeds format detection.
Result<FileChunks> HashifyBytes(std::string_view path, std::string_view data,
                                const HashifyOptions& options = {});

}  // namespace tessera::common::chunker
