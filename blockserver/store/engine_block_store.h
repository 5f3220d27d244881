// blockserver/store/engine_block_store.h
//
// EngineBlockStore: the BlockStore the blockserver uses by default, on the LSM engine of
// blockserver/engine/ (docs/engine.md). Each block is stored as a tagged value, zstd-compressed
// when that is smaller (layout and the FORMAT marker in engine_block_store_format.h). Blocks
// already stored are skipped, so a re-upload costs no disk writes; every read is inflated with
// a hard bound and checked against its id. Thread-safe, as the engine is.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "blockserver/engine/engine.h"
#include "blockserver/store/block_store.h"
#include "common/env.h"
#include "common/log.h"
#include "common/zstd.h"

namespace tessera::blockserver {

class EngineBlockStore final : public BlockStore {
 public:
  // Opens (creating if needed, FORMAT marker first) the engine in `dir`. `env` and `log` must
  // outlive the store. InvalidArgument for a directory holding engine files but no FORMAT
  // marker (written before values were tagged: it would be misread) or a newer FORMAT;
  // Corruption for an unreadable FORMAT; engine errors as Engine::Open returns them.
  static common::Result<std::unique_ptr<EngineBlockStore>> Open(const std::string& dir,
                                                                common::Env& env,
                                                                common::Logger& log);

  common::Status PutBatch(
      const std::vector<std::pair<common::BlockId, std::string>>& blocks) override;
  // Besides the BlockStore contract: Corruption for a value with an unknown tag or a zstd
  // payload that does not inflate (within wire::kMaxBlockBytes).
  common::Result<std::optional<std::string>> Get(const common::BlockId& id) override;
  common::Result<bool> Has(const common::BlockId& id) override;

  // The engine value for `block`: tag + payload, zstd only for blocks of at least
  // kMinCompressBytes and when smaller.
  static std::string EncodeValue(std::string_view block);
  static std::string EncodeValue(std::string_view block, common::zstd::Codec& codec);
  // The block held by an engine value; Corruption as for Get.
  static common::Result<std::string> DecodeValue(std::string_view value);
  static common::Result<std::string> DecodeValue(std::string_view value,
                                                 common::zstd::Codec& codec);

  engine::Engine& engine() { return *engine_; }

 private:
  explicit EngineBlockStore(std::unique_ptr<engine::Engine> engine) : engine_(std::move(engine)) {}
  std::unique_ptr<engine::Engine> engine_;
  common::zstd::CodecPool codecs_;  // for the HTTP threads' puts and gets
};

}  // namespace tessera::blockserver
