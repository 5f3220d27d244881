// zstd_dict_bench: does a zstd dictionary trained per namespace pay for Tessera's small line
// chunks? See scripts/bench-zstd-dict and docs/chunking.md ("Compression").
//
// The files under the given roots are shuffled (seeded) and dealt alternately into a
// "namespace sample" (dictionary training) and a disjoint test set, each up to --max-bytes.
// Every file is chunked as the daemon chunks it (chunker::HashifyBytes). For the test set's
// chunks the bench prints the bytes each scheme produces:
//   - per chunk, zstd without and with a dictionary (16/64/112 KiB, ZDICT_trainFromBuffer on
//     the namespace sample's chunks), zstd only when smaller (as the TSB1 frame does);
//   - whole batches of chunks (--batch-bytes, and 64 KiB), without and with the largest
//     dictionary: what the HTTP layer's body compression sees;
//   - the TSB1 block batch frame as encoded today (per-block zstd, 41-byte record headers) and
//     with raw records, each then compressed whole by HTTP.
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/chunker/hashify.h"

namespace tessera::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::vector<std::string> roots;
  uint64_t max_bytes = 16ull << 20;  // per set (sample and test)
  uint64_t batch_bytes = 1ull << 20;
  int level = 3;
  uint32_t seed = 20261121;
};

struct Chunks {
  std::vector<std::string> chunks;
  uint64_t files = 0;
  uint64_t bytes = 0;
};

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct CDictDeleter {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxDeleter>;
using CDictPtr = std::unique_ptr<ZSTD_CDict, CDictDeleter>;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](uint64_t* out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      *out = std::strtoull(argv[++i], &end, 10);
      return end != nullptr && *end == '\0';
    };
    uint64_t v = 0;
    if (a == "--max-bytes") {
      if (!value(&flags->max_bytes)) return false;
    } else if (a == "--batch-bytes") {
      if (!value(&flags->batch_bytes) || flags->batch_bytes == 0) return false;
    } else if (a == "--level") {
      if (!value(&v)) return false;
      flags->level = static_cast<int>(v);
    } else if (a == "--seed") {
      if (!value(&v)) return false;
      flags->seed = static_cast<uint32_t>(v);
    } else if (!a.empty() && a[0] == '-') {
      return false;
    } else {
      flags->roots.emplace_back(a);
    }
  }
  return !flags->roots.empty();
}

