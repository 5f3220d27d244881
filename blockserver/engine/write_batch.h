// blockserver/engine/write_batch.h
//
// WriteBatch: puts and deletes applied atomically and durably by Engine::Write. Values are
// copied in. A value type; thread-compatible (one thread fills it, then hands it to Write).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blockserver/engine/entry.h"

namespace tessera::blockserver::engine {

class WriteBatch {
 public:
  struct Op {
    bool is_delete = false;
    BlockId key;
    std::string value;
    // Set only for the engine's blob garbage collection: apply this put only if the key's
    // current value still lives at this address.
    std::optional<BlobAddress> relocate_from;
  };

  void Put(const BlockId& key, std::string_view value) {
    value_bytes_ += value.size();
    ops_.push_back(Op{false, key, std::string(value), std::nullopt});
  }
  void Delete(const BlockId& key) { ops_.push_back(Op{true, key, {}, std::nullopt}); }
  // Engine-internal (blob GC): a conditional put, see Op::relocate_from.
  void Relocate(const BlockId& key, std::string_view value, const BlobAddress& from) {
    value_bytes_ += value.size();
    ops_.push_back(Op{false, key, std::string(value), from});
  }

  size_t Count() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  // Total bytes of the put values.
  uint64_t ValueBytes() const { return value_bytes_; }
  const std::vector<Op>& ops() const { return ops_; }
  void Clear() {
    ops_.clear();
    value_bytes_ = 0;
  }

 private:
  std::vector<Op> ops_;
  uint64_t value_bytes_ = 0;
};

}  // namespace tessera::blockserver::engine
