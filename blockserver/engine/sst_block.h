// blockserver/engine/sst_block.h
//
// Encoding of the entries inside one decompressed SST data block (layout in sst_format.h), and
// BlockCursor, which walks them. Pure functions / a cursor over borrowed bytes; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "blockserver/engine/entry.h"
#include "common/status.h"

namespace tessera::blockserver::engine {

// Appends one encoded entry to `out`.
void EncodeSstEntry(std::string& out, const BlockId& key, const Entry& entry);

// Walks the entries of a block body. The body must outlive the cursor.
class BlockCursor {
 public:
  explicit BlockCursor(std::string_view body) : rest_(body) {}
  // Decodes the next entry into key()/entry(); false at the end or on malformed data (then
  // status() is kCorruption).
  bool Next();
  const BlockId& key() const { return key_; }
  const Entry& entry() const { return entry_; }
  const common::Status& status() const { return status_; }

 private:
  std::string_view rest_;
  BlockId key_;
  Entry entry_;
  common::Status status_;
};

}  // namespace tessera::blockserver::engine
