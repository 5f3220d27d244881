#include <doctest/doctest.h>

#include <string>

#include "common/wire/block_batch_format.h"
#include "common/wire/block_messages.h"
#include "common/zstd.h"

namespace tessera::common::wire {
namespace {

std::string U32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Record(const BlockId& id, uint8_t encoding, uint32_t raw, std::string_view payload,
                   std::optional<uint32_t> declared_payload = std::nullopt) {
  std::string out(id.bytes());
  out.push_back(static_cast<char>(encoding));
  out += U32(raw);
  out += U32(declared_payload.value_or(static_cast<uint32_t>(payload.size())));
  out += payload;
  return out;
}

TEST_CASE("wire: id lists round trip and use lowercase hex") {
  IdList m;
  m.ids = {BlockId::Of("a"), BlockId::Of("b")};
  const std::string json = EncodeIdList(m, "ids");
  CHECK(json.find(BlockId::Of("a").ToHex()) != std::string::npos);
  auto back = DecodeIdList(json, "ids");
  REQUIRE(back.ok());
  CHECK(back->ids == m.ids);
  CHECK(DecodeIdList(EncodeIdList(IdList{}, "missing"), "missing")->ids.empty());
}

TEST_CASE("wire: malformed id lists are refused") {
  const std::string hex = BlockId::Of("a").ToHex();
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad :
       {std::string(""), std::string("[]"), std::string("{\"ids\":"), std::string("{}"),
        std::string("{\"ids\":\"x\"}"), std::string("{\"ids\":[1]}"),
        "{\"ids\":[\"" + hex.substr(1) + "\"]}", "{\"ids\":[\"" + upper + "\"]}",
        "{\"ids\":[\"" + hex.substr(1) + "g\"]}", "{\"other\":[\"" + hex + "\"]}"}) {
    CHECK_MESSAGE(!DecodeIdList(bad, "ids").ok(), bad);
  }
}

TEST_CASE("wire: a block batch round trips, compressible, incompressible and missing blocks") {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 24));
  }
  BlockBatch m;
  m.blocks.push_back({BlockId::Of(std::string(100000, 'a')), std::string(100000, 'a')});
  m.blocks.push_back({BlockId::Of(noise), noise});
  m.blocks.push_back({BlockId::Of("x"), std::nullopt});
  m.blocks.push_back({BlockId::Of(""), std::string()});
  const std::string body = EncodeBlockBatch(m);
  CHECK(body.size() < 100000);  // the run of 'a' was compressed
  auto back = DecodeBlockBatch(body);
  REQUIRE(back.ok());
  REQUIRE(back->blocks.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(back->blocks[i].id == m.blocks[i].id);
    CHECK(back->blocks[i].data == m.blocks[i].data);
  }
  CHECK(DecodeBlockBatch(EncodeBlockBatch(BlockBatch{}))->blocks.empty());
}

TEST_CASE("wire: every truncation of a block batch is refused") {
  BlockBatch m;
  m.blocks.push_back({BlockId::Of("hello"), std::string("hello")});
  m.blocks.push_back({BlockId::Of(std::string(3000, 'b')), std::string(3000, 'b')});
  const std::string body = EncodeBlockBatch(m);
  for (size_t n = 0; n < body.size(); ++n) {
    // Cutting exactly at a record boundary is a shorter valid batch, not a truncation.
    const size_t first_end = kBlockBatchMagic.size() + kBlockRecordHeaderBytes + 5;
    if (n == kBlockBatchMagic.size() || n == first_end) continue;
    CHECK_MESSAGE(!DecodeBlockBatch(body.substr(0, n)).ok(), n);
  }
}

TEST_CASE("wire: oversized declarations are refused before allocating") {
  const BlockId id = BlockId::Of("x");
  const std::string magic(kBlockBatchMagic);
  // A block declared over the limit, with no payload behind it.
  auto big = DecodeBlockBatch(magic + Record(id, 0, kMaxBlockBytes + 1, "", kMaxBlockBytes + 1));
  CHECK(big.status().code() == Code::kResourceExhausted);
  // A payload declared longer than the body.
  CHECK(DecodeBlockBatch(magic + Record(id, 0, 10, "abc", 10)).status().code() ==
        Code::kInvalidArgument);
  // A batch whose blocks sum over kMaxBatchBytes.
  std::string body = magic;
  const std::string block = zstd::Compress(std::string(kMaxBlockBytes, 'z'));
  for (uint64_t total = 0; total <= kMaxBatchBytes; total += kMaxBlockBytes) {
    body += Record(id, 1, kMaxBlockBytes, block);
  }
  CHECK(DecodeBlockBatch(body).status().code() == Code::kResourceExhausted);
}

TEST_CASE("wire: bad encodings, size mismatches and zstd bombs in a batch are refused") {
  const BlockId id = BlockId::Of("x");
  const std::string magic(kBlockBatchMagic);
  CHECK(!DecodeBlockBatch("TSB2").ok());
  CHECK(!DecodeBlockBatch(magic + Record(id, 7, 1, "x")).ok());
  CHECK(!DecodeBlockBatch(magic + Record(id, 0, 2, "x")).ok());
  CHECK(!DecodeBlockBatch(magic + Record(id, 0xFF, 1, "x")).ok());
  // zstd payload inflating to more than declared (a bomb) or less than declared.
  const std::string packed = zstd::Compress(std::string(1 << 20, 'q'));
  CHECK(!DecodeBlockBatch(magic + Record(id, 1, 1000, packed)).ok());
  CHECK(!DecodeBlockBatch(magic + Record(id, 1, (1 << 20) + 1, packed)).ok());
  CHECK(!DecodeBlockBatch(magic + Record(id, 1, 5, "garbage")).ok());
  CHECK(DecodeBlockBatch(magic + Record(id, 1, 1 << 20, packed)).ok());
}

