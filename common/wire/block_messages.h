// common/wire/block_messages.h
//
// Blockserver request and response bodies (layout in docs/protocol.md). Id lists are JSON;
// block batches are a binary frame ("TSB1") of blocks, each zstd-compressed when that is
// smaller. Decoding bounds every size before allocating and decompresses with a hard bound,
// but does not check ids against contents: the receiver does that (VerifyBlock).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/block_id.h"
#include "common/result.h"

namespace tessera::common::wire {

inline constexpr uint32_t kMaxBlockBytes = 16u << 20;  // no block is larger than 16 MiB
inline constexpr size_t kMaxIdsPerRequest = 100'000;
inline constexpr uint64_t kMaxBatchBytes = 64ull << 20;  // uncompressed bytes in one batch

// POST /v1/blocks/has {"ids":[...]} -> {"missing":[...]}
// POST /v1/blocks/retrieve_batch {"ids":[...]} -> a BlockBatch (absent blocks are `missing`)
struct IdList {
  std::vector<BlockId> ids;
};
std::string EncodeIdList(const IdList& m, std::string_view field);  // field: "ids"/"missing"
Result<IdList> DecodeIdList(std::string_view json, std::string_view field);

// POST /v1/blocks/store_batch <BlockBatch> -> {"stored":N}
struct Block {
  BlockId id;
  std::optional<std::string> data;  // nullopt: the sender does not have it (retrieve only)
};
struct BlockBatch {
  std::vector<Block> blocks;
};
// Compresses each block with zstd (level `zstd_level`) when that saves bytes.
std::string EncodeBlockBatch(const BlockBatch& m, int zstd_level = 3);
// InvalidArgument on a truncated or malformed frame (bad magic, unknown encoding, a raw
// payload whose size differs from the declared one); ResourceExhausted for a block over
// kMaxBlockBytes, a batch over kMaxBatchBytes or more than kMaxIdsPerRequest blocks (checked
// before allocating); Corruption for a zstd payload that does not inflate to exactly the
// declared size. Layout in block_batch_format.h.
Result<BlockBatch> DecodeBlockBatch(std::string_view body);

// OK when SHA-256(data) == id; Corruption naming the id otherwise.
Status VerifyBlock(const BlockId& id, std::string_view data);

}  // namespace tessera::common::wire
