// Namespace references (blockserver/store/namespace_refs.h) in both block stores: a block is
// held by the namespaces it was recorded for and no other, across a reopen; a reference's key
// is never served as a block; bad names are refused.
#include "blockserver/store/namespace_refs.h"

#include <doctest/doctest.h>

#include <memory>

#include "blockserver/store/engine_block_store.h"
#include "blockserver/store/file_block_store.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver {
namespace {

using common::BlockId;

std::unique_ptr<BlockStore> OpenStore(const std::string& kind, const std::string& dir,
                                      common::Env& env, common::Logger& log) {
  if (kind == "engine") {
    auto s = EngineBlockStore::Open(dir, env, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    return std::move(*s);
  }
  auto s = FileBlockStore::Open(dir, env);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return std::move(*s);
}

TEST_CASE("namespace refs: held by the namespaces recorded, no other, across a reopen") {
  for (const std::string kind : {"engine", "files"}) {
    CAPTURE(kind);
    testutil::TempDir dir;
    common::PosixEnv env;
    common::Logger log(common::LogLevel::kError);
    const std::string bytes = "a block of alice's";
    const BlockId id = BlockId::Of(bytes);
    const BlockId other = BlockId::Of("another block");
    {
      auto store = OpenStore(kind, dir.path(), env, log);
      REQUIRE(store->PutBatch({{id, bytes}}).ok());
      CHECK_FALSE(*store->HasRef("alice", id));
      REQUIRE(store->AddRefs("alice", {id, other}).ok());
      REQUIRE(store->AddRefs("alice", {id}).ok());  // again: no-op
      CHECK(*store->HasRef("alice", id));
      CHECK(*store->HasRef("alice", other));  // held, though its bytes are not stored
      CHECK_FALSE(*store->HasRef("bob", id));
      CHECK_FALSE(*store->HasRef("alic", id));
      // A reference's key reads as no block.
      auto as_block = store->Get(RefKey("alice", id));
      REQUIRE(as_block.ok());
      CHECK_FALSE(as_block->has_value());
    }
    auto store = OpenStore(kind, dir.path(), env, log);
    CHECK(*store->HasRef("alice", id));
    CHECK_FALSE(*store->HasRef("bob", id));
    CHECK(**store->Get(id) == bytes);
    CHECK(store->AddRefs("", {id}).code() == common::Code::kInvalidArgument);
    CHECK(store->AddRefs("a\nb", {id}).code() == common::Code::kInvalidArgument);
    CHECK(store->HasRef(std::string(256, 'n'), id).status().code() ==
          common::Code::kInvalidArgument);
  }
}

TEST_CASE("namespace refs: keys are their own domain") {
  const BlockId id = BlockId::Of("x");
  CHECK(RefKey("alice", id) == RefKey("alice", id));
  CHECK(RefKey("alice", id) != RefKey("bob", id));
  CHECK(RefKey("alice", id) != RefKey("alice", BlockId::Of("y")));
  CHECK(RefKey("alice", id) != id);
  // The name ends where the id starts: "a" + "\n" + id never equals "a\n..." + id'.
  CHECK(ValidateRefNamespace("a\n").code() == common::Code::kInvalidArgument);
  CHECK(RefPayload("alice", id).substr(0, 32) == id.bytes());
  CHECK(RefPayload("alice", id).substr(32) == "alice");
}

}  // namespace
}  // namespace tessera::blockserver
