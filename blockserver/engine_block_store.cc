#include "blockserver/engine_block_store.h"

#include "common/wire/block_messages.h"

namespace tessera::blockserver {

common::Result<std::unique_ptr<EngineBlockStore>> EngineBlockStore::Open(const std::string& dir,
                                                                         common::Env& env,
                                                                         common::Logger& log) {
  engine::EngineOptions options;
  options.dir = dir;
  auto opened = engine::Engine::Open(options, env, log);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<EngineBlockStore>(new EngineBlockStore(std::move(opened).value()));
}

common::Status EngineBlockStore::PutBatch(
    const std::vector<std::pair<common::BlockId, std::string>>& blocks) {
  engine::WriteBatch batch;
  for (const auto& [id, data] : blocks) {
    // Content addressing: a stored id already holds exactly these bytes.
    auto has = engine_->Has(id);
    if (!has.ok()) return has.status();
    if (!*has) batch.Put(id, data);
  }
  if (batch.empty()) return common::Status::Ok();
  return engine_->Write(batch);
}

common::Result<std::optional<std::string>> EngineBlockStore::Get(const common::BlockId& id) {
  auto value = engine_->Get(id);
  if (!value.ok() || !value->has_value()) return value;
  TESSERA_RETURN_IF_ERROR(common::wire::VerifyBlock(id, **value));
  return value;
}

common::Result<bool> EngineBlockStore::Has(const common::BlockId& id) { return engine_->Has(id); }

}  // namespace tessera::blockserver
