#include "daemon/syncer/block_healer.h"

#include <string>
#include <utility>

namespace tessera::daemon::syncer {

common::Status BlockHealer::Report(const std::vector<MissingBlocks>& missing) {
  for (const MissingBlocks& m : missing) {
    auto wanted = meta_.ReportMissing(m.jid, m.ids);
    if (!wanted.ok()) {
      if (wanted.status().code() == common::Code::kUnavailable) return wanted.status();
      log_.Warn("sync", "could not report the missing blocks of " + m.path + ": " +
                            wanted.status().ToString());
      continue;
    }
    log_.Info("sync", "the blockserver lacks " + std::to_string(m.ids.size()) + " block(s) of " +
                          m.path + " (jid " + std::to_string(m.jid) + "); the metaserver asks " +
                          "desktops that hold them for " + std::to_string(*wanted));
  }
  return common::Status::Ok();
}

common::Status BlockHealer::Heal(const std::vector<common::BlockId>& wanted) {
  common::wire::BlockBatch batch;
  uint64_t bytes = 0;
  auto flush = [&]() -> common::Status {
    if (batch.blocks.empty()) return common::Status::Ok();
    const size_t n = batch.blocks.size();
    TESSERA_RETURN_IF_ERROR(blocks_.StoreBatch(batch));
    healed_ += n;
    log_.Info("sync", "stored again " + std::to_string(n) +
                          " block(s) the blockserver had lost, from local copies");
    batch.blocks.clear();
    bytes = 0;
    return common::Status::Ok();
  };
  for (const common::BlockId& id : wanted) {
    auto data = local_blocks_.Get(id);  // verified against the id
    if (!data.ok()) continue;           // not here (or changed since): another desktop's turn
    if (batch.blocks.size() >= common::client::kMaxBatchBlocks ||
        bytes + data->size() > common::client::kMaxBatchBytes) {
      TESSERA_RETURN_IF_ERROR(flush());
    }
    bytes += data->size();
    batch.blocks.push_back(common::wire::Block{id, std::move(*data)});
  }
  return flush();
}

}  // namespace tessera::daemon::syncer
