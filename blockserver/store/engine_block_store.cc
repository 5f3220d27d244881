#include "blockserver/store/engine_block_store.h"

#include "blockserver/engine/manifest.h"
#include "blockserver/store/engine_block_store_format.h"
#include "blockserver/store/namespace_refs.h"
#include "common/wire/block_messages.h"
#include "common/zstd.h"

namespace tessera::blockserver {

namespace fmt = block_store_format;

namespace {

std::string FormatFileContents() {
  return std::string(fmt::kFormatMagic) + " " + std::to_string(fmt::kFormatVersion) + "\n";
}

// The version of a FORMAT file this code reads (kOldestFormatVersion..kFormatVersion);
// InvalidArgument for a newer version, Corruption for anything else.
common::Result<uint32_t> CheckFormatFile(const std::string& path, std::string_view text) {
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
  if (version < fmt::kOldestFormatVersion || version > fmt::kFormatVersion) {
    return common::InvalidArgument(
        path + ": block store format " + std::to_string(version) + ", this build reads formats " +
        std::to_string(fmt::kOldestFormatVersion) + " to " + std::to_string(fmt::kFormatVersion));
  }
  return static_cast<uint32_t>(version);
}

// Whether `names` hold a MANIFEST, and whether they hold log or SST files.
struct EngineFiles {
  bool manifest = false;
  bool data = false;
};
EngineFiles FindEngineFiles(const std::vector<std::string>& names) {
  EngineFiles f;
  for (const std::string& name : names) {
    const engine::FileType type = engine::ParseFileName(name).type;
    if (type == engine::FileType::kManifest) f.manifest = true;
    if (type == engine::FileType::kLog || type == engine::FileType::kSst) f.data = true;
  }
  return f;
}

// Makes sure `dir` is a block store of this format, creating the FORMAT marker in a directory
// without engine files. Engine files without a marker: the marker was deleted, or the files
// were written before values were tagged. A marker without a MANIFEST: the store's files are
// gone (a store writes its MANIFEST right after its marker).
// A store of an older format is upgraded (its marker rewritten: the older formats' values
// are all valid in this one). Returns what it did.
struct FormatDone {
  bool created = false;
  uint32_t upgraded_from = 0;  // 0: not upgraded
};
common::Result<FormatDone> EnsureFormat(const std::string& dir, common::Env& env,
                                        bool allow_empty) {
  const std::string path = dir + "/" + std::string(fmt::kFormatFileName);
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(dir));
  TESSERA_ASSIGN_OR_RETURN(std::vector<std::string> names, env.ListDir(dir));
  const EngineFiles files = FindEngineFiles(names);
  if (env.FileExists(path)) {
    TESSERA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(path));
    TESSERA_ASSIGN_OR_RETURN(const uint32_t version, CheckFormatFile(path, text));
    if (!files.manifest && !files.data && !allow_empty) {
      return common::NotFound(
          dir + " held a block store (its " + std::string(fmt::kFormatFileName) +
          " file is there) but its MANIFEST and data files are gone: deleted, or the disk they "
          "are on is not mounted? Refusing to start with an empty store. If starting over "
          "empty is what you want, start with --allow-empty");
    }
    FormatDone done;
    if (version < fmt::kFormatVersion) {
      TESSERA_RETURN_IF_ERROR(common::WriteFileAtomically(env, path, FormatFileContents()));
      done.upgraded_from = version;
    }
    return done;
  }
  if (files.manifest || files.data) {
    return common::InvalidArgument(
        dir + " holds engine files but no " + std::string(fmt::kFormatFileName) +
        " file: either it was deleted (then the store is damaged: run `tessera-blockserver check "
        "--data " +
        dir +
        "`) or an older blockserver wrote them (untagged values, which this one cannot read: "
        "start with an empty directory)");
  }
  TESSERA_RETURN_IF_ERROR(common::WriteFileAtomically(env, path, FormatFileContents()));
  return FormatDone{true, 0};
}

}  // namespace

common::Result<std::unique_ptr<EngineBlockStore>> EngineBlockStore::Open(const std::string& dir,
                                                                         common::Env& env,
                                                                         common::Logger& log) {
  return Open(dir, env, log, OpenOptions{});
}

