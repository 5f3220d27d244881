// common/wire/block_messages.h
//
// Blockserver request and response bodies (layout in docs/protocol.md). Id lists are JSON;
// block batches are a binary frame ("TSB1") of blocks, each zstd-compressed when that is
// smaller, or sent as an rsync delta against a base block the receiver holds when that is
// smaller still. Decoding bounds every size before allocating and decompresses with a hard
// bound, but does not check ids against contents: the receiver does that (VerifyBlock,
// ApplyBlockDelta, which also bounds the patch).
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

// POST /v1/blocks/retrieve_batch {"ids":[...],"bases":["<hex>" or "", ...]}: `bases`, when
// not empty, is parallel to `ids` and names for each id a block the client holds that the
// wanted block probably replaced (the server may answer a delta against it). Encoded without
// "bases" when none is named.
struct RetrieveRequest {
  std::vector<BlockId> ids;
  std::vector<std::optional<BlockId>> bases;  // empty, or ids.size() entries
};
std::string EncodeRetrieveRequest(const RetrieveRequest& m);
// InvalidArgument when malformed or `bases` has another length than `ids`; ResourceExhausted
// over kMaxIdsPerRequest.
Result<RetrieveRequest> DecodeRetrieveRequest(std::string_view json);

// A block as a librsync delta against a base block (batch encoding 2).
struct BlockDelta {
  BlockId base;
  std::string delta;  // turns the base's bytes into the block
  uint32_t size = 0;  // the block's size
};

// POST /v1/blocks/store_batch <BlockBatch> -> {"stored":N}
struct Block {
  BlockId id;
  std::optional<std::string> data;  // nullopt: the sender does not have it (retrieve only)
  // Encoding: when set, the record is this delta if that is smaller than the block compressed
  // (or when `data` is nullopt). Decoding: set (and `data` nullopt) for a delta record; the
  // receiver rebuilds the block with ApplyBlockDelta.
  std::optional<BlockDelta> delta = std::nullopt;
};
struct BlockBatch {
  std::vector<Block> blocks;
};

struct BlockBatchOptions {
  // Compress each record with zstd when that saves bytes; false when the whole HTTP body is
  // compressed anyway (Content-Encoding: zstd), where per-record zstd is mostly wasted work.
  bool compress_records = false;
  int zstd_level = 3;
};
// `*delta_records` (when not null) is set to the number of records written as deltas.
std::string EncodeBlockBatch(const BlockBatch& m, const BlockBatchOptions& options,
                             size_t* delta_records = nullptr);
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

// Blocks no larger than this are candidates for deltas (the work is a signature of the base
// and one pass over the block).
inline constexpr uint32_t kMaxDeltaBlockBytes = 4u << 20;

// A delta turning `base_data` (block `base`) into `data`. InvalidArgument when either is over
// kMaxDeltaBlockBytes.
Result<BlockDelta> MakeBlockDelta(const BlockId& base, std::string_view base_data,
                                  std::string_view data);

// The block a delta record stands for: `base_data` (the bytes of block.delta->base) patched,
// never past block.delta->size, required to be exactly that size and to hash to block.id.
// InvalidArgument for a malformed delta, a wrong size or a record without a delta;
// ResourceExhausted when the delta inflates past the size; Corruption when the result does not
// hash to the id.
Result<std::string> ApplyBlockDelta(const Block& block, std::string_view base_data);

}  // namespace tessera::common::wire
