#include "blockserver/store/file_block_store.h"

#include <doctest/doctest.h>

#include <fstream>

#include "common/zstd.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver {
namespace {

using common::BlockId;

TEST_CASE("file block store: blocks survive reopening the store") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string a(70000, 'a');
  const std::string b = "small block";
  {
    auto store = FileBlockStore::Open(dir.Sub("blocks"), env);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutBatch({{BlockId::Of(a), a}, {BlockId::Of(b), b}}).ok());
    // Storing again is a no-op.
    REQUIRE((*store)->PutBatch({{BlockId::Of(a), a}}).ok());
  }
  auto store = FileBlockStore::Open(dir.Sub("blocks"), env);
  REQUIRE(store.ok());
  CHECK(*(*store)->Has(BlockId::Of(a)));
  CHECK(!*(*store)->Has(BlockId::Of("other")));
  auto got = (*store)->Get(BlockId::Of(a));
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == a);
  CHECK(**(*store)->Get(BlockId::Of(b)) == b);
  CHECK(!(*store)->Get(BlockId::Of("other"))->has_value());
  // Stored compressed, under ab/cd/<hex>.
  const std::string path = (*store)->PathOf(BlockId::Of(a));
  const std::string hex = BlockId::Of(a).ToHex();
  CHECK(path == dir.Sub("blocks/" + hex.substr(0, 2) + "/" + hex.substr(2, 2) + "/" + hex));
  CHECK(*env.GetFileSize(path) < a.size());
}

TEST_CASE("file block store: a corrupted block file is reported, not returned") {
  testutil::TempDir dir;
  common::PosixEnv env;
  auto store = FileBlockStore::Open(dir.path(), env);
  REQUIRE(store.ok());
  const std::string data = "precious bytes";
  const BlockId id = BlockId::Of(data);
  REQUIRE((*store)->PutBatch({{id, data}}).ok());
  const std::string path = (*store)->PathOf(id);

  SUBCASE("valid zstd of other content") {
    std::string file(kFileBlockMagic);
    file += common::zstd::Compress("precious bytez");
    REQUIRE(common::WriteFileAtomically(env, path, file).ok());
  }
  SUBCASE("garbage") { REQUIRE(common::WriteFileAtomically(env, path, "TBK1garbage").ok()); }
  SUBCASE("bad magic") { REQUIRE(common::WriteFileAtomically(env, path, "XXXX").ok()); }
  CHECK((*store)->Get(id).status().code() == common::Code::kCorruption);
}

}  // namespace
}  // namespace tessera::blockserver