common::Result<std::unique_ptr<EngineBlockStore>> EngineBlockStore::Open(
    const std::string& dir, common::Env& env, common::Logger& log, const OpenOptions& options) {
  if (dir.empty()) return common::InvalidArgument("block store: empty data directory");
  TESSERA_ASSIGN_OR_RETURN(const FormatDone format, EnsureFormat(dir, env, options.allow_empty));
  if (format.created) log.Info("block store", "created a new, empty block store in " + dir);
  if (format.upgraded_from != 0) {
    log.Info("block store", "upgraded the block store in " + dir + " from format " +
                                std::to_string(format.upgraded_from) + " to " +
                                std::to_string(fmt::kFormatVersion));
  }
  engine::EngineOptions engine_options = options.engine;
  engine_options.dir = dir;
  engine_options.marker_file = std::string(fmt::kFormatFileName);
  auto opened = engine::Engine::Open(engine_options, env, log);
  if (!opened.ok()) {
    const common::Code code = opened.status().code();
    if (code == common::Code::kCorruption || code == common::Code::kNotFound) {
      return common::Status(code, opened.status().message() +
                                      "; run `tessera-blockserver repair --data " + dir +
                                      "` to start again without the damage (it keeps what "
                                      "is readable and says what is lost; `tessera-blockserver "
                                      "check --data " +
                                      dir + "` shows the damage first)");
    }
    return opened.status();
  }
  return std::unique_ptr<EngineBlockStore>(new EngineBlockStore(std::move(opened).value(), log));
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

common::Status EngineBlockStore::LogCorruption(const common::BlockId& id, const common::Status& s) {
  log_.Error("block store", "block " + id.ToHex() +
                                " is unreadable, answered as missing (a client "
                                "that has it stores it again): " +
                                s.ToString());
  return s;
}

common::Status EngineBlockStore::PutBatch(
    const std::vector<std::pair<common::BlockId, std::string>>& blocks) {
  engine::WriteBatch batch;
  auto codec = codecs_.Acquire();
  for (const auto& [id, data] : blocks) {
    // Content addressing: a stored id already holds exactly these bytes. One whose index entry
    // is damaged is stored again: the new entry hides the damaged one.
    auto has = engine_->Has(id);
    if (!has.ok() && has.status().code() != common::Code::kCorruption) return has.status();
    if (!has.ok()) (void)LogCorruption(id, has.status());
    if (!has.ok() || !*has) batch.Put(id, EncodeValue(data, *codec));
  }
  if (batch.empty()) return common::Status::Ok();
  return engine_->Write(batch);
}

common::Result<std::optional<std::string>> EngineBlockStore::Get(const common::BlockId& id) {
  auto value = engine_->Get(id);
  if (!value.ok()) {
    if (value.status().code() == common::Code::kCorruption) {
      return LogCorruption(id, value.status());
    }
    return value.status();
  }
  if (!value->has_value()) return std::optional<std::string>();
  if (!(*value)->empty() &&
      static_cast<uint8_t>((**value)[0]) == static_cast<uint8_t>(fmt::ValueTag::kRef)) {
    return std::optional<std::string>();  // a namespace reference's key: no block
  }
  auto block = DecodeValue(**value, *codecs_.Acquire());
  if (!block.ok()) return LogCorruption(id, block.status().WithContext("block " + id.ToHex()));
  const common::Status verified = common::wire::VerifyBlock(id, *block);
  if (!verified.ok()) return LogCorruption(id, verified);
  return std::optional<std::string>(std::move(block).value());
}

common::Result<bool> EngineBlockStore::Has(const common::BlockId& id) {
  auto has = engine_->Has(id);
  if (!has.ok() && has.status().code() == common::Code::kCorruption) {
    return LogCorruption(id, has.status());
  }
  return has;
}

common::Status EngineBlockStore::AddRefs(std::string_view ns,
                                         const std::vector<common::BlockId>& ids) {
  TESSERA_RETURN_IF_ERROR(ValidateRefNamespace(ns));
  engine::WriteBatch batch;
  for (const auto& id : ids) {
    const common::BlockId key = RefKey(ns, id);
    auto has = engine_->Has(key);
    if (has.ok() && *has) continue;
    if (!has.ok() && has.status().code() != common::Code::kCorruption) return has.status();
    std::string value(1, static_cast<char>(fmt::ValueTag::kRef));
    value += RefPayload(ns, id);
    batch.Put(key, value);  // a damaged entry is written again: the new one hides it
  }
  if (batch.empty()) return common::Status::Ok();
  return engine_->Write(batch);
}

common::Result<bool> EngineBlockStore::HasRef(std::string_view ns, const common::BlockId& id) {
  TESSERA_RETURN_IF_ERROR(ValidateRefNamespace(ns));
  auto has = engine_->Has(RefKey(ns, id));
  if (!has.ok() && has.status().code() == common::Code::kCorruption) {
    (void)LogCorruption(RefKey(ns, id), has.status());
    return false;  // answered as not held: a writer of `ns` uploads it again
  }
  return has;
}

}  // namespace tessera::blockserver
