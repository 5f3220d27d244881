#include "common/chunker/hashify.h"

#include <algorithm>

#include "common/check.h"

namespace tessera::common::chunker {

Result<ChunkParams> ChooseParams(FileFormat format, uint64_t file_size,
                                 const HashifyOptions& options) {
  ChunkParams params;
  if (format == FileFormat::kText && options.one_line_per_chunk) {
    params = ChunkParams::OneLinePerChunk();
  } else if (options.avg_bytes.has_value()) {
    params = ChunkParams::WithAverage(
        format == FileFormat::kText ? ChunkMethod::kTextLines : ChunkMethod::kGear,
        *options.avg_bytes);
  } else {
    params = format == FileFormat::kText ? ChunkParams::ForText(file_size)
                                         : ChunkParams::ForBinary(file_size);
  }
  TESSERA_RETURN_IF_ERROR(params.Validate());
  return params;
}

BlockListBuilder::BlockListBuilder(const ChunkParams& params, bool file_sha256)
    : params_(params), chunker_(params) {
  if (file_sha256) file_hasher_.emplace();
}

void BlockListBuilder::Push(std::string_view data) {
  if (file_hasher_) file_hasher_->Update(data);
  const uint64_t base = size_;  // stream offset of data[0]; pending_ is [block_start_, base)
  size_ += data.size();
  for (const uint64_t end : chunker_.Push(data)) {
    // A cut may fall inside an earlier push's bytes (the line chunker, full in the middle of a
    // line, cuts after the last whole line), so the open block's bytes wait in pending_ until
    // its end is known.
    if (end <= base) {
      const auto n = static_cast<size_t>(end - block_start_);
      block_hasher_.Update(std::string_view(pending_).substr(0, n));
      pending_.erase(0, n);
    } else {
      const uint64_t from = std::max(block_start_, base);
      block_hasher_.Update(pending_);
      pending_.clear();
      block_hasher_.Update(data.substr(from - base, end - from));
    }
    blocks_.push_back({block_hasher_.Finish(), static_cast<uint32_t>(end - block_start_)});
    block_start_ = end;
  }
  pending_.append(data.substr(std::max(block_start_, base) - base));
}

FileChunks BlockListBuilder::Finish(FileFormat format) {
  for (const uint64_t end : chunker_.Finish()) {
    TESSERA_CHECK(end == size_);
    TESSERA_CHECK(pending_.size() == end - block_start_);
    block_hasher_.Update(pending_);
    pending_.clear();
    blocks_.push_back({block_hasher_.Finish(), static_cast<uint32_t>(end - block_start_)});
    block_start_ = end;
  }
  FileChunks out;
  out.format = format;
  out.params = params_;
  out.blocks = std::move(blocks_);
  out.size = size_;
  if (file_hasher_) out.sha256 = file_hasher_->Finish();
  return out;
}

Result<FileChunks> HashifyFile(Env& env, const std::string& path, const HashifyOptions& options) {
  TESSERA_ASSIGN_OR_RETURN(auto file, env.NewRandomAccessFile(path));
  const size_t buffer_bytes = std::max<size_t>(options.read_buffer_bytes, 64u << 10);
  std::string buffer(buffer_bytes, '\0');
  TESSERA_ASSIGN_OR_RETURN(std::string_view first, file->Read(0, buffer_bytes, buffer.data()));

  const FileFormat format = options.format.value_or(
      DetectFormat(path, first.substr(0, std::min(first.size(), kDetectBytes))));
  TESSERA_ASSIGN_OR_RETURN(
      const ChunkParams params,
      ChooseParams(format, std::max<uint64_t>(file->Size(), first.size()), options));
  BlockListBuilder builder(params, options.file_sha256);
  std::string_view got = first;
  uint64_t offset = 0;
  for (;;) {
    builder.Push(got);
    offset += got.size();
    if (got.size() < buffer_bytes) break;  // a short read is the end of the file
    TESSERA_ASSIGN_OR_RETURN(got, file->Read(offset, buffer_bytes, buffer.data()));
  }
  return builder.Finish(format);
}

Result<FileChunks> HashifyBytes(std::string_view path, std::string_view data,
                                const HashifyOptions& options) {
  const FileFormat format = options.format.value_or(
      DetectFormat(path, data.substr(0, std::min(data.size(), kDetectBytes))));
  TESSERA_ASSIGN_OR_RETURN(const ChunkParams params, ChooseParams(format, data.size(), options));
  BlockListBuilder builder(params, options.file_sha256);
  builder.Push(data);
  return builder.Finish(format);
}

}  // namespace tessera::common::chunker
