#include "common/zstd.h"

#include <zstd.h>

#include <algorithm>
#include <memory>

#include "common/check.h"

namespace tessera::common::zstd {

namespace {

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// Never grow the output buffer by more than this at a time: a frame that lies about being
// small should not make us reserve much before it proves it.
constexpr size_t kMaxGrowStep = 1u << 20;

}  // namespace

std::string Compress(std::string_view data, int level) {
  level = std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  // Only allocation failure or a bad level can fail here, and the level is clamped.
  TESSERA_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Result<std::string> Decompress(std::string_view data, uint64_t max_bytes) {
  if (data.empty()) return Corruption("zstd: empty input");
  // The first frame's declared size lets us refuse a bomb without inflating anything.
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Corruption("zstd: not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_bytes) {
    return ResourceExhausted("zstd: frame declares " + std::to_string(declared) + " bytes, limit " +
                             std::to_string(max_bytes));
  }

  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  TESSERA_CHECK(ctx != nullptr);

  std::string out;
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) out.reserve(static_cast<size_t>(declared));
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    // Always offer one byte beyond the limit, so overflowing content is detected.
    if (out.size() > max_bytes) {
      return ResourceExhausted("zstd: content exceeds " + std::to_string(max_bytes) + " bytes");
    }
    const size_t room = std::min<uint64_t>(max_bytes + 1 - out.size(), kMaxGrowStep);
    const size_t old_size = out.size();
    out.resize(old_size + room);
    ZSTD_outBuffer ob{out.data() + old_size, room, 0};
    // Non-zero while the current frame is incomplete or not fully flushed.
    const size_t pending = ZSTD_decompressStream(ctx.get(), &ob, &in);
    out.resize(old_size + ob.pos);
    if (ZSTD_isError(pending)) {
      return Corruption(std::string("zstd: ") + ZSTD_getErrorName(pending));
    }
    if (out.size() > max_bytes) {
      return ResourceExhausted("zstd: content exceeds " + std::to_string(max_bytes) + " bytes");
    }
    if (in.pos == in.size) {
      if (pending == 0) break;  // last frame complete and flushed
      if (ob.pos < room) return Corruption("zstd: truncated frame");
    }
  }
  return out;
}

}  // namespace tessera::common::zstd
