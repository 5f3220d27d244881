// blockserver/api/block_handlers.h
//
// The blockserver's HTTP endpoints as plain functions from a parsed request to a response: no
// sockets, so tests can call them directly. Layouts are in docs/protocol.md; bodies are
// encoded with common/wire/block_messages.h. Every uploaded block is verified against its id
// before anything of the batch is stored.
// Thread-safe as far as the BlockStore is (handlers keep no state). `store` must outlive calls.
#pragma once

#include "blockserver/store/block_store.h"
#include "common/http/server.h"

namespace tessera::blockserver::api {

inline constexpr std::string_view kBlockBatchContentType = "application/x-tessera-blocks";

// A block the store cannot read back intact (Corruption: a damaged SST block or blob value, or
// bytes that do not hash to the id) counts as not stored, in every endpoint: one damaged block
// never fails a whole batch.
//
// POST /v1/blocks/has {"ids":[hex...]} -> 200 {"missing":[hex...]} (the ones not stored, in
// request order). 400 on a malformed body, 413 over kMaxIdsPerRequest.
common::http::Response HandleHas(BlockStore& store, const common::http::Request& request);

// POST /v1/blocks/store_batch <TSB1 batch> -> 200 {"stored":N}. Delta records are patched
// against their base block (bounded by the declared size) and the result verified like any
// block. 400 when the frame is malformed, a block is marked missing, a delta is malformed, or
// ANY block does not hash to its id (then nothing of the batch is stored); 400 with
// "missing_bases":[hex...] when a delta's base is not stored (nothing stored; send those
// blocks whole; a damaged base counts as not stored); 413 over the size limits; 500/503/507
// when the store fails.
common::http::Response HandleStoreBatch(BlockStore& store, const common::http::Request& request);

// POST /v1/blocks/retrieve_batch {"ids":[hex...],"bases":[hex or "",...]} -> 200 <TSB1 batch>,
// one record per id in request order, absent blocks marked missing; a block whose named base is
// stored here goes as a delta against it when that is smaller than the block compressed. 413 when
// the blocks found add up to more than kMaxBatchBytes (ask for fewer at a time). A damaged
// block is marked missing.
common::http::Response HandleRetrieveBatch(BlockStore& store, const common::http::Request& request);

// GET /v1/health -> 200 {"status":"ok"}.
common::http::Response HandleHealth(const common::http::Request& request);

}  // namespace tessera::blockserver::api
