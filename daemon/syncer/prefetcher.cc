#include "daemon/syncer/prefetcher.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "daemon/syncer/delta_bases.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;
using common::wire::FileKind;

Result<Prefetcher::Fetch> Prefetcher::Start(const std::vector<Plan>& writes, size_t begin,
                                            const std::unordered_set<common::BlockId>& coming) {
  Fetch fetch;
  std::vector<common::BlockId> ids;
  std::vector<std::optional<common::BlockId>> bases;  // parallel to ids
  // The delta bases' bytes, read here (the pipe's thread must not touch the index or cache).
  auto base_bytes = std::make_shared<std::unordered_map<common::BlockId, std::string>>();
  uint64_t bytes = 0;
  uint64_t held_base_bytes = 0;  // bounded like the request: past it, blocks come whole
  size_t end = begin;
  // One read transaction for the block lookups (a statement alone takes and drops the locks).
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    for (; end < writes.size(); ++end) {
      const Plan& plan = writes[end];
      if (plan.step != PathStep::kWrite || !plan.pending || !plan.pending->version ||
          plan.pending->version->kind != FileKind::kFile) {
        continue;
      }
      // A new file, or an edit of one held here: the blocks of an edit name the blocks they
      // probably replace locally, so the server can answer small deltas.
      const bool edit = plan.row && plan.row->local && plan.row->local->kind == FileKind::kFile;
      const auto& blocks = plan.pending->version->blocks;
      std::vector<common::BlockId> mine;
      std::vector<size_t> mine_at;
      uint64_t mine_bytes = 0;
      // An edit's unchanged blocks are in the version it replaces (the Reconstructor reads
      // them there): no lookups for them.
      std::unordered_set<common::BlockId> own;
      if (edit) {
        for (const auto& r : plan.row->local->blocks) own.insert(r.id);
      }
      for (size_t k = 0; k < blocks.size(); ++k) {
        const auto& b = blocks[k];
        if (own.contains(b.id) || fetch.ids.contains(b.id) || coming.contains(b.id) ||
            local_blocks_.Cached(b.id)) {
          continue;
        }
        TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(b.id, 1));
        if (!places.empty()) continue;  // another local file has it (a copy, a rename)
        fetch.ids.insert(b.id);
        mine.push_back(b.id);
        mine_at.push_back(k);
        mine_bytes += b.size;
      }
      if (end > begin && (bytes + mine_bytes > remote::kPipelinedBatchBytes ||
                          ids.size() + mine.size() > common::client::kMaxBatchBlocks)) {
        for (const auto& id : mine) fetch.ids.erase(id);
        break;  // this file starts the next group
      }
      if (mine_bytes > remote::kPipelinedBatchBytes ||
          mine.size() > common::client::kMaxBatchBlocks) {
        for (const auto& id : mine) fetch.ids.erase(id);
        ++end;  // too big for one request: it fetches its own blocks in windows
        break;
      }
      std::vector<std::optional<common::BlockId>> mine_bases(mine.size());
      if (edit && !mine.empty()) {
        mine_bases = DeltaBases(index_, plan.path, blocks, mine_at);
        for (auto& base : mine_bases) {
          if (!base || base_bytes->contains(*base)) continue;
          auto data = held_base_bytes < remote::kPipelinedBatchBytes
                          ? local_blocks_.Get(*base)
                          : Result<std::string>(common::ResourceExhausted("bases held"));
          if (data.ok()) {
            held_base_bytes += data->size();
            base_bytes->emplace(*base, std::move(*data));
          } else {
            base.reset();  // changed under us: fetched whole
          }
        }
      }
      ids.insert(ids.end(), mine.begin(), mine.end());
      bases.insert(bases.end(), mine_bases.begin(), mine_bases.end());
      bytes += mine_bytes;
    }
    return Status::Ok();
  }));
  fetch.end = std::max(end, begin + 1);
  if (!ids.empty()) {
    fetch.refused = std::make_shared<size_t>(0);
    fetch.blocks = pipe_.Submit([ids = std::move(ids), bases = std::move(bases), base_bytes,
                                 refused = fetch.refused](common::client::BlockClient& client) {
      return client.RetrieveBatch(
          ids, bases,
          [&base_bytes](const common::BlockId& id) -> Result<std::string> {
            auto it = base_bytes->find(id);
            if (it == base_bytes->end()) return common::NotFound("no base " + id.ToHex());
            return it->second;
          },
          refused.get());
    });
  }
  return fetch;
}

Status Prefetcher::Receive(Fetch& fetch, DownloadGroup& group) {
  if (!fetch.blocks) return Status::Ok();
  auto batch = fetch.blocks->get();
  fetch.blocks.reset();
  stats_.refused += *fetch.refused;
  if (!batch.ok()) return batch.status();
  for (auto& b : *batch) {
    if (b.data) group.AddPrefetched(b.id, std::move(*b.data));  // verified by the client
  }
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
