#include "common/block_id.h"

#include <doctest/doctest.h>

namespace tessera::common {
namespace {

TEST_CASE("block id: SHA-256 of known inputs, hex round trip") {
  CHECK(BlockId::Of("").ToHex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(BlockId::Of("abc").ToHex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const BlockId id = BlockId::Of("hello");
  auto back = BlockId::FromHex(id.ToHex());
  REQUIRE(back.ok());
  CHECK(*back == id);
  CHECK(!BlockId::FromHex("zz").ok());
  CHECK(!BlockId::FromHex(std::string(64, 'g')).ok());
  CHECK(!BlockId::FromBytes("short").ok());
}

TEST_CASE("block id: the streaming hasher agrees with the one-shot hash") {
  Sha256Hasher h;
  h.Update("hel");
  h.Update("lo");
  CHECK(h.Finish() == BlockId::Of("hello"));
  h.Update("abc");  // reusable after Finish
  CHECK(h.Finish() == BlockId::Of("abc"));
}

}  // namespace
}  // namespace tessera::common
