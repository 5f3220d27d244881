#include "blockserver/engine/sst_reader.h"

#include <zstd.h>

#include <algorithm>

#include "blockserver/engine/bloom.h"
#include "blockserver/engine/sst_block.h"
#include "blockserver/engine/sst_format.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace tessera::blockserver::engine {

namespace {

common::Result<std::string> ReadExact(const common::RandomAccessFile& file, uint64_t offset,
                                      uint64_t n, const std::string& name) {
  std::string buf(n, '\0');
  TESSERA_ASSIGN_OR_RETURN(std::string_view got, file.Read(offset, n, buf.data()));
  if (got.size() != n) return common::Corruption(name + ": truncated (short read)");
  if (got.data() != buf.data()) buf.assign(got);
  return buf;
}

// Checks and strips the trailing CRC of a block read as a whole.
common::Result<std::string> VerifyCrcBlock(std::string block, const std::string& name,
                                           const char* what) {
  if (block.size() < 4) return common::Corruption(name + ": " + what + " too short");
  const uint32_t stored = common::DecodeFixed32(block.data() + block.size() - 4);
  block.resize(block.size() - 4);
  if (common::crc32c::Value(block) != stored) {
    return common::Corruption(name + ": " + what + " checksum mismatch");
  }
  return block;
}

class SstIterator final : public EntryIterator {
 public:
  SstIterator(const SstReader& reader, bool fill_cache) : reader_(reader), fill_cache_(fill_cache) {
    LoadBlock(0);
  }
  bool Valid() const override { return valid_; }
  const BlockId& key() const override { return cursor_->key(); }
  const Entry& entry() const override { return cursor_->entry(); }
  void Next() override {
    if (cursor_->Next()) return;
    if (!cursor_->status().ok()) {
      Fail(cursor_->status());
      return;
    }
    LoadBlock(block_ + 1);
  }
  common::Status status() const override { return status_; }

 private:
  void Fail(common::Status s) {
    status_ = std::move(s);
    valid_ = false;
  }
  void LoadBlock(size_t i) {
    for (; i < reader_.index().size(); ++i) {
      auto block = reader_.ReadBlock(i, fill_cache_);
      if (!block.ok()) {
        Fail(block.status());
        return;
      }
      body_ = *block;
      block_ = i;
      cursor_.emplace(*body_);
      if (cursor_->Next()) {
        valid_ = true;
        return;
      }
      if (!cursor_->status().ok()) {
        Fail(cursor_->status());
        return;
      }
    }
    valid_ = false;
  }

  const SstReader& reader_;
  const bool fill_cache_;
  size_t block_ = 0;
  std::shared_ptr<const std::string> body_;
  std::optional<BlockCursor> cursor_;
  bool valid_ = false;
  common::Status status_;
};

}  // namespace

common::Result<std::shared_ptr<SstReader>> SstReader::Open(common::Env& env,
                                                           const std::string& path,
                                                           uint64_t file_number,
                                                           BlockCache* cache) {
  TESSERA_ASSIGN_OR_RETURN(auto file, env.NewRandomAccessFile(path));
  return Open(std::move(file), path, file_number, cache);
}

common::Result<std::shared_ptr<SstReader>> SstReader::Open(
    std::unique_ptr<common::RandomAccessFile> file, std::string name, uint64_t file_number,
    BlockCache* cache) {
  std::shared_ptr<SstReader> r(new SstReader());
  r->file_ = std::move(file);
  r->name_ = std::move(name);
  r->file_number_ = file_number;
  r->cache_ = cache;
  TESSERA_RETURN_IF_ERROR(r->Load());
  return r;
}

