#include "common/chunker/chunk_cache.h"

#include <zstd.h>

#include <random>

#include "common/chunker/chunk_cache_format.h"
#include "common/chunker/chunk_params.h"
#include "common/coding.h"

namespace tessera::common::chunker {

namespace {

namespace fmt = cache_format;

std::string Encode(std::string_view data, bool compress, int level) {
  std::string out;
  out.reserve(fmt::kHeaderBytes + data.size());
  out.append(fmt::kMagic);
  out.push_back(static_cast<char>(fmt::kVersion));
  out.push_back(static_cast<char>(fmt::Codec::kRaw));
  out.append(2, '\0');
  PutFixed32(out, static_cast<uint32_t>(data.size()));
  if (compress && !data.empty()) {
    std::string frame(ZSTD_compressBound(data.size()), '\0');
    const size_t n = ZSTD_compress(frame.data(), frame.size(), data.data(), data.size(), level);
    if (!ZSTD_isError(n) && n < data.size()) {
      out[5] = static_cast<char>(fmt::Codec::kZstd);
      out.append(frame.data(), n);
      return out;
    }
  }
  out.append(data);  // incompressible (or compression failed): store raw
  return out;
}

Result<std::string> Decode(std::string_view file, const std::string& path) {
  if (file.size() < fmt::kHeaderBytes || file.substr(0, 4) != fmt::kMagic) {
    return Corruption("cached block " + path + ": bad header");
  }
  if (static_cast<uint8_t>(file[4]) != fmt::kVersion) {
    return Corruption("cached block " + path + ": unknown version " +
                      std::to_string(static_cast<uint8_t>(file[4])));
  }
  const uint32_t size = DecodeFixed32(file.data() + 8);
  if (size > kMaxChunkBytes) return Corruption("cached block " + path + ": size too large");
  const std::string_view payload = file.substr(fmt::kHeaderBytes);
  switch (static_cast<fmt::Codec>(file[5])) {
    case fmt::Codec::kRaw:
      if (payload.size() != size) return Corruption("cached block " + path + ": wrong length");
      return std::string(payload);
    case fmt::Codec::kZstd: {
      std::string out(size, '\0');
      const size_t n = ZSTD_decompress(out.data(), out.size(), payload.data(), payload.size());
      if (ZSTD_isError(n) || n != size) {
        return Corruption("cached block " + path + ": bad zstd payload");
      }
      return out;
    }
  }
  return Corruption("cached block " + path + ": unknown codec");
}

bool IsHexName(std::string_view name, size_t len) {
  if (name.size() != len) return false;
  for (const char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

constexpr std::string_view kTempDir = "tmp";

}  // namespace

Result<std::unique_ptr<ChunkCache>> ChunkCache::Open(Env& env, std::string dir, Options options) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string tmp = dir + "/" + std::string(kTempDir);
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(tmp));
  // Temp files are only ever in tmp/: whatever is there was left by a crashed Put.
  TESSERA_ASSIGN_OR_RETURN(const auto leftovers, env.ListDir(tmp));
  for (const auto& name : leftovers) TESSERA_RETURN_IF_ERROR(env.RemoveFile(tmp + "/" + name));
  std::unique_ptr<ChunkCache> cache(new ChunkCache(env, std::move(dir), options));
  TESSERA_ASSIGN_OR_RETURN(const auto shards, env.ListDir(cache->dir_));
  for (const auto& shard : shards) {
    if (!IsHexName(shard, 2)) continue;
    const size_t index = std::stoul(shard, nullptr, 16);
    cache->shard_durable_[index] = true;  // there before this open: not made by a Put of ours
    auto names = env.ListDir(cache->dir_ + "/" + shard);
    if (!names.ok() || !names->empty()) cache->may_hold_[index] = true;
  }
  return cache;
}

std::string ChunkCache::ShardDir(std::string_view hex) const {
  return dir_ + "/" + std::string(hex.substr(0, 2));
}

std::string ChunkCache::PathOf(const BlockId& id) const {
  const std::string hex = id.ToHex();
  return ShardDir(hex) + "/" + hex;
}

bool ChunkCache::Has(const BlockId& id) const {
  if (!may_hold_[static_cast<uint8_t>(id.bytes()[0])].load(std::memory_order_relaxed)) {
    return false;
  }
  return env_.FileExists(PathOf(id));
}

Result<std::string> ChunkCache::Get(const BlockId& id) const {
  const std::string path = PathOf(id);
  auto size = env_.GetFileSize(path);
  if (!size.ok()) {
    if (size.status().code() == Code::kNotFound) {
      return NotFound("block " + id.ToHex() + " is not in the cache");
    }
    return size.status();
  }
  // Bound the read before trusting anything in the file.
  if (*size > fmt::kHeaderBytes + ZSTD_compressBound(kMaxChunkBytes)) {
    return Corruption("cached block " + path + ": file too large");
  }
  TESSERA_ASSIGN_OR_RETURN(const std::string file, env_.ReadFileToString(path));
  TESSERA_ASSIGN_OR_RETURN(std::string data, Decode(file, path));
  if (BlockId::Of(data) != id) {
    return Corruption("cached block " + path + ": content does not match its id");
  }
  return data;
}

Status ChunkCache::Put(const BlockId& id, std::string_view data, Durability durability) const {
  if (data.size() > kMaxChunkBytes) {
    return InvalidArgument("block " + id.ToHex() + " larger than " +
                           std::to_string(kMaxChunkBytes) + " bytes");
  }
  if (BlockId::Of(data) != id) {
    return InvalidArgument("data does not hash to block id " + id.ToHex());
  }
  const std::string hex = id.ToHex();
  const std::string shard = ShardDir(hex);
  const uint8_t shard_index = static_cast<uint8_t>(id.bytes()[0]);
  const bool sync = durability == Durability::kSynced;
  TESSERA_RETURN_IF_ERROR(env_.CreateDirs(shard));
  if (sync && !shard_durable_[shard_index].load(std::memory_order_acquire)) {
    // The shard may have just been made: its entry in dir_ is durable before a block in it is.
    TESSERA_RETURN_IF_ERROR(env_.SyncDir(dir_));
    shard_durable_[shard_index].store(true, std::memory_order_release);
  }
  may_hold_[shard_index] = true;  // before the file can appear
  const std::string encoded = Encode(data, options_.compress, options_.zstd_level);

  std::random_device rd;
  const std::string tmp = dir_ + "/" + std::string(kTempDir) + "/" + hex +
                          std::string(fmt::kTempMarker) + std::to_string(rd());
  TESSERA_ASSIGN_OR_RETURN(auto file, env_.NewWritableFile(tmp));
  Status s = file->Append(encoded);
  if (s.ok() && sync) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = env_.RenameFile(tmp, shard + "/" + hex);
  if (!s.ok()) {
    (void)env_.RemoveFile(tmp);  // best effort; the block file was never touched
    return s;
  }
  return sync ? env_.SyncDir(shard) : Status::Ok();
}

Status ChunkCache::Remove(const BlockId& id) const {
  const Status s = env_.RemoveFile(PathOf(id));
  if (s.code() == Code::kNotFound) return Status::Ok();
  return s;
}

Status ChunkCache::ForEachBlock(
    const std::function<Status(const BlockId&, const std::string&, uint64_t)>& fn) const {
  TESSERA_ASSIGN_OR_RETURN(const auto shards, env_.ListDir(dir_));
  for (const auto& shard : shards) {
    if (!IsHexName(shard, 2)) continue;  // tmp/ and anything foreign
    const std::string shard_dir = dir_ + "/" + shard;
    TESSERA_ASSIGN_OR_RETURN(const auto names, env_.ListDir(shard_dir));
    for (const auto& name : names) {
      if (!IsHexName(name, 2 * BlockId::kSize) || name.compare(0, 2, shard) != 0) continue;
      const std::string path = shard_dir + "/" + name;
      auto size = env_.GetFileSize(path);
      if (!size.ok()) {
        if (size.status().code() == Code::kNotFound) continue;  // removed meanwhile
        return size.status();
      }
      TESSERA_RETURN_IF_ERROR(fn(*BlockId::FromHex(name), path, *size));
    }
  }
  return Status::Ok();
}

Result<ChunkCache::Usage> ChunkCache::GetUsage() const {
  Usage usage;
  TESSERA_RETURN_IF_ERROR(ForEachBlock([&](const BlockId&, const std::string&, uint64_t size) {
    ++usage.blocks;
    usage.bytes += size;
    return Status::Ok();
  }));
  return usage;
}

Result<ChunkCache::Usage> ChunkCache::TrimTo(
    uint64_t max_bytes, const std::function<bool(const BlockId&)>& keep) const {
  TESSERA_ASSIGN_OR_RETURN(Usage usage, GetUsage());
  if (usage.bytes <= max_bytes) return usage;
  TESSERA_RETURN_IF_ERROR(
      ForEachBlock([&](const BlockId& id, const std::string& path, uint64_t size) {
        if (usage.bytes <= max_bytes || (keep && keep(id))) return Status::Ok();
        const Status s = env_.RemoveFile(path);
        if (!s.ok() && s.code() != Code::kNotFound) return s;
        usage.bytes -= size;
        --usage.blocks;
        return Status::Ok();
      }));
  return usage;
}

}  // namespace tessera::common::chunker
