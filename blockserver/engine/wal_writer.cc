#include "blockserver/engine/wal_writer.h"

#include "blockserver/engine/wal_format.h"
#include "common/check.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace tessera::blockserver::engine {

void EncodeBatchPayload(uint64_t sequence, const std::vector<WalOp>& ops, std::string& out,
                        std::vector<uint64_t>& value_offsets, std::vector<uint32_t>& value_crcs) {
  common::PutFixed64(out, sequence);
  common::PutFixed32(out, static_cast<uint32_t>(ops.size()));
  for (const WalOp& op : ops) {
    out.push_back(static_cast<char>(op.is_delete ? wal::kOpDelete : wal::kOpPut));
    out.append(op.key->bytes());
    if (op.is_delete) continue;
    common::PutVarint64(out, op.value.size());
    const uint32_t crc = common::crc32c::Value(op.value);
    common::PutFixed32(out, crc);
    value_offsets.push_back(out.size());
    value_crcs.push_back(crc);
    out.append(op.value);
  }
}

common::Result<std::unique_ptr<WalWriter>> WalWriter::Create(common::Env& env,
                                                             const std::string& path,
                                                             uint64_t log_number) {
  TESSERA_ASSIGN_OR_RETURN(auto file, env.NewWritableFile(path));
  std::string header;
  common::PutFixed64(header, wal::kMagic);
  common::PutFixed32(header, wal::kFormatVersion);
  common::PutFixed64(header, log_number);
  common::PutFixed32(header, common::crc32c::Value(header));
  TESSERA_RETURN_IF_ERROR(file->Append(header));
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(file), log_number));
}

common::Result<uint64_t> WalWriter::AddRecord(std::string& record) {
  TESSERA_CHECK(record.size() >= wal::kRecordHeaderBytes);
  const size_t length = record.size() - wal::kRecordHeaderBytes;
  TESSERA_CHECK(length <= wal::kMaxRecordBytes);
  common::EncodeFixed32(record.data() + 4, static_cast<uint32_t>(length));
  record[8] = static_cast<char>(wal::kTypeBatch);
  common::EncodeFixed32(record.data(),
                        common::crc32c::Extend(0, record.data() + 4, record.size() - 4));
  const uint64_t offset = file_->Size();
  TESSERA_RETURN_IF_ERROR(file_->Append(record));
  return offset;
}

common::Status WalWriter::Sync() { return file_->Sync(); }
common::Status WalWriter::Close() { return file_->Close(); }

}  // namespace tessera::blockserver::engine