common::Status SstReader::Load() {
  const uint64_t size = file_->Size();
  if (size < sst::kHeaderBytes + sst::kFooterBytes) {
    return common::Corruption(name_ + ": too short to be an SST (" + std::to_string(size) +
                              " bytes)");
  }
  TESSERA_ASSIGN_OR_RETURN(std::string header, ReadExact(*file_, 0, sst::kHeaderBytes, name_));
  if (common::DecodeFixed64(header.data()) != sst::kMagic) {
    return common::Corruption(name_ + ": not an SST (bad magic)");
  }
  if (common::crc32c::Value(std::string_view(header).substr(0, 12)) !=
      common::DecodeFixed32(header.data() + 12)) {
    return common::Corruption(name_ + ": header checksum mismatch");
  }
  format_version_ = common::DecodeFixed32(header.data() + 8);
  if (format_version_ != sst::kFormatVersion) {
    return common::Corruption(name_ + ": unsupported SST format version " +
                              std::to_string(format_version_));
  }
  TESSERA_ASSIGN_OR_RETURN(std::string footer,
                           ReadExact(*file_, size - sst::kFooterBytes, sst::kFooterBytes, name_));
  const char* f = footer.data();
  if (common::DecodeFixed64(f + 48) != sst::kMagic) {
    return common::Corruption(name_ + ": bad footer magic (truncated file?)");
  }
  if (common::crc32c::Value(std::string_view(footer).substr(0, 44)) !=
      common::DecodeFixed32(f + 44)) {
    return common::Corruption(name_ + ": footer checksum mismatch");
  }
  if (common::DecodeFixed32(f + 40) != format_version_) {
    return common::Corruption(name_ + ": footer version differs from header version");
  }
  const uint64_t index_offset = common::DecodeFixed64(f);
  const uint64_t index_size = common::DecodeFixed64(f + 8);
  const uint64_t bloom_offset = common::DecodeFixed64(f + 16);
  const uint64_t bloom_size = common::DecodeFixed64(f + 24);
  entry_count_ = common::DecodeFixed64(f + 32);
  const uint64_t data_end = size - sst::kFooterBytes;
  if (index_size > sst::kMaxIndexBytes || bloom_size > sst::kMaxBloomBytes ||
      index_offset < sst::kHeaderBytes || index_offset > data_end ||
      index_size > data_end - index_offset || bloom_offset < index_offset + index_size ||
      bloom_offset > data_end || bloom_size > data_end - bloom_offset) {
    return common::Corruption(name_ + ": footer points outside the file");
  }
  TESSERA_ASSIGN_OR_RETURN(std::string index_raw,
                           ReadExact(*file_, index_offset, index_size, name_));
  TESSERA_ASSIGN_OR_RETURN(std::string index, VerifyCrcBlock(std::move(index_raw), name_, "index"));
  TESSERA_ASSIGN_OR_RETURN(std::string bloom_raw,
                           ReadExact(*file_, bloom_offset, bloom_size, name_));
  TESSERA_ASSIGN_OR_RETURN(bloom_, VerifyCrcBlock(std::move(bloom_raw), name_, "bloom filter"));

  std::string_view in = index;
  uint64_t count = 0;
  if (!common::GetVarint64(in, &count) || count > in.size() / (kKeyBytes + 3)) {
    return common::Corruption(name_ + ": bad index count");
  }
  index_.reserve(count);
  uint64_t expected_offset = sst::kHeaderBytes;
  for (uint64_t i = 0; i < count; ++i) {
    SstIndexEntry e;
    if (in.size() < kKeyBytes) return common::Corruption(name_ + ": truncated index");
    e.last_key = *BlockId::FromBytes(in.substr(0, kKeyBytes));
    in.remove_prefix(kKeyBytes);
    if (!common::GetVarint64(in, &e.offset) || !common::GetVarint64(in, &e.stored_size) ||
        !common::GetVarint64(in, &e.raw_size)) {
      return common::Corruption(name_ + ": truncated index entry");
    }
    // Blocks are contiguous, in order, inside the data area, and sorted by last key.
    if (e.offset != expected_offset || e.stored_size > sst::kMaxBlockBytes ||
        e.raw_size > sst::kMaxBlockBytes ||
        e.stored_size + sst::kBlockTrailerBytes > index_offset - e.offset ||
        (!index_.empty() && !(index_.back().last_key < e.last_key))) {
      return common::Corruption(name_ + ": bad index entry " + std::to_string(i));
    }
    expected_offset = e.offset + e.stored_size + sst::kBlockTrailerBytes;
    index_.push_back(e);
  }
  if (!in.empty() || expected_offset != index_offset) {
    return common::Corruption(name_ + ": index does not cover the data area");
  }
  return common::Status::Ok();
}

