#include "daemon/syncer/block_sender.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "common/chunker/block_list_diff.h"
#include "daemon/syncer/local_fs.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

namespace {

// Text files up to this size keep their blocks in the chunk cache (as delta bases for later).
constexpr uint64_t kMaxCachedFileBytes = 64ull << 20;
// A new file's blocks are cached only from this size on: one cache file per block is too dear
// for a tree of small files, whose edits cost little anyway. Edits (a synced version exists)
// are always cached, so the next edit has its base.
constexpr uint64_t kMinCachedNewFileBytes = 1ull << 20;
// Files up to this size are read once whole rather than once per block.
constexpr uint64_t kWholeReadBytes = 8ull << 20;

}  // namespace

void BlockSender::Reset() {
  queued_.clear();
  (void)window_.WaitAll();  // an earlier Upload() that failed already reported its error
}

common::Result<std::set<std::string>> BlockSender::Send(const std::vector<BlockNeed>& needs,
                                                        NextPass& next) {
  std::set<std::string> failed;
  common::wire::BlockBatch batch;
  uint64_t batch_bytes = 0;
  // A third of the window, so one batch is read while two are in the pipe.
  const uint64_t batch_target =
      std::max<uint64_t>(1, std::min(remote::kPipelinedBatchBytes, window_.max_bytes() / 3));
  // Into the pipe: this thread reads the next batch while the last one is on the wire (Submit
  // waits while the pipe is full, MakeRoom while the window is).
  auto flush = [&]() {
    if (batch.blocks.empty()) return;
    auto stored = pipe_.Submit([batch = std::move(batch)](common::client::BlockClient& client) {
      return client.StoreBatch(batch);
    });
    window_.Add(std::move(stored), batch_bytes);
    batch = common::wire::BlockBatch();
    batch_bytes = 0;
  };
  for (const BlockNeed& need : needs) {
    // Named references, not a structured binding: the lambdas below capture `item`.
    const UploadItem& item = need.first;
    const std::vector<common::BlockId>& ids = need.second;
    if (!item.local || item.local->kind != FileKind::kFile) continue;
    // Where each block of this version sits in the file, and its index (the first place of a
    // block that occurs twice): one entry per block, for as long as this file's blocks are
    // read.
    struct Place {
      uint64_t offset;
      uint32_t size;
      size_t index;
    };
    std::unordered_map<common::BlockId, Place> where;
    where.reserve(item.local->blocks.size());
    uint64_t offset = 0;
    for (size_t n = 0; n < item.local->blocks.size(); ++n) {
      const auto& b = item.local->blocks[n];
      where.emplace(b.id, Place{offset, b.size, n});
      offset += b.size;
    }
    // The synced version this one replaces: each new block in the changed range has an old
    // block at the same position there, a likely delta base.
    std::vector<common::wire::BlockRef> old_blocks;
    TESSERA_ASSIGN_OR_RETURN(auto row, index_.Get(item.path));
    const bool edit = row && row->base && row->base->kind == FileKind::kFile;
    if (edit) old_blocks = row->base->blocks;
    const bool cache_blocks = item.stat.format == "text" && offset <= kMaxCachedFileBytes &&
                              (edit || offset >= kMinCachedNewFileBytes);
    const auto diff = common::chunker::CompareBlockLists(old_blocks, item.local->blocks);
    auto base_of = [&](const common::BlockId& id) -> std::optional<common::BlockId> {
      const size_t j = where.at(id).index;
      const size_t old_end = old_blocks.size() - diff.suffix;
      if (j < diff.prefix || j >= item.local->blocks.size() - diff.suffix ||
          old_end <= diff.prefix) {
        return std::nullopt;
      }
      return old_blocks[std::min(diff.prefix + (j - diff.prefix), old_end - 1)].id;
    };
    const std::string abs = config_.root + "/" + item.path;
    std::optional<std::string> whole;  // the file's bytes, when small enough to read at once
    if (offset <= kWholeReadBytes && ids.size() > 1) {
      auto read = env_.ReadFileToString(abs);
      if (read.ok() && read->size() == offset) whole = std::move(*read);
    }
    for (const auto& id : ids) {
      if (queued_.contains(id)) continue;
      auto it = where.find(id);
      if (it == where.end()) {
        RecordError(log_, index_, "the server asked for a block " + item.path + " does not have");
        failed.insert(item.path);
        break;
      }
      // The bytes read and not yet stored stay within the window.
      const Place& place = it->second;
      window_.MakeRoom(batch_bytes + place.size);
      common::Result<std::string> data = common::NotFound("unread");
      if (whole) {
        std::string bytes = whole->substr(place.offset, place.size);
        if (common::BlockId::Of(bytes) == id) {
          data = std::move(bytes);
        } else {
          data = common::Conflict("block " + id.ToHex().substr(0, 12) + " changed in " + abs);
        }
      } else {
        data = ReadVerifiedBlock(env_, abs, place.offset, place.size, id);
      }
      if (!data.ok()) {
        // The file changed since it was hashed: the next pass looks at it again and uploads
        // the new version.
        log_.Info("sync",
                  item.path + " changed before its blocks went up: " + data.status().ToString());
        failed.insert(item.path);
        next.Rescan(item.path);
        break;
      }
      queued_.insert(id);
      if (cache_blocks) local_blocks_.Keep(id, *data);
      common::wire::Block block{id, std::nullopt};
      if (auto base = base_of(id); base && *base != id) {
        // The encoder sends the delta only when it beats the block compressed.
        if (auto base_data = local_blocks_.Get(*base); base_data.ok()) {
          auto delta = common::wire::MakeBlockDelta(*base, *base_data, *data);
          if (delta.ok()) block.delta = std::move(*delta);
        }
      }
      batch_bytes += data->size();
      block.data = std::move(*data);
      batch.blocks.push_back(std::move(block));
      if (batch_bytes >= batch_target || batch.blocks.size() >= common::client::kMaxBatchBlocks) {
        flush();
      }
    }
  }
  flush();
  return failed;
}

}  // namespace tessera::daemon::syncer
