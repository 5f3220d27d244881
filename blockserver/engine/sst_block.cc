#include "blockserver/engine/sst_block.h"

#include "common/coding.h"

namespace tessera::blockserver::engine {

void EncodeSstEntry(std::string& out, const BlockId& key, const Entry& entry) {
  out.append(key.bytes());
  out.push_back(static_cast<char>(entry.kind));
  switch (entry.kind) {
    case EntryKind::kValue:
      common::PutVarint64(out, entry.value.size());
      out.append(entry.value);
      break;
    case EntryKind::kBlob:
      common::PutVarint64(out, entry.blob.file_number);
      common::PutVarint64(out, entry.blob.offset);
      common::PutVarint64(out, entry.blob.size);
      common::PutFixed32(out, entry.blob.crc);
      break;
    case EntryKind::kTombstone:
      break;
  }
}

bool BlockCursor::Next() {
  if (rest_.empty() || !status_.ok()) return false;
  if (rest_.size() < kKeyBytes + 1) {
    status_ = common::Corruption("sst block: truncated entry");
    return false;
  }
  key_ = *BlockId::FromBytes(rest_.substr(0, kKeyBytes));
  const auto kind = static_cast<uint8_t>(rest_[kKeyBytes]);
  rest_.remove_prefix(kKeyBytes + 1);
  entry_ = Entry{};
  switch (kind) {
    case static_cast<uint8_t>(EntryKind::kValue): {
      uint64_t size = 0;
      if (!common::GetVarint64(rest_, &size) || size > rest_.size()) break;
      entry_.kind = EntryKind::kValue;
      entry_.value.assign(rest_.substr(0, size));
      rest_.remove_prefix(size);
      return true;
    }
    case static_cast<uint8_t>(EntryKind::kBlob): {
      uint64_t size = 0;
      if (!common::GetVarint64(rest_, &entry_.blob.file_number) ||
          !common::GetVarint64(rest_, &entry_.blob.offset) || !common::GetVarint64(rest_, &size) ||
          size > UINT32_MAX || !common::GetFixed32(rest_, &entry_.blob.crc)) {
        break;
      }
      entry_.kind = EntryKind::kBlob;
      entry_.blob.size = static_cast<uint32_t>(size);
      return true;
    }
    case static_cast<uint8_t>(EntryKind::kTombstone):
      entry_.kind = EntryKind::kTombstone;
      return true;
    default:
      status_ = common::Corruption("sst block: unknown entry kind " + std::to_string(kind));
      return false;
  }
  status_ = common::Corruption("sst block: malformed entry");
  return false;
}

}  // namespace tessera::blockserver::engine
