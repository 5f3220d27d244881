// blockserver/engine/manifest.h
//
// ManifestState: the engine's durable file set (layout in manifest_format.h), with encoding,
// decoding and atomic save/load. Also the file naming scheme of a data directory.
// Value type / pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"

namespace tessera::blockserver::engine {

struct ManifestState {
  uint64_t next_file_number = 1;
  uint64_t log_number = 0;
  uint64_t last_sequence = 0;
  std::vector<uint64_t> runs;        // SST file numbers, newest first
  std::vector<uint64_t> blob_files;  // ascending
  bool operator==(const ManifestState&) const = default;
};

std::string EncodeManifest(const ManifestState& state);
// kCorruption on a bad magic, unknown version, bad checksum or malformed body.
common::Result<ManifestState> DecodeManifest(std::string_view data);

common::Status SaveManifest(common::Env& env, const std::string& dir, const ManifestState& state);
// kNotFound if there is no MANIFEST in `dir`.
common::Result<ManifestState> LoadManifest(common::Env& env, const std::string& dir);

enum class FileType { kLog, kSst, kManifest, kTemp, kUnknown };
struct ParsedFileName {
  FileType type = FileType::kUnknown;
  uint64_t number = 0;
};
// "000012.log" -> {kLog, 12}; "000007.sst" -> {kSst, 7}; "MANIFEST"; temp files
// (common::IsTempName, or "*.tmp-*" from older builds) -> kTemp.
ParsedFileName ParseFileName(std::string_view name);
std::string LogFileName(const std::string& dir, uint64_t number);
std::string SstFileName(const std::string& dir, uint64_t number);

}  // namespace tessera::blockserver::engine
