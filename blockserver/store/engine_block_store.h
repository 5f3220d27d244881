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
  struct OpenOptions {
    // Start even where a store was expected and its files are gone (a FORMAT marker without
    // a MANIFEST): `tessera-blockserver --allow-empty`.
    bool allow_empty = false;
    engine::EngineOptions engine;  // `dir` and `marker_file` are set by Open
  };
  // Opens (creating if needed, FORMAT marker first) the engine in `dir`. `env` and `log` must
  // outlive the store. NotFound for a FORMAT marker without a MANIFEST or data files (the
  // store that was there is gone) unless options.allow_empty; InvalidArgument for a directory
  // holding engine files but no FORMAT marker (deleted, or written before values were tagged:
  // it would be misread) or a newer FORMAT; Corruption for an unreadable FORMAT; engine errors
  // as Engine::Open returns them (Corruption and NotFound naming the check and repair tools).
  static common::Result<std::unique_ptr<EngineBlockStore>> Open(const std::string& dir,
                                                                common::Env& env,
                                                                common::Logger& log,
                                                                const OpenOptions& options);
  static common::Result<std::unique_ptr<EngineBlockStore>> Open(const std::string& dir,
                                                                common::Env& env,
                                                                common::Logger& log);

  common::Status PutBatch(
      const std::vector<std::pair<common::BlockId, std::string>>& blocks) override;
  // Besides the BlockStore contract: Corruption for a value with an unknown tag or a zstd
  // payload that does not inflate (within wire::kMaxBlockBytes), and when the engine cannot
  // read it (a damaged SST block or blob value); each Corruption is logged with the block id.
  common::Result<std::optional<std::string>> Get(const common::BlockId& id) override;
  // Corruption (logged) when the index entry cannot be read.
  common::Result<bool> Has(const common::BlockId& id) override;
  common::Status AddRefs(std::string_view ns, const std::vector<common::BlockId>& ids) override;
  common::Result<bool> HasRef(std::string_view ns, const common::BlockId& id) override;

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
  EngineBlockStore(std::unique_ptr<engine::Engine> engine, common::Logger& log)
      : engine_(std::move(engine)), log_(log) {}
  // Logs a read of `id` that hit damage; returns `s`.
  common::Status LogCorruption(const common::BlockId& id, const common::Status& s);

  std::unique_ptr<engine::Engine> engine_;
  common::Logger& log_;
  common::zstd::CodecPool codecs_;  // for the HTTP threads' puts and gets
};

}  // namespace tessera::blockserver
