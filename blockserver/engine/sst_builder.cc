#include "blockserver/engine/sst_builder.h"

#include <zstd.h>

#include "blockserver/engine/bloom.h"
#include "blockserver/engine/sst_block.h"
#include "blockserver/engine/sst_format.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace tessera::blockserver::engine {

common::Result<std::unique_ptr<SstBuilder>> SstBuilder::Create(common::Env& env,
                                                               const std::string& path,
                                                               const SstOptions& options) {
  TESSERA_ASSIGN_OR_RETURN(auto file, env.NewWritableFile(path));
  std::string header;
  common::PutFixed64(header, sst::kMagic);
  common::PutFixed32(header, sst::kFormatVersion);
  common::PutFixed32(header, common::crc32c::Value(header));
  TESSERA_RETURN_IF_ERROR(file->Append(header));
  return std::unique_ptr<SstBuilder>(new SstBuilder(std::move(file), options));
}

common::Status SstBuilder::Add(const BlockId& key, const Entry& entry) {
  if (has_last_key_ && !(last_key_ < key)) {
    return common::InvalidArgument("sst builder: keys out of order at " + key.ToHex());
  }
  EncodeSstEntry(block_, key, entry);
  keys_.push_back(key);
  last_key_ = key;
  has_last_key_ = true;
  ++entry_count_;
  if (block_.size() >= options_.block_bytes) return FlushBlock();
  return common::Status::Ok();
}

common::Status SstBuilder::FlushBlock() {
  if (block_.empty()) return common::Status::Ok();
  if (block_.size() > sst::kMaxBlockBytes) {
    return common::InvalidArgument("sst builder: entry too large for a block");
  }
  std::string stored;
  uint8_t compression = sst::kNoCompression;
  if (options_.zstd_level > 0) {
    stored.resize(ZSTD_compressBound(block_.size()));
    const size_t n = ZSTD_compress(stored.data(), stored.size(), block_.data(), block_.size(),
                                   options_.zstd_level);
    // Keep the compressed form only when it saves at least 1/8.
    if (!ZSTD_isError(n) && n < block_.size() - block_.size() / 8) {
      stored.resize(n);
      compression = sst::kZstdCompression;
    }
  }
  if (compression == sst::kNoCompression) stored = block_;
  const uint64_t offset = file_->Size();
  stored.push_back(static_cast<char>(compression));
  common::PutFixed32(stored, common::crc32c::Value(stored));
  TESSERA_RETURN_IF_ERROR(file_->Append(stored));
  index_.append(last_key_.bytes());
  common::PutVarint64(index_, offset);
  common::PutVarint64(index_, stored.size() - sst::kBlockTrailerBytes);
  common::PutVarint64(index_, block_.size());
  ++index_count_;
  block_.clear();
  return common::Status::Ok();
}

common::Result<uint64_t> SstBuilder::Finish() {
  TESSERA_RETURN_IF_ERROR(FlushBlock());
  std::string index;
  common::PutVarint64(index, index_count_);
  index.append(index_);
  common::PutFixed32(index, common::crc32c::Value(index));
  const uint64_t index_offset = file_->Size();
  TESSERA_RETURN_IF_ERROR(file_->Append(index));

  std::string bloom = BuildBloom(keys_, options_.bloom_bits_per_key);
  common::PutFixed32(bloom, common::crc32c::Value(bloom));
  const uint64_t bloom_offset = file_->Size();
  TESSERA_RETURN_IF_ERROR(file_->Append(bloom));

  std::string footer;
  common::PutFixed64(footer, index_offset);
  common::PutFixed64(footer, index.size());
  common::PutFixed64(footer, bloom_offset);
  common::PutFixed64(footer, bloom.size());
  common::PutFixed64(footer, entry_count_);
  common::PutFixed32(footer, sst::kFormatVersion);
  common::PutFixed32(footer, common::crc32c::Value(footer));
  common::PutFixed64(footer, sst::kMagic);
  TESSERA_RETURN_IF_ERROR(file_->Append(footer));
  TESSERA_RETURN_IF_ERROR(file_->Sync());
  const uint64_t size = file_->Size();
  TESSERA_RETURN_IF_ERROR(file_->Close());
  return size;
}

}  // namespace tessera::blockserver::engine
