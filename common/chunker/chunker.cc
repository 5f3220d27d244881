#include "common/chunker/chunker.h"

#include "common/check.h"

namespace tessera::common::chunker {

namespace {

std::variant<LineChunker, GearChunker> MakeEngine(const ChunkParams& params) {
  TESSERA_CHECK(params.Validate().ok());
  if (params.method == ChunkMethod::kGear) {
    return std::variant<LineChunker, GearChunker>(std::in_place_type<GearChunker>, params);
  }
  return std::variant<LineChunker, GearChunker>(std::in_place_type<LineChunker>, params);
}

}  // namespace

Chunker::Chunker(const ChunkParams& params) : params_(params), engine_(MakeEngine(params)) {}

const std::vector<uint64_t>& Chunker::Push(std::string_view data) {
  ends_.clear();
  std::visit([&](auto& engine) { engine.Push(data, ends_); }, engine_);
  return ends_;
}

const std::vector<uint64_t>& Chunker::Finish() {
  ends_.clear();
  std::visit([&](auto& engine) { engine.Finish(ends_); }, engine_);
  return ends_;
}

uint64_t Chunker::position() const {
  return std::visit([](const auto& engine) { return engine.position(); }, engine_);
}

std::vector<uint64_t> ChunkEnds(const ChunkParams& params, std::string_view data) {
  Chunker chunker(params);
  std::vector<uint64_t> ends = chunker.Push(data);
  const auto& last = chunker.Finish();
  ends.insert(ends.end(), last.begin(), last.end());
  return ends;
}

std::vector<std::string_view> SplitIntoChunks(const ChunkParams& params, std::string_view data) {
  std::vector<std::string_view> chunks;
  uint64_t start = 0;
  for (const uint64_t end : ChunkEnds(params, data)) {
    chunks.push_back(data.substr(start, end - start));
    start = end;
  }
  return chunks;
}

}  // namespace tessera::common::chunker
