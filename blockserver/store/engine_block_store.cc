#include "blockserver/store/engine_block_store.h"

#include "blockserver/engine/manifest.h"
#include "blockserver/store/engine_block_store_format.h"
#include "common/wire/block_messages.h"
#include "common/zstd.h"

namespace tessera::blockserver {

namespace fmt = block_store_format;

namespace {

std::string FormatFileContents() {
  return std::string(fmt::kFormatMagic) + " " + std::to_string(fmt::kFormatVersion) + "\n";
}

// OK if `text` is a FORMAT file this code reads; InvalidArgument for a newer version,
// Corruption for anything else.
common::Status CheckFormatFile(const std::string& path, std::string_view text) {
  const std::string prefix = std::string(fmt::kFormatMagic) + " ";
  if (text.substr(0, prefix.size()) != prefix || text.empty() || text.back() != '\n') {
    return common::Corruption(path + ": not a block store FORMAT file");
  }
  const std::string_view digits = text.substr(prefix.size(), text.size() - prefix.size() - 1);
  uint64_t version = 0;
  if (digits.empty() || digits.size() > 9) {
    return common::Corruption(path + ": bad version in FORMAT file");
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return common::Corruption(path + ": bad version in FORMAT file");
    version = version * 10 + static_cast<uint64_t>(c - '0');
  }
  if (version != fmt::kFormatVersion) {
    return common::InvalidArgument(path + ": block store format " + std::to_string(version) +
                                   ", this build reads only format " +
                                   std::to_string(fmt::kFormatVersion));
  }
  return common::Status::Ok();
}

// Makes sure `dir` is a block store of this format, creating the FORMAT marker in a directory
// without engine files. Engine files without a marker were written before values were tagged.
common::Status EnsureFormat(const std::string& dir, common::Env& env) {
  const std::string path = dir + "/" + std::string(fmt::kFormatFileName);
  if (env.FileExists(path)) {
    TESSERA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(path));
    return CheckFormatFile(path, text);
  }
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(dir));
  TESSERA_ASSIGN_OR_RETURN(std::vector<std::string> names, env.ListDir(dir));
  for (const std::string& name : names) {
    const engine::FileType type = engine::ParseFileName(name).type;
    if (type == engine::FileType::kManifest || type == engine::FileType::kLog ||
        type == engine::FileType::kSst) {
      return common::InvalidArgument(
          dir + " holds an engine written by an older blockserver (untagged values, no " +
          std::string(fmt::kFormatFileName) +
          " file); it cannot be read by this one: start with an empty directory");
    }
  }
  return common::WriteFileAtomically(env, path, FormatFileContents());
}

}  // namespace

common::Result<std::unique_ptr<EngineBlockStore>> EngineBlockStore::Open(const std::string& dir,
                                                                         common::Env& env,
                                                                         common::Logger& log) {
  if (dir.empty()) return common::InvalidArgument("block store: empty data directory");
  TESSERA_RETURN_IF_ERROR(EnsureFormat(dir, env));
  engine::EngineOptions options;
  options.dir = dir;
  auto opened = engine::Engine::Open(options, env, log);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<EngineBlockStore>(new EngineBlockStore(std::move(opened).value()));
}

std::string EngineBlockStore::EncodeValue(std::string_view block) {
  common::zstd::Codec codec;
  return EncodeValue(block, codec);
}

std::string EngineBlockStore::EncodeValue(std::string_view block, common::zstd::Codec& codec) {
  std::string packed;
  if (block.size() >= fmt::kMinCompressBytes) packed = codec.Compress(block, fmt::kZstdLevel);
  const bool use_zstd = !packed.empty() && packed.size() < block.size();
  std::string out;
  out.reserve(1 + (use_zstd ? packed.size() : block.size()));
  out.push_back(static_cast<char>(use_zstd ? fmt::ValueTag::kZstd : fmt::ValueTag::kRaw));
  out.append(use_zstd ? std::string_view(packed) : block);
  return out;
}

common::Result<std::string> EngineBlockStore::DecodeValue(std::string_view value) {
  common::zstd::Codec codec;
  return DecodeValue(value, codec);
}

common::Result<std::string> EngineBlockStore::DecodeValue(std::string_view value,
                                                          common::zstd::Codec& codec) {
  if (value.empty()) return common::Corruption("block store: empty value (no tag)");
  const auto tag = static_cast<uint8_t>(value[0]);
  const std::string_view payload = value.substr(1);
  if (tag == static_cast<uint8_t>(fmt::ValueTag::kRaw)) return std::string(payload);
  if (tag == static_cast<uint8_t>(fmt::ValueTag::kZstd)) {
    auto block = codec.Decompress(payload, common::wire::kMaxBlockBytes);
    if (!block.ok()) return common::Corruption("block store value: " + block.status().message());
    return block;
  }
  return common::Corruption("block store: unknown value tag " + std::to_string(tag));
}

common::Status EngineBlockStore::PutBatch(
    const std::vector<std::pair<common::BlockId, std::string>>& blocks) {
  engine::WriteBatch batch;
  auto codec = codecs_.Acquire();
  for (const auto& [id, data] : blocks) {
    // Content addressing: a stored id already holds exactly these bytes.
    auto has = engine_->Has(id);
    if (!has.ok()) return has.status();
    if (!*has) batch.Put(id, EncodeValue(data, *codec));
  }
  if (batch.empty()) return common::Status::Ok();
  return engine_->Write(batch);
}

common::Result<std::optional<std::string>> EngineBlockStore::Get(const common::BlockId& id) {
  auto value = engine_->Get(id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<std::string>();
  auto block = DecodeValue(**value, *codecs_.Acquire());
  if (!block.ok()) return block.status().WithContext("block " + id.ToHex());
  TESSERA_RETURN_IF_ERROR(common::wire::VerifyBlock(id, *block));
  return std::optional<std::string>(std::move(block).value());
}

common::Result<bool> EngineBlockStore::Has(const common::BlockId& id) { return engine_->Has(id); }

}  // namespace tessera::blockserver
