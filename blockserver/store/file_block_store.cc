#include "blockserver/store/file_block_store.h"

#include "blockserver/store/namespace_refs.h"
#include "common/wire/block_messages.h"
#include "common/zstd.h"

namespace tessera::blockserver {

using common::BlockId;
using common::Result;
using common::Status;

Result<std::unique_ptr<FileBlockStore>> FileBlockStore::Open(const std::string& dir,
                                                             common::Env& env) {
  if (dir.empty()) return common::InvalidArgument("block store directory is empty");
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(dir));
  return std::unique_ptr<FileBlockStore>(new FileBlockStore(dir, env));
}

namespace {

std::string ShardPath(const std::string& base, const BlockId& id) {
  const std::string hex = id.ToHex();
  return base + "/" + hex.substr(0, 2) + "/" + hex.substr(2, 2) + "/" + hex;
}

}  // namespace

std::string FileBlockStore::PathOf(const BlockId& id) const { return ShardPath(dir_, id); }

Status FileBlockStore::EnsureShardDirs(const std::string& base, const BlockId& id) {
  const std::string hex = id.ToHex();
  if (!env_.FileExists(base)) {
    TESSERA_RETURN_IF_ERROR(env_.CreateDirs(base));
    TESSERA_RETURN_IF_ERROR(env_.SyncDir(dir_));
  }
  const std::string first = base + "/" + hex.substr(0, 2);
  const std::string second = first + "/" + hex.substr(2, 2);
  if (env_.FileExists(second)) return Status::Ok();
  const bool first_existed = env_.FileExists(first);
  TESSERA_RETURN_IF_ERROR(env_.CreateDirs(second));
  // A new directory entry is durable only once its parent is synced.
  TESSERA_RETURN_IF_ERROR(env_.SyncDir(first));
  if (!first_existed) TESSERA_RETURN_IF_ERROR(env_.SyncDir(base));
  return Status::Ok();
}

Status FileBlockStore::PutBatch(const std::vector<std::pair<BlockId, std::string>>& blocks) {
  for (const auto& [id, data] : blocks) {
    const std::string path = PathOf(id);
    if (env_.FileExists(path)) continue;  // content-addressed: same id, same bytes
    TESSERA_RETURN_IF_ERROR(EnsureShardDirs(dir_, id));
    std::string file(kFileBlockMagic);
    file += common::zstd::Compress(data);
    TESSERA_RETURN_IF_ERROR(common::WriteFileAtomically(env_, path, file));
  }
  return Status::Ok();
}

Result<std::optional<std::string>> FileBlockStore::Get(const BlockId& id) {
  const std::string path = PathOf(id);
  auto file = env_.ReadFileToString(path);
  if (!file.ok()) {
    if (file.status().code() == common::Code::kNotFound) return std::optional<std::string>();
    return file.status();
  }
  const std::string_view bytes = *file;
  if (bytes.substr(0, kFileBlockMagic.size()) != kFileBlockMagic) {
    return common::Corruption(path + ": bad magic");
  }
  auto data =
      common::zstd::Decompress(bytes.substr(kFileBlockMagic.size()), common::wire::kMaxBlockBytes);
  if (!data.ok()) return common::Corruption(path + ": " + data.status().message());
  TESSERA_RETURN_IF_ERROR(common::wire::VerifyBlock(id, *data).WithContext(path));
  return std::optional<std::string>(std::move(*data));
}

Result<bool> FileBlockStore::Has(const BlockId& id) { return env_.FileExists(PathOf(id)); }

Status FileBlockStore::AddRefs(std::string_view ns, const std::vector<BlockId>& ids) {
  TESSERA_RETURN_IF_ERROR(ValidateRefNamespace(ns));
  for (const auto& id : ids) {
    const BlockId key = RefKey(ns, id);
    const std::string path = ShardPath(RefsDir(), key);
    if (env_.FileExists(path)) continue;
    TESSERA_RETURN_IF_ERROR(EnsureShardDirs(RefsDir(), key));
    TESSERA_RETURN_IF_ERROR(common::WriteFileAtomically(env_, path, RefPayload(ns, id)));
  }
  return Status::Ok();
}

Result<bool> FileBlockStore::HasRef(std::string_view ns, const BlockId& id) {
  TESSERA_RETURN_IF_ERROR(ValidateRefNamespace(ns));
  return env_.FileExists(ShardPath(RefsDir(), RefKey(ns, id)));
}

}  // namespace tessera::blockserver
