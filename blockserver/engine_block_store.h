// blockserver/engine_block_store.h
//
// EngineBlockStore: the BlockStore the blockserver uses by default, on the LSM engine of
// blockserver/engine/ (docs/engine.md). Blocks already stored are skipped, so a re-upload
// costs no disk writes; every read is checked against its id. Thread-safe, as the engine is.
#pragma once

#include <memory>

#include "blockserver/block_store.h"
#include "blockserver/engine/engine.h"
#include "common/env.h"
#include "common/log.h"

namespace tessera::blockserver {

class EngineBlockStore final : public BlockStore {
 public:
  // Opens (creating if needed) the engine in `dir`. `env` and `log` must outlive the store.
  static common::Result<std::unique_ptr<EngineBlockStore>> Open(const std::string& dir,
                                                                common::Env& env,
                                                                common::Logger& log);

  common::Status PutBatch(
      const std::vector<std::pair<common::BlockId, std::string>>& blocks) override;
  common::Result<std::optional<std::string>> Get(const common::BlockId& id) override;
  common::Result<bool> Has(const common::BlockId& id) override;

  engine::Engine& engine() { return *engine_; }

 private:
  explicit EngineBlockStore(std::unique_ptr<engine::Engine> engine)
      : engine_(std::move(engine)) {}
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace tessera::blockserver
