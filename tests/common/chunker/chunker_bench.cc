// chunker_bench: prints the throughput (MB/s) and mean chunk size of each chunking method and of
// HashifyBytes (chunking plus SHA-256) on generated text and random bytes. Not a test: run by
// scripts/bench-chunker. Usage: chunker_bench [megabytes, default 64]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/chunker/chunker.h"
#include "common/chunker/hashify.h"
#include "tests/common/chunker/chunk_test_util.h"

namespace tessera::common::chunker {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void BenchChunker(const char* name, const ChunkParams& params, const std::string& data) {
  const auto start = Clock::now();
  Chunker chunker(params);
  uint64_t chunks = 0;
  constexpr size_t kPiece = 1u << 20;
  for (size_t at = 0; at < data.size(); at += kPiece) {
    chunks += chunker.Push(std::string_view(data).substr(at, kPiece)).size();
  }
  chunks += chunker.Finish().size();
  const double secs = Seconds(start);
  std::printf("%-28s %-36s %8.0f MB/s  %9llu chunks, mean %8.0f bytes\n", name,
              params.ToString().c_str(), static_cast<double>(data.size()) / secs / 1e6,
              static_cast<unsigned long long>(chunks),
              static_cast<double>(data.size()) / static_cast<double>(chunks ? chunks : 1));
}

void BenchHashify(const char* name, const char* path, const std::string& data, bool file_sha) {
  HashifyOptions options;
  options.file_sha256 = file_sha;
  const auto start = Clock::now();
  auto result = HashifyBytes(path, data, options);
  const double secs = Seconds(start);
  if (!result.ok()) {
    std::printf("%s: %s\n", name, result.status().ToString().c_str());
    return;
  }
  std::printf("%-28s %-36s %8.0f MB/s  %9zu blocks\n", name, result->params.ToString().c_str(),
              static_cast<double>(data.size()) / secs / 1e6, result->blocks.size());
}

int Main(int argc, char** argv) {
  const size_t megabytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  testutil::SplitMix64 rnd(1);
  std::string text;
  text.reserve(megabytes << 20);
  while (text.size() < (megabytes << 20)) text += testing::RandomLine(rnd) + "\n";
  const std::string bytes = testing::RandomBytes(rnd, megabytes << 20);
  std::printf("%zu MiB of text (mean line %.0f bytes) and of random bytes\n", megabytes,
              static_cast<double>(text.size()) /
                  static_cast<double>(std::count(text.begin(), text.end(), '\n')));

  BenchChunker("text lines (scaled)", ChunkParams::ForText(text.size()), text);
  BenchChunker("text lines (1 KiB)", ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024), text);
  BenchChunker("text one line per chunk", ChunkParams::OneLinePerChunk(), text);
  BenchChunker("gear (scaled)", ChunkParams::ForBinary(bytes.size()), bytes);
  BenchChunker("gear (16 KiB)", ChunkParams::WithAverage(ChunkMethod::kGear, 16384), bytes);
  BenchHashify("hashify text", "a.txt", text, false);
  BenchHashify("hashify text + file sha", "a.txt", text, true);
  BenchHashify("hashify binary", "a.bin", bytes, false);
  return 0;
}

}  // namespace
}  // namespace tessera::common::chunker

int main(int argc, char** argv) { return tessera::common::chunker::Main(argc, argv); }