std::vector<std::string> ListFiles(const std::vector<std::string>& roots) {
  std::vector<std::string> out;
  for (const std::string& root : roots) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
        end;
    if (ec) {
      std::fprintf(stderr, "warning: %s: %s\n", root.c_str(), ec.message().c_str());
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::error_code sec;
      if (it->is_regular_file(sec) && !it->is_symlink(sec)) out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = std::move(s).str();
  return true;
}

// Appends the file's chunks, cut as the daemon cuts them.
void AddFile(const std::string& path, Chunks* set) {
  std::string data;
  if (!ReadFile(path, &data) || data.empty()) return;
  common::chunker::HashifyOptions options;
  options.file_sha256 = false;
  auto chunks = common::chunker::HashifyBytes(path, data, options);
  if (!chunks.ok()) return;
  uint64_t offset = 0;
  for (const auto& block : chunks->blocks) {
    set->chunks.push_back(data.substr(offset, block.size));
    offset += block.size;
  }
  ++set->files;
  set->bytes += data.size();
}

uint64_t CompressedSize(ZSTD_CCtx* cctx, const ZSTD_CDict* dict, std::string_view data, int level,
                        std::string& scratch) {
  scratch.resize(ZSTD_compressBound(data.size()));
  const size_t n = dict != nullptr ? ZSTD_compress_usingCDict(cctx, scratch.data(), scratch.size(),
                                                              data.data(), data.size(), dict)
                                   : ZSTD_compressCCtx(cctx, scratch.data(), scratch.size(),
                                                       data.data(), data.size(), level);
  if (ZSTD_isError(n)) {
    std::fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
    std::exit(1);
  }
  return n;
}

struct Row {
  std::string name;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Per chunk, zstd only where smaller (as the TSB1 encoder decides).
Row PerChunk(std::string name, const std::vector<std::string>& chunks, const ZSTD_CDict* dict,
             int level) {
  CCtxPtr cctx(ZSTD_createCCtx());
  std::string scratch;
  Row row{std::move(name)};
  const auto start = Clock::now();
  for (const std::string& c : chunks) {
    row.bytes += std::min<uint64_t>(c.size(), CompressedSize(cctx.get(), dict, c, level, scratch));
  }
  row.seconds = Seconds(start);
  return row;
}

// Chunks concatenated (in order) into bodies of up to `batch_bytes`, each compressed whole.
Row Batches(std::string name, const std::vector<std::string>& bodies, const ZSTD_CDict* dict,
            int level) {
  CCtxPtr cctx(ZSTD_createCCtx());
  std::string scratch;
  Row row{std::move(name)};
  const auto start = Clock::now();
  for (const std::string& b : bodies) {
    row.bytes += std::min<uint64_t>(b.size(), CompressedSize(cctx.get(), dict, b, level, scratch));
  }
  row.seconds = Seconds(start);
  return row;
}

std::vector<std::string> Concatenate(const std::vector<std::string>& chunks, uint64_t batch_bytes) {
  std::vector<std::string> out(1);
  for (const std::string& c : chunks) {
    if (!out.back().empty() && out.back().size() + c.size() > batch_bytes) out.emplace_back();
    out.back() += c;
  }
  return out;
}

// TSB1-like frames of up to `batch_bytes` of block bytes: per record 32-byte id (incompressible,
// here pseudo-random), u8 encoding, u32 raw size, u32 payload size, payload.
std::vector<std::string> BlockFrames(const std::vector<std::string>& chunks, uint64_t batch_bytes,
                                     bool per_block_zstd, int level) {
  CCtxPtr cctx(ZSTD_createCCtx());
  std::mt19937_64 rng(7);
  std::string scratch;
  std::vector<std::string> out(1, "TSB1");
  uint64_t in_frame = 0;
  auto put_u32 = [](std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  for (const std::string& c : chunks) {
    if (in_frame > 0 && in_frame + c.size() > batch_bytes) {
      out.emplace_back("TSB1");
      in_frame = 0;
    }
    std::string& f = out.back();
    for (int i = 0; i < 4; ++i) {
      const uint64_t r = rng();
      f.append(reinterpret_cast<const char*>(&r), 8);
    }
    std::string_view payload = c;
    uint8_t encoding = 0;
    if (per_block_zstd) {
      const uint64_t n = CompressedSize(cctx.get(), nullptr, c, level, scratch);
      if (n < c.size()) {
        payload = std::string_view(scratch.data(), n);
        encoding = 1;
      }
    }
    f.push_back(static_cast<char>(encoding));
    put_u32(f, static_cast<uint32_t>(c.size()));
    put_u32(f, static_cast<uint32_t>(payload.size()));
    f.append(payload);
    in_frame += c.size();
  }
  return out;
}

uint64_t TotalBytes(const std::vector<std::string>& v) {
  uint64_t n = 0;
  for (const std::string& s : v) n += s.size();
  return n;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: tessera_zstd_dict_bench [--max-bytes N] [--batch-bytes N] [--level L] "
                 "[--seed S] ROOT...\n");
    return 2;
  }
  std::vector<std::string> files = ListFiles(flags.roots);
  std::mt19937 rng(flags.seed);
  std::shuffle(files.begin(), files.end(), rng);

  // Dealt alternately, so the sample and the test set come from the same tree but share no
  // file: the dictionary never saw the bytes it is tested on.
  Chunks sample, test;
  for (size_t i = 0; i < files.size(); ++i) {
    Chunks& set = i % 2 == 0 ? sample : test;
    if (set.bytes < flags.max_bytes) AddFile(files[i], &set);
    if (sample.bytes >= flags.max_bytes && test.bytes >= flags.max_bytes) break;
  }
  if (test.chunks.empty() || sample.chunks.empty()) {
    std::fprintf(stderr, "no files to sample under the given roots\n");
    return 1;
  }
  std::printf("namespace sample: %llu files, %llu chunks, %.1f MiB\n",
              static_cast<unsigned long long>(sample.files),
              static_cast<unsigned long long>(sample.chunks.size()), sample.bytes / 1048576.0);
  std::printf("test set:         %llu files, %llu chunks, %.1f MiB, mean chunk %.0f bytes\n",
              static_cast<unsigned long long>(test.files),
              static_cast<unsigned long long>(test.chunks.size()), test.bytes / 1048576.0,
              static_cast<double>(test.bytes) / static_cast<double>(test.chunks.size()));

  // Training input: the sample's chunks as samples (ZDICT wants them contiguous + sizes).
  std::string samples;
  std::vector<size_t> sample_sizes;
  for (const std::string& c : sample.chunks) {
    samples += c;
    sample_sizes.push_back(c.size());
  }
  struct Dict {
    size_t capacity;
    std::string bytes;
    CDictPtr cdict;
    double train_seconds;
  };
  std::vector<Dict> dicts;
  for (size_t kib : {16, 64, 112}) {
    Dict d{kib << 10, std::string(kib << 10, '\0'), nullptr, 0};
    const auto start = Clock::now();
    const size_t n =
        ZDICT_trainFromBuffer(d.bytes.data(), d.bytes.size(), samples.data(), sample_sizes.data(),
                              static_cast<unsigned>(sample_sizes.size()));
    d.train_seconds = Seconds(start);
    if (ZDICT_isError(n)) {
      std::fprintf(stderr, "ZDICT_trainFromBuffer(%zu KiB): %s\n", kib, ZDICT_getErrorName(n));
      return 1;
    }
    d.bytes.resize(n);
    d.cdict.reset(ZSTD_createCDict(d.bytes.data(), d.bytes.size(), flags.level));
    dicts.push_back(std::move(d));
  }

  std::vector<Row> rows;
  rows.push_back(Row{"raw chunks", test.bytes, 0});
  rows.push_back(PerChunk("per chunk, zstd", test.chunks, nullptr, flags.level));
  for (const Dict& d : dicts) {
    rows.push_back(PerChunk("per chunk, zstd + " + std::to_string(d.capacity >> 10) + " KiB dict",
                            test.chunks, d.cdict.get(), flags.level));
  }
  const Dict& big = dicts.back();
  const std::string big_name = std::to_string(big.capacity >> 10) + " KiB dict";
  for (uint64_t batch : {uint64_t{64} << 10, flags.batch_bytes}) {
    const auto bodies = Concatenate(test.chunks, batch);
    const std::string size = std::to_string(batch >> 10) + " KiB batches";
    rows.push_back(Batches(size + ", zstd", bodies, nullptr, flags.level));
    rows.push_back(Batches(size + ", zstd + " + big_name, bodies, big.cdict.get(), flags.level));
  }
  const std::string wire = std::to_string(flags.batch_bytes >> 10) + " KiB TSB1";
  const auto frames_zstd = BlockFrames(test.chunks, flags.batch_bytes, true, flags.level);
  const auto frames_raw = BlockFrames(test.chunks, flags.batch_bytes, false, flags.level);
  rows.push_back(Row{wire + ", per-block zstd (no HTTP zstd)", TotalBytes(frames_zstd), 0});
  rows.push_back(
      Batches(wire + ", per-block zstd, then HTTP zstd", frames_zstd, nullptr, flags.level));
  rows.push_back(Batches(wire + ", raw blocks, then HTTP zstd", frames_raw, nullptr, flags.level));

  std::printf("\ndictionaries (ZDICT_trainFromBuffer on %llu sample chunks):",
              static_cast<unsigned long long>(sample.chunks.size()));
  for (const Dict& d : dicts) {
    std::printf("  %zu KiB -> %zu bytes in %.2f s;", d.capacity >> 10, d.bytes.size(),
                d.train_seconds);
  }
  std::printf("\n\nzstd level %d on the test set's chunks (ratio = raw / bytes)\n\n", flags.level);
  std::printf("| %-52s | %12s | %6s | %9s |\n", "scheme", "bytes", "ratio", "MB/s");
  std::printf("|%s|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(14, '-').c_str(),
              std::string(8, '-').c_str(), std::string(11, '-').c_str());
  for (const Row& r : rows) {
    const double ratio = static_cast<double>(test.bytes) / static_cast<double>(r.bytes);
    char speed[32] = "";
    if (r.seconds > 0) std::snprintf(speed, sizeof speed, "%.0f", test.bytes / 1e6 / r.seconds);
    std::printf("| %-52s | %12llu | %6.2f | %9s |\n", r.name.c_str(),
                static_cast<unsigned long long>(r.bytes), ratio, speed);
  }
  return 0;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) { return tessera::bench::Main(argc, argv); }