TEST_CASE("wire: VerifyBlock accepts the right id and names a wrong one") {
  CHECK(VerifyBlock(BlockId::Of("data"), "data").ok());
  const Status s = VerifyBlock(BlockId::Of("data"), "datA");
  CHECK(s.code() == Code::kCorruption);
  CHECK(s.message().find(BlockId::Of("data").ToHex()) != std::string::npos);
}

}  // namespace
}  // namespace tessera::common::wire

namespace tessera::common::wire {
namespace {

std::string Lines(int n, const std::string& tag = "") {
  std::string out;
  for (int i = 0; i < n; ++i) out += "line " + std::to_string(i * 7919 % 1000) + tag + " of text\n";
  return out;
}

TEST_CASE("wire: a block with a smaller delta goes as a delta record and applies back") {
  const std::string base = Lines(200);
  std::string target = base;
  target.replace(target.size() / 2, 4, "EDIT");
  auto delta = MakeBlockDelta(BlockId::Of(base), base, target);
  REQUIRE(delta.ok());
  BlockBatch m;
  m.blocks.push_back({BlockId::Of(target), target, *delta});
  size_t deltas = 0;
  const std::string body = EncodeBlockBatch(m, BlockBatchOptions{}, &deltas);
  CHECK(deltas == 1);
  CHECK(body.size() < 4 + kBlockRecordHeaderBytes + 32 + 200);
  CHECK(static_cast<uint8_t>(body[4 + 32]) == static_cast<uint8_t>(BlockEncoding::kRsyncDelta));
  auto back = DecodeBlockBatch(body);
  REQUIRE(back.ok());
  REQUIRE(back->blocks.size() == 1);
  CHECK(!back->blocks[0].data);
  REQUIRE(back->blocks[0].delta);
  CHECK(back->blocks[0].delta->base == BlockId::Of(base));
  CHECK(back->blocks[0].delta->size == target.size());
  auto applied = ApplyBlockDelta(back->blocks[0], base);
  REQUIRE(applied.ok());
  CHECK(*applied == target);
  // Against the wrong base: never the wrong bytes.
  CHECK(!ApplyBlockDelta(back->blocks[0], Lines(200, "x")).ok());
  CHECK(!ApplyBlockDelta(back->blocks[0], "").ok());
  CHECK(!ApplyBlockDelta(Block{BlockId::Of(target), target}, base).ok());
}

TEST_CASE("wire: a delta larger than the compressed block is not used; records can go raw") {
  const std::string base = Lines(200);
  const std::string target = Lines(200, "zz");  // every line differs
  auto delta = MakeBlockDelta(BlockId::Of(base), base, target);
  REQUIRE(delta.ok());
  BlockBatch m;
  m.blocks.push_back({BlockId::Of(target), target, *delta});
  size_t deltas = 9;
  BlockBatchOptions compressed;
  compressed.compress_records = true;
  const std::string body = EncodeBlockBatch(m, compressed, &deltas);
  CHECK(deltas == 0);
  CHECK(static_cast<uint8_t>(body[4 + 32]) == static_cast<uint8_t>(BlockEncoding::kZstd));
  CHECK(DecodeBlockBatch(body)->blocks[0].data == target);

  BlockBatchOptions raw;
  raw.compress_records = false;
  m.blocks[0].delta.reset();
  const std::string raw_body = EncodeBlockBatch(m, raw);
  CHECK(static_cast<uint8_t>(raw_body[4 + 32]) == static_cast<uint8_t>(BlockEncoding::kRaw));
  CHECK(raw_body.size() == 4 + kBlockRecordHeaderBytes + target.size());
  CHECK(DecodeBlockBatch(raw_body)->blocks[0].data == target);
}

TEST_CASE("wire: malformed delta records are refused") {
  const BlockId id = BlockId::Of("x");
  const std::string magic(kBlockBatchMagic);
  CHECK(!DecodeBlockBatch(magic + Record(id, 2, 10, "short")).ok());
  CHECK(DecodeBlockBatch(magic + Record(id, 2, kMaxBlockBytes + 1, std::string(40, 'a')))
            .status()
            .code() == Code::kResourceExhausted);
  // Well-formed record, garbage delta: decodes, then fails to apply.
  auto m = DecodeBlockBatch(magic + Record(id, 2, 1, std::string(32, 'b') + "junk"));
  REQUIRE(m.ok());
  CHECK(ApplyBlockDelta(m->blocks[0], "x").status().code() == Code::kInvalidArgument);
}

TEST_CASE("wire: retrieve requests carry optional bases parallel to the ids") {
  RetrieveRequest m;
  m.ids = {BlockId::Of("a"), BlockId::Of("b")};
  CHECK(EncodeRetrieveRequest(m).find("bases") == std::string::npos);
  m.bases = {std::nullopt, std::nullopt};
  CHECK(EncodeRetrieveRequest(m).find("bases") == std::string::npos);
  m.bases = {std::nullopt, BlockId::Of("c")};
  auto back = DecodeRetrieveRequest(EncodeRetrieveRequest(m));
  REQUIRE(back.ok());
  CHECK(back->ids == m.ids);
  CHECK(back->bases == m.bases);
  // Old clients' bodies still decode.
  CHECK(DecodeRetrieveRequest(EncodeIdList(IdList{m.ids}, "ids"))->bases.empty());
  const std::string a = BlockId::Of("a").ToHex();
  CHECK(!DecodeRetrieveRequest(R"({"ids":[")" + a + R"("],"bases":["",""]})").ok());
  CHECK(!DecodeRetrieveRequest(R"({"ids":[")" + a + R"("],"bases":["ab"]})").ok());
}

}  // namespace
}  // namespace tessera::common::wire
