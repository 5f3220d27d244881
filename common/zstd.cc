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
struct CCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};

// Never grow the output buffer by more than this at a time: a frame that lies about being
// small should not make us reserve much before it proves it.
constexpr size_t kMaxGrowStep = 1u << 20;

}  // namespace

struct Codec::Contexts {
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx{ZSTD_createCCtx()};
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx{ZSTD_createDCtx()};
};

namespace {

std::string CompressWith(ZSTD_CCtx* ctx, std::string_view data, int level) {
  TESSERA_CHECK(ctx != nullptr);
  level = std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compressCCtx(ctx, out.data(), out.size(), data.data(), data.size(), level);
  // Only allocation failure or a bad level can fail here, and the level is clamped.
  TESSERA_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Result<std::string> DecompressWith(ZSTD_DCtx* dctx, std::string_view data, uint64_t max_bytes) {
  if (data.empty()) return Corruption("zstd: empty input");
  // The first frame's declared size lets us refuse a bomb without inflating anything.
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Corruption("zstd: not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_bytes) {
    return ResourceExhausted("zstd: frame declares " + std::to_string(declared) + " bytes, limit " +
                             std::to_string(max_bytes));
  }

  TESSERA_CHECK(dctx != nullptr);
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);

  std::string out;
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) out.reserve(static_cast<size_t>(declared));
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    // Always offer one byte beyond the limit, so overflowing content is detected.
    if (out.size() > max_bytes) {
      return ResourceExhausted("zstd: content exceeds " + std::to_string(max_bytes) + " bytes");
    }
    // The declared size is trusted for the first step only (zstd checks it against the
    // content); small blocks then cost one small buffer, not a zeroed 1 MiB one.
    const uint64_t step = out.empty() && declared != ZSTD_CONTENTSIZE_UNKNOWN
                              ? std::max<uint64_t>(declared + 1, 64)
                              : kMaxGrowStep;
    const size_t room = std::min<uint64_t>(max_bytes + 1 - out.size(), step);
    const size_t old_size = out.size();
    out.resize(old_size + room);
    ZSTD_outBuffer ob{out.data() + old_size, room, 0};
    // Non-zero while the current frame is incomplete or not fully flushed.
    const size_t pending = ZSTD_decompressStream(dctx, &ob, &in);
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

}  // namespace

std::string Compress(std::string_view data, int level) {
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return CompressWith(ctx.get(), data, level);
}

Result<std::string> Decompress(std::string_view data, uint64_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return DecompressWith(ctx.get(), data, max_bytes);
}

Codec::Codec() : ctx_(std::make_unique<Contexts>()) {}
Codec::~Codec() = default;

std::string Codec::Compress(std::string_view data, int level) {
  return CompressWith(ctx_->cctx.get(), data, level);
}

Result<std::string> Codec::Decompress(std::string_view data, uint64_t max_bytes) {
  return DecompressWith(ctx_->dctx.get(), data, max_bytes);
}

CodecPool::Lease::~Lease() {
  if (!codec_) return;  // moved from
  MutexLock lock(pool_->mutex_);
  if (pool_->idle_.size() < kMaxIdle) pool_->idle_.push_back(std::move(codec_));
}

CodecPool::Lease CodecPool::Acquire() {
  {
    MutexLock lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Codec> codec = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(codec));
    }
  }
  return Lease(*this, std::make_unique<Codec>());
}

}  // namespace tessera::common::zstd
