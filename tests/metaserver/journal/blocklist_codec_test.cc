#include "metaserver/journal/blocklist_codec.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/wire/block_messages.h"

namespace tessera::metaserver::journal {
namespace {

using common::wire::BlockRef;

std::vector<BlockRef> Sample(int n) {
  std::vector<BlockRef> blocks;
  for (int i = 0; i < n; ++i) {
    blocks.push_back({common::BlockId::Of(std::to_string(i)),
                      static_cast<uint32_t>(1 + i * 100'003 % common::wire::kMaxBlockBytes)});
  }
  return blocks;
}

TEST_CASE("blocklist codec: lists round-trip and cost about 34 bytes a block") {
  for (int n : {0, 1, 2, 1000}) {
    CAPTURE(n);
    const auto blocks = Sample(n);
    const std::string blob = EncodeBlocklist(blocks);
    CHECK(blob.size() <= 3 + static_cast<size_t>(n) * 36);
    auto decoded = DecodeBlocklist(blob);
    REQUIRE(decoded.ok());
    CHECK(*decoded == blocks);
  }
  std::vector<BlockRef> largest = {{common::BlockId::Of("x"), common::wire::kMaxBlockBytes}};
  CHECK(*DecodeBlocklist(EncodeBlocklist(largest)) == largest);
}

TEST_CASE("blocklist codec: every truncation and damaged header is refused as corruption") {
  const std::string blob = EncodeBlocklist(Sample(3));
  for (size_t len = 0; len < blob.size(); ++len) {
    CAPTURE(len);
    CHECK(DecodeBlocklist(blob.substr(0, len)).status().code() == common::Code::kCorruption);
  }
  CHECK(DecodeBlocklist(blob + "x").status().code() == common::Code::kCorruption);
  std::string bad_version = blob;
  bad_version[0] = 2;
  CHECK(DecodeBlocklist(bad_version).status().code() == common::Code::kCorruption);
  // A count far beyond the bytes present is refused before allocating.
  const std::string huge_count = std::string("\x01\xff\xff\xff\xff\x0f", 6);
  CHECK(DecodeBlocklist(huge_count).status().code() == common::Code::kCorruption);
  // An endless varint.
  CHECK(DecodeBlocklist(std::string("\x01") + std::string(20, '\xff')).status().code() ==
        common::Code::kCorruption);
}

TEST_CASE("blocklist codec: a zero or oversized block size is refused") {
  for (uint64_t size : {uint64_t{0}, uint64_t{common::wire::kMaxBlockBytes} + 1}) {
    CAPTURE(size);
    std::string blob("\x01\x01", 2);
    blob += common::BlockId::Of("x").bytes();
    uint64_t v = size;
    while (v >= 0x80) {
      blob.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    blob.push_back(static_cast<char>(v));
    CHECK(DecodeBlocklist(blob).status().code() == common::Code::kCorruption);
  }
}

}  // namespace
}  // namespace tessera::metaserver::journal
