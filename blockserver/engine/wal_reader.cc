#include "blockserver/engine/wal_reader.h"

#include "blockserver/engine/wal_format.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace tessera::blockserver::engine {

common::Result<DecodedBatch> DecodeBatchPayload(std::string_view payload) {
  const std::string_view whole = payload;
  DecodedBatch batch;
  uint32_t count = 0;
  if (!common::GetFixed64(payload, &batch.sequence) || !common::GetFixed32(payload, &count)) {
    return common::Corruption("wal batch: short header");
  }
  // Each op takes at least 33 bytes; bound the reservation by what the payload can hold.
  if (count > payload.size() / (1 + kKeyBytes)) {
    return common::Corruption("wal batch: op count " + std::to_string(count) + " too large");
  }
  batch.ops.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (payload.size() < 1 + kKeyBytes) return common::Corruption("wal batch: truncated op");
    DecodedOp op;
    const auto kind = static_cast<uint8_t>(payload[0]);
    if (kind != wal::kOpPut && kind != wal::kOpDelete) {
      return common::Corruption("wal batch: unknown op kind " + std::to_string(kind));
    }
    op.is_delete = kind == wal::kOpDelete;
    op.key = *BlockId::FromBytes(payload.substr(1, kKeyBytes));
    payload.remove_prefix(1 + kKeyBytes);
    if (!op.is_delete) {
      uint64_t size = 0;
      if (!common::GetVarint64(payload, &size) || !common::GetFixed32(payload, &op.value_crc) ||
          size > payload.size()) {
        return common::Corruption("wal batch: bad value length");
      }
      op.value = payload.substr(0, size);
      op.value_offset = static_cast<uint64_t>(op.value.data() - whole.data());
      payload.remove_prefix(size);
      if (common::crc32c::Value(op.value) != op.value_crc) {
        return common::Corruption("wal batch: value checksum mismatch");
      }
    }
    batch.ops.push_back(op);
  }
  if (!payload.empty()) return common::Corruption("wal batch: trailing bytes");
  return batch;
}

WalReader::Outcome WalReader::Torn(std::string reason) {
  torn_reason_ = std::move(reason);
  return Outcome::kTorn;
}

common::Result<bool> WalReader::RestIsZero(uint64_t from) {
  std::string buf(1 << 16, '\0');
  for (uint64_t pos = from; pos < file_.Size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), file_.Size() - pos));
    TESSERA_ASSIGN_OR_RETURN(std::string_view got, file_.Read(pos, n, buf.data()));
    if (got.size() != n) return common::IOError("read " + name_, "short read");
    for (char c : got) {
      if (c != 0) return false;
    }
    pos += n;
  }
  return true;
}

common::Result<WalReader::Outcome> WalReader::ReadHeader() {
  const uint64_t size = file_.Size();
  if (size == 0) return Outcome::kEnd;
  if (size < wal::kHeaderBytes) return Torn("file shorter than its header");
  char buf[wal::kHeaderBytes];
  TESSERA_ASSIGN_OR_RETURN(std::string_view h, file_.Read(0, wal::kHeaderBytes, buf));
  if (h.size() != wal::kHeaderBytes) return common::IOError("read " + name_, "short read");
  if (h.find_first_not_of('\0') == std::string_view::npos) return Torn("header never written");
  if (common::DecodeFixed64(h.data()) != wal::kMagic) {
    return common::Corruption(name_ + ": not a log file (bad magic)");
  }
  if (common::crc32c::Value(h.substr(0, 20)) != common::DecodeFixed32(h.data() + 20)) {
    return common::Corruption(name_ + ": log header checksum mismatch");
  }
  const uint32_t version = common::DecodeFixed32(h.data() + 8);
  if (version != wal::kFormatVersion) {
    return common::Corruption(name_ + ": unsupported log format version " +
                              std::to_string(version));
  }
  log_number_ = common::DecodeFixed64(h.data() + 12);
  offset_ = wal::kHeaderBytes;
  header_done_ = true;
  return Outcome::kRecord;
}

common::Result<WalReader::Outcome> WalReader::Next(std::string& payload, uint64_t& payload_offset) {
  if (!header_done_) {
    TESSERA_ASSIGN_OR_RETURN(Outcome o, ReadHeader());
    if (o != Outcome::kRecord) return o;
  }
  const uint64_t size = file_.Size();
  if (offset_ == size) return Outcome::kEnd;
  if (size - offset_ < wal::kRecordHeaderBytes) return Torn("record header cut short");
  char hbuf[wal::kRecordHeaderBytes];
  TESSERA_ASSIGN_OR_RETURN(std::string_view h, file_.Read(offset_, wal::kRecordHeaderBytes, hbuf));
  if (h.size() != wal::kRecordHeaderBytes) return common::IOError("read " + name_, "short read");
  const uint32_t crc = common::DecodeFixed32(h.data());
  const uint32_t length = common::DecodeFixed32(h.data() + 4);
  const auto type = static_cast<uint8_t>(h[8]);
  const uint64_t body_start = offset_ + wal::kRecordHeaderBytes;
  const uint64_t end = body_start + length;
  if (length > wal::kMaxRecordBytes || end > size) {
    // Either the record was cut by a crash, or its length field is garbage. Only zeros or the
    // end of the file may follow a torn record.
    TESSERA_ASSIGN_OR_RETURN(bool zero, RestIsZero(offset_));
    if (zero || length <= wal::kMaxRecordBytes) {
      return Torn("record at offset " + std::to_string(offset_) + " runs past the end");
    }
    return common::Corruption(name_ + ": bad record length at offset " + std::to_string(offset_));
  }
  payload.resize(length);
  TESSERA_ASSIGN_OR_RETURN(std::string_view body, file_.Read(body_start, length, payload.data()));
  if (body.size() != length) return common::IOError("read " + name_, "short read");
  uint32_t actual = common::crc32c::Extend(0, h.data() + 4, 5);
  actual = common::crc32c::Extend(actual, payload.data(), length);
  if (actual != crc) {
    if (end == size) {
      return Torn("last record at offset " + std::to_string(offset_) + " fails its checksum");
    }
    TESSERA_ASSIGN_OR_RETURN(bool zero, RestIsZero(offset_));
    if (zero) return Torn("zero-filled tail at offset " + std::to_string(offset_));
    return common::Corruption(name_ + ": record checksum mismatch at offset " +
                              std::to_string(offset_));
  }
  if (type != wal::kTypeBatch) {
    return common::Corruption(name_ + ": unknown record type " + std::to_string(type) +
                              " at offset " + std::to_string(offset_));
  }
  payload_offset = body_start;
  offset_ = end;
  return Outcome::kRecord;
}

}  // namespace tessera::blockserver::engine