common::Result<std::shared_ptr<const std::string>> SstReader::ReadBlock(size_t i,
                                                                        bool fill_cache) const {
  const SstIndexEntry& e = index_.at(i);
  if (cache_ != nullptr) {
    if (auto hit = cache_->Lookup(file_number_, e.offset)) return hit;
  }
  TESSERA_ASSIGN_OR_RETURN(
      std::string stored,
      ReadExact(*file_, e.offset, e.stored_size + sst::kBlockTrailerBytes, name_));
  const uint32_t crc = common::DecodeFixed32(stored.data() + e.stored_size + 1);
  if (common::crc32c::Extend(0, stored.data(), e.stored_size + 1) != crc) {
    return common::Corruption(name_ + ": data block " + std::to_string(i) + " at offset " +
                              std::to_string(e.offset) + " checksum mismatch");
  }
  const auto compression = static_cast<uint8_t>(stored[e.stored_size]);
  std::string body;
  if (compression == sst::kNoCompression) {
    stored.resize(e.stored_size);
    body = std::move(stored);
  } else if (compression == sst::kZstdCompression) {
    const unsigned long long frame = ZSTD_getFrameContentSize(stored.data(), e.stored_size);
    if (frame != e.raw_size) {
      return common::Corruption(name_ + ": data block " + std::to_string(i) +
                                " size differs from the index");
    }
    body.resize(e.raw_size);
    const size_t n = ZSTD_decompress(body.data(), body.size(), stored.data(), e.stored_size);
    if (ZSTD_isError(n) || n != e.raw_size) {
      return common::Corruption(name_ + ": data block " + std::to_string(i) +
                                " does not decompress");
    }
  } else {
    return common::Corruption(name_ + ": data block " + std::to_string(i) +
                              " has unknown compression " + std::to_string(compression));
  }
  if (body.size() != e.raw_size) {
    return common::Corruption(name_ + ": data block " + std::to_string(i) +
                              " size differs from the index");
  }
  auto shared = std::make_shared<const std::string>(std::move(body));
  if (cache_ != nullptr && fill_cache) cache_->Insert(file_number_, e.offset, shared);
  return shared;
}

bool SstReader::MayContain(const BlockId& key) const { return BloomMayContain(bloom_, key); }

common::Result<std::optional<Entry>> SstReader::Get(const BlockId& key) const {
  if (!MayContain(key)) return std::optional<Entry>();
  auto it =
      std::lower_bound(index_.begin(), index_.end(), key,
                       [](const SstIndexEntry& e, const BlockId& k) { return e.last_key < k; });
  if (it == index_.end()) return std::optional<Entry>();
  TESSERA_ASSIGN_OR_RETURN(auto body, ReadBlock(static_cast<size_t>(it - index_.begin()), true));
  BlockCursor cursor(*body);
  while (cursor.Next()) {
    if (cursor.key() == key) return std::optional<Entry>(cursor.entry());
    if (key < cursor.key()) break;
  }
  TESSERA_RETURN_IF_ERROR(cursor.status());
  return std::optional<Entry>();
}

std::unique_ptr<EntryIterator> SstReader::NewIterator(bool fill_cache) const {
  return std::make_unique<SstIterator>(*this, fill_cache);
}

}  // namespace tessera::blockserver::engine
