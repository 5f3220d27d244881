#include "blockserver/engine/manifest.h"

#include <cstdio>

#include "blockserver/engine/manifest_format.h"
#include "common/coding.h"
#include "common/crc32c.h"
#include "common/temp_name.h"

namespace tessera::blockserver::engine {

std::string EncodeManifest(const ManifestState& state) {
  std::string body;
  common::PutVarint64(body, state.next_file_number);
  common::PutVarint64(body, state.log_number);
  common::PutVarint64(body, state.last_sequence);
  common::PutVarint64(body, state.runs.size());
  for (uint64_t r : state.runs) common::PutVarint64(body, r);
  common::PutVarint64(body, state.blob_files.size());
  for (uint64_t b : state.blob_files) common::PutVarint64(body, b);
  std::string out;
  common::PutFixed64(out, manifest::kMagic);
  common::PutFixed32(out, manifest::kFormatVersion);
  common::PutFixed32(out, static_cast<uint32_t>(body.size()));
  out.append(body);
  common::PutFixed32(out, common::crc32c::Value(out));
  return out;
}

common::Result<ManifestState> DecodeManifest(std::string_view data) {
  if (data.size() < manifest::kHeaderBytes + 4) return common::Corruption("manifest: too short");
  if (common::DecodeFixed64(data.data()) != manifest::kMagic) {
    return common::Corruption("manifest: bad magic");
  }
  const uint32_t body_size = common::DecodeFixed32(data.data() + 12);
  if (body_size > manifest::kMaxBodyBytes ||
      data.size() != manifest::kHeaderBytes + body_size + 4) {
    return common::Corruption("manifest: size mismatch");
  }
  if (common::crc32c::Value(data.substr(0, data.size() - 4)) !=
      common::DecodeFixed32(data.data() + data.size() - 4)) {
    return common::Corruption("manifest: checksum mismatch");
  }
  const uint32_t version = common::DecodeFixed32(data.data() + 8);
  if (version != manifest::kFormatVersion) {
    return common::Corruption("manifest: unsupported format version " + std::to_string(version));
  }
  std::string_view in = data.substr(manifest::kHeaderBytes, body_size);
  ManifestState s;
  uint64_t n = 0;
  if (!common::GetVarint64(in, &s.next_file_number) || !common::GetVarint64(in, &s.log_number) ||
      !common::GetVarint64(in, &s.last_sequence) || !common::GetVarint64(in, &n) || n > in.size()) {
    return common::Corruption("manifest: malformed body");
  }
  s.runs.resize(n);
  for (auto& r : s.runs) {
    if (!common::GetVarint64(in, &r)) return common::Corruption("manifest: malformed run list");
  }
  if (!common::GetVarint64(in, &n) || n > in.size())
    return common::Corruption("manifest: malformed body");
  s.blob_files.resize(n);
  for (auto& b : s.blob_files) {
    if (!common::GetVarint64(in, &b)) return common::Corruption("manifest: malformed blob list");
  }
  if (!in.empty()) return common::Corruption("manifest: trailing bytes");
  return s;
}

common::Status SaveManifest(common::Env& env, const std::string& dir, const ManifestState& state) {
  return common::WriteFileAtomically(env, dir + "/" + manifest::kFileName, EncodeManifest(state));
}

common::Result<ManifestState> LoadManifest(common::Env& env, const std::string& dir) {
  const std::string path = dir + "/" + manifest::kFileName;
  if (!env.FileExists(path)) return common::NotFound(path);
  TESSERA_ASSIGN_OR_RETURN(std::string data, env.ReadFileToString(path));
  auto state = DecodeManifest(data);
  if (!state.ok()) return state.status().WithContext(path);
  return state;
}

namespace {
std::optional<uint64_t> ParseNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}
std::string Numbered(const std::string& dir, uint64_t number, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06llu.%s", static_cast<unsigned long long>(number), ext);
  return dir + "/" + buf;
}
}  // namespace

ParsedFileName ParseFileName(std::string_view name) {
  if (name == manifest::kFileName) return {FileType::kManifest, 0};
  // common::WriteFileAtomically's temp files; "*.tmp-*" is what older builds left.
  if (common::IsTempName(name) || name.find(".tmp-") != std::string_view::npos) {
    return {FileType::kTemp, 0};
  }
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  const auto number = ParseNumber(name.substr(0, dot));
  if (!number) return {};
  const std::string_view ext = name.substr(dot + 1);
  if (ext == "log") return {FileType::kLog, *number};
  if (ext == "sst") return {FileType::kSst, *number};
  return {};
}

std::string LogFileName(const std::string& dir, uint64_t number) {
  return Numbered(dir, number, "log");
}
std::string SstFileName(const std::string& dir, uint64_t number) {
  return Numbered(dir, number, "sst");
}

}  // namespace tessera::blockserver::engine
