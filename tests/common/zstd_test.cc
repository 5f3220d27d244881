#include "common/zstd.h"

#include <doctest/doctest.h>
#include <zstd.h>

#include <string>

namespace tessera::common {
namespace {

TEST_CASE("zstd: a round trip gives back the input, empty input included") {
  for (const std::string& input :
       {std::string(), std::string("hello"), std::string(100000, 'x'), std::string(3, '\0')}) {
    const std::string packed = zstd::Compress(input);
    auto back = zstd::Decompress(packed, input.size());
    REQUIRE(back.ok());
    CHECK(*back == input);
  }
}

TEST_CASE("zstd: a frame declaring more than the limit is refused") {
  const std::string packed = zstd::Compress(std::string(1 << 20, 'a'));
  auto r = zstd::Decompress(packed, (1 << 20) - 1);
  CHECK(r.status().code() == Code::kResourceExhausted);
}

TEST_CASE("zstd: a bomb without a declared size is stopped at the limit") {
  // A streamed frame does not declare its content size.
  const std::string input(8 << 20, 'z');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  REQUIRE(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)));
  std::string out(ZSTD_compressBound(input.size()), '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{input.data(), input.size(), 0};
  const size_t rest = ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  REQUIRE(rest == 0);
  out.resize(ob.pos);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);

  CHECK(zstd::Decompress(out, 1 << 20).status().code() == Code::kResourceExhausted);
  auto whole = zstd::Decompress(out, input.size());
  REQUIRE_MESSAGE(whole.ok(), whole.status().ToString());
  CHECK(*whole == input);
}

TEST_CASE("zstd: garbage, truncated frames and trailing bytes are corruption") {
  const std::string packed = zstd::Compress(std::string(5000, 'q') + "tail");
  CHECK(zstd::Decompress("not zstd at all", 1000).status().code() == Code::kCorruption);
  CHECK(zstd::Decompress("", 1000).status().code() == Code::kCorruption);
  CHECK(zstd::Decompress(packed.substr(0, packed.size() - 3), 10000).status().code() ==
        Code::kCorruption);
  CHECK(zstd::Decompress(packed + "junk", 10000).status().code() == Code::kCorruption);
}

TEST_CASE("zstd: a codec pool lends a returned codec again and distinct codecs at once") {
  zstd::CodecPool pool;
  zstd::Codec* first = nullptr;
  {
    auto lease = pool.Acquire();
    first = &*lease;
    auto other = pool.Acquire();  // the first is out: a second codec
    CHECK(&*other != first);
    const std::string text(3000, 'z');
    auto back = other->Decompress(lease->Compress(text), text.size());
    REQUIRE(back.ok());
    CHECK(*back == text);
  }
  auto again = pool.Acquire();
  auto again2 = pool.Acquire();
  // Both went back to the pool; the two leases now hold them (in some order).
  CHECK((&*again == first || &*again2 == first));
}

}  // namespace
}  // namespace tessera::common
