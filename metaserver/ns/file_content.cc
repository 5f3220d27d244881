// NamespaceService::ReadFile and WriteFile: a file's content through BlockAccess, in batches
// within the block client's bounds.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/chunker/hashify.h"
#include "common/client/block_client.h"
#include "common/path.h"
#include "metaserver/ns/namespace_service.h"

namespace tessera::metaserver::ns {

using common::BlockId;
using common::Result;
using common::Status;
using common::wire::BlockRef;
using common::wire::FileKind;

namespace {

// The end of the batch of `blocks` starting at `begin`: at most kMaxBatchBlocks blocks and
// kMaxBatchBytes bytes (one block at least, however big).
size_t BatchEnd(const std::vector<BlockRef>& blocks, size_t begin) {
  size_t end = begin;
  uint64_t bytes = 0;
  while (end < blocks.size() && end - begin < common::client::kMaxBatchBlocks &&
         (end == begin || bytes + blocks[end].size <= common::client::kMaxBatchBytes)) {
    bytes += blocks[end].size;
    ++end;
  }
  return end;
}

std::string TooBig(uint64_t size, uint64_t max) {
  return "file of " + std::to_string(size) + " bytes is over the limit of " + std::to_string(max);
}

}  // namespace

Result<FileContent> NamespaceService::ReadFile(const RequestContext& ctx, std::string_view path,
                                               uint64_t at_jid) {
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(path));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) return common::NotFound("namespace " + ctx.ns);
  FileContent out;
  TESSERA_ASSIGN_OR_RETURN(out.entry, journal_.PathAt(*nsid, path, at_jid));
  const common::wire::FileMeta& meta = out.entry.meta;
  if (meta.kind != FileKind::kFile) {
    return common::InvalidArgument(std::string(path) + " is not a file");
  }
  if (meta.size > options_.max_file_bytes) {
    return common::ResourceExhausted(TooBig(meta.size, options_.max_file_bytes));
  }
  const std::string what = std::string(path) + " at jid " + std::to_string(out.entry.jid);
  out.data.reserve(meta.size);
  for (size_t begin = 0; begin < meta.blocks.size();) {
    const size_t end = BatchEnd(meta.blocks, begin);
    std::vector<BlockId> ids;
    ids.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) ids.push_back(meta.blocks[i].id);
    TESSERA_ASSIGN_OR_RETURN(const std::vector<common::wire::Block> got, blocks_.Retrieve(ids));
    if (got.size() != ids.size()) {
      return common::Corruption(what + ": the block store answered " + std::to_string(got.size()) +
                                " blocks for " + std::to_string(ids.size()));
    }
    for (size_t i = begin; i < end; ++i) {
      const auto& block = got[i - begin];
      // Retrieve verified the bytes against the id; the size is the journal's word.
      if (!block.data.has_value() || block.data->size() != meta.blocks[i].size) {
        return common::Corruption(what + ": block " + meta.blocks[i].id.ToHex() +
                                  (block.data ? " has another size than the journal says"
                                              : " is missing from the block store"));
      }
      out.data += *block.data;
    }
    begin = end;
  }
  if (out.data.size() != meta.size) {
    return common::Corruption(what + ": the blocks add up to " + std::to_string(out.data.size()) +
                              " bytes, not " + std::to_string(meta.size));
  }
  return out;
}

Result<common::wire::CommitResult> NamespaceService::WriteFile(const RequestContext& ctx,
                                                               const WriteFileRequest& request) {
  if (request.data.size() > options_.max_file_bytes) {
    return common::ResourceExhausted(TooBig(request.data.size(), options_.max_file_bytes));
  }
  common::chunker::HashifyOptions hashify;
  hashify.file_sha256 = false;
  TESSERA_ASSIGN_OR_RETURN(common::chunker::FileChunks chunks,
                           common::chunker::HashifyBytes(request.path, request.data, hashify));
  common::wire::CommitItem item;
  item.parent_jid = request.parent_jid;
  item.meta.path = request.path;
  item.meta.kind = FileKind::kFile;
  item.meta.size = chunks.size;
  item.meta.mtime_ns = request.mtime_ns;
  item.meta.mode = request.mode;
  item.meta.blocks = std::move(chunks.blocks);
  // Refused before the block store sees anything.
  TESSERA_RETURN_IF_ERROR(common::wire::ValidateFileMeta(item.meta));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/true));

  // Each distinct block once, in file order, with where its bytes start in `data`.
  std::vector<BlockRef> distinct;
  std::unordered_map<BlockId, uint64_t> start;
  uint64_t offset = 0;
  for (const BlockRef& block : item.meta.blocks) {
    if (start.emplace(block.id, offset).second) distinct.push_back(block);
    offset += block.size;
  }
  std::vector<BlockId> ids;
  ids.reserve(distinct.size());
  for (const BlockRef& block : distinct) ids.push_back(block.id);
  TESSERA_ASSIGN_OR_RETURN(const std::vector<BlockId> lacking, blocks_.Missing(ids));
  const std::unordered_set<BlockId> missing(lacking.begin(), lacking.end());
  std::vector<BlockRef> to_store;
  for (const BlockRef& block : distinct) {
    if (missing.contains(block.id)) to_store.push_back(block);
  }
  for (size_t begin = 0; begin < to_store.size();) {
    const size_t end = BatchEnd(to_store, begin);
    common::wire::BlockBatch batch;
    batch.blocks.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      const BlockRef& block = to_store[i];
      batch.blocks.push_back(common::wire::Block{
          block.id, std::string(request.data.substr(start.at(block.id), block.size))});
    }
    TESSERA_RETURN_IF_ERROR(blocks_.Store(batch));
    begin = end;
  }
  TESSERA_ASSIGN_OR_RETURN(common::wire::CommitBatchResponse response,
                           CommitResolved(ctx, *nsid, request.device, {item}));
  if (response.results.size() != 1) {
    return common::Corruption("commit answered " + std::to_string(response.results.size()) +
                              " results for one item");
  }
  return std::move(response.results[0]);
}

}  // namespace tessera::metaserver::ns
