#include "blockserver/tools/sst_tool.h"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>

#include "blockserver/engine/sst_block.h"
#include "blockserver/engine/sst_builder.h"
#include "blockserver/engine/sst_reader.h"
#include "common/env.h"

namespace tessera::blockserver::tools {

namespace json = boost::json;
using engine::BlockId;
using engine::Entry;
using engine::EntryKind;

namespace {

const char* KindName(EntryKind k) {
  switch (k) {
    case EntryKind::kValue:
      return "value";
    case EntryKind::kBlob:
      return "blob";
    case EntryKind::kTombstone:
      return "tombstone";
  }
  return "?";
}

common::Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return common::InvalidArgument("odd-length hex string");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        return common::InvalidArgument("bad hex digit");
      v = v * 16 + d;
    }
    out[i] = static_cast<char>(v);
  }
  return out;
}

struct BloomStats {
  uint64_t bytes = 0;
  int probes = 0;
  double bits_per_key = 0;
  double fill_ratio = 0;
};

BloomStats StatsOf(const engine::SstReader& r) {
  BloomStats s;
  const std::string& bloom = r.bloom();
  s.bytes = bloom.size();
  if (bloom.empty()) return s;
  s.probes = static_cast<uint8_t>(bloom[0]);
  uint64_t set = 0;
  for (size_t i = 1; i < bloom.size(); ++i) set += std::popcount(static_cast<uint8_t>(bloom[i]));
  const uint64_t bits = (bloom.size() - 1) * 8;
  s.fill_ratio = bits ? static_cast<double>(set) / static_cast<double>(bits) : 0;
  s.bits_per_key = r.entry_count() ? static_cast<double>(bits) / r.entry_count() : 0;
  return s;
}

common::Result<json::object> Dump(const engine::SstReader& r) {
  json::object root;
  root["format_version"] = r.format_version();
  root["file_size"] = r.file_size();
  root["entry_count"] = r.entry_count();
  json::array index;
  json::array entries;
  for (size_t i = 0; i < r.index().size(); ++i) {
    const auto& e = r.index()[i];
    json::object ie;
    ie["last_key"] = e.last_key.ToHex();
    ie["offset"] = e.offset;
    ie["stored_size"] = e.stored_size;
    ie["raw_size"] = e.raw_size;
    json::array block_entries;
    TESSERA_ASSIGN_OR_RETURN(auto body, r.ReadBlock(i, false));
    engine::BlockCursor cursor(*body);
    while (cursor.Next()) {
      json::object je;
      je["key"] = cursor.key().ToHex();
      je["kind"] = KindName(cursor.entry().kind);
      je["block"] = i;
      if (cursor.entry().kind == EntryKind::kValue) {
        je["value_hex"] = common::ToHex(cursor.entry().value);
      } else if (cursor.entry().kind == EntryKind::kBlob) {
        je["file"] = cursor.entry().blob.file_number;
        je["offset"] = cursor.entry().blob.offset;
        je["size"] = cursor.entry().blob.size;
        je["crc"] = cursor.entry().blob.crc;
      }
      entries.push_back(std::move(je));
    }
    TESSERA_RETURN_IF_ERROR(cursor.status());
    index.push_back(std::move(ie));
  }
  root["index"] = std::move(index);
  const BloomStats b = StatsOf(r);
  json::object bloom;
  bloom["bytes"] = b.bytes;
  bloom["probes"] = b.probes;
  bloom["bits_per_key"] = b.bits_per_key;
  bloom["fill_ratio"] = b.fill_ratio;
  root["bloom"] = std::move(bloom);
  root["entries"] = std::move(entries);
  return root;
}

// Reads a uint64 member; InvalidArgument if missing or of the wrong type.
common::Result<uint64_t> U64(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return common::InvalidArgument(std::string("missing \"") + name + "\"");
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return common::InvalidArgument(std::string("\"") + name + "\" is not a non-negative integer");
}

common::Result<std::string> Str(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return common::InvalidArgument(std::string("missing string \"") + name + "\"");
  }
  return std::string(v->as_string());
}

common::Status Load(const json::value& doc, common::Env& env, const std::string& out_path) {
  if (!doc.is_object()) return common::InvalidArgument("top level is not an object");
  const json::object& root = doc.as_object();
  const json::value* entries = root.if_contains("entries");
  if (entries == nullptr || !entries->is_array()) {
    return common::InvalidArgument("missing \"entries\" array");
  }
  engine::SstOptions options;
  if (const json::value* bloom = root.if_contains("bloom"); bloom && bloom->is_object()) {
    if (const json::value* bpk = bloom->as_object().if_contains("bits_per_key");
        bpk && bpk->is_number()) {
      const double v = bpk->to_number<double>();
      options.bloom_bits_per_key = std::clamp(static_cast<int>(v + 0.5), 1, 64);
    }
  }
  const auto& list = entries->as_array();
  if (!list.empty() && list[0].is_object() && list[0].as_object().contains("block")) {
    options.block_bytes = static_cast<size_t>(-1);  // block boundaries come from "block"
  }
  TESSERA_ASSIGN_OR_RETURN(auto builder, engine::SstBuilder::Create(env, out_path, options));
  int64_t current_block = -1;
  for (const json::value& v : entries->as_array()) {
    if (!v.is_object()) return common::InvalidArgument("an entry is not an object");
    const json::object& je = v.as_object();
    TESSERA_ASSIGN_OR_RETURN(std::string key_hex, Str(je, "key"));
    auto key = BlockId::FromHex(key_hex);
    if (!key.ok()) return key.status();
    TESSERA_ASSIGN_OR_RETURN(std::string kind, Str(je, "kind"));
    if (const json::value* blk = je.if_contains("block"); blk && blk->is_number()) {
      boost::system::error_code num_ec;
      const auto b = blk->to_number<int64_t>(num_ec);
      if (num_ec) return common::InvalidArgument("\"block\" is not an integer");
      if (current_block >= 0 && b != current_block) TESSERA_RETURN_IF_ERROR(builder->EndBlock());
      current_block = b;
    }
    Entry e;
    if (kind == "value") {
      e.kind = EntryKind::kValue;
      TESSERA_ASSIGN_OR_RETURN(std::string hex, Str(je, "value_hex"));
      TESSERA_ASSIGN_OR_RETURN(e.value, FromHex(hex));
    } else if (kind == "blob") {
      e.kind = EntryKind::kBlob;
      TESSERA_ASSIGN_OR_RETURN(e.blob.file_number, U64(je, "file"));
      TESSERA_ASSIGN_OR_RETURN(e.blob.offset, U64(je, "offset"));
      TESSERA_ASSIGN_OR_RETURN(uint64_t size, U64(je, "size"));
      TESSERA_ASSIGN_OR_RETURN(uint64_t crc, U64(je, "crc"));
      if (size > UINT32_MAX || crc > UINT32_MAX) return common::InvalidArgument("blob size/crc");
      e.blob.size = static_cast<uint32_t>(size);
      e.blob.crc = static_cast<uint32_t>(crc);
    } else if (kind == "tombstone") {
      e.kind = EntryKind::kTombstone;
    } else {
      return common::InvalidArgument("unknown entry kind \"" + kind + "\"");
    }
    TESSERA_RETURN_IF_ERROR(builder->Add(*key, e));
  }
  return builder->Finish().status();
}

}  // namespace

int SstDumpMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool as_json = false;
  std::string path;
  for (const std::string& a : args) {
    if (a == "--json") {
      as_json = true;
    } else if (path.empty() && !a.starts_with("--")) {
      path = a;
    } else {
      err << "usage: sst dump FILE [--json]\n";
      return 2;
    }
  }
  if (path.empty()) {
    err << "usage: sst dump FILE [--json]\n";
    return 2;
  }
  common::PosixEnv env;
  auto reader = engine::SstReader::Open(env, path, 0, nullptr);
  if (!reader.ok()) {
    err << "error: " << reader.status().ToString() << "\n";
    return 1;
  }
  auto doc = Dump(**reader);
  if (!doc.ok()) {
    err << "error: " << doc.status().ToString() << "\n";
    return 1;
  }
  if (as_json) {
    out << json::serialize(*doc) << "\n";
    return 0;
  }
  const BloomStats b = StatsOf(**reader);
  out << "file: " << path << "\nformat_version: " << (*reader)->format_version()
      << "\nfile_size: " << (*reader)->file_size() << "\nentries: " << (*reader)->entry_count()
      << "\ndata blocks (sparse index entries): " << (*reader)->index().size()
      << "\nbloom: " << b.bytes << " bytes, " << b.probes << " probes, " << b.bits_per_key
      << " bits/key, fill " << b.fill_ratio << "\n";
  for (const json::value& v : (*doc)["entries"].as_array()) {
    const json::object& e = v.as_object();
    out << e.at("key").as_string() << " " << e.at("kind").as_string();
    if (auto* f = e.if_contains("file")) {
      out << " file=" << f->as_uint64() << " offset=" << e.at("offset").as_uint64()
          << " size=" << e.at("size").as_uint64();
    }
    if (auto* h = e.if_contains("value_hex")) out << " bytes=" << h->as_string().size() / 2;
    out << "\n";
  }
  return 0;
}

int SstLoadMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2) {
    err << "usage: sst load JSON OUT\n";
    return 2;
  }
  common::PosixEnv env;
  auto text = env.ReadFileToString(args[0]);
  if (!text.ok()) {
    err << "error: " << text.status().ToString() << "\n";
    return 1;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(*text, ec);
  if (ec) {
    err << "error: " << args[0] << ": not valid JSON: " << ec.message() << "\n";
    return 1;
  }
  common::Status s;
  try {
    s = Load(doc, env, args[1]);
  } catch (const std::exception& e) {  // Boost.JSON accessors throw on type mismatches
    s = common::InvalidArgument(e.what());
  }
  if (!s.ok()) {
    err << "error: " << args[0] << ": " << s.ToString() << "\n";
    (void)env.RemoveFile(args[1]);
    return 1;
  }
  out << "wrote " << args[1] << "\n";
  return 0;
}

}  // namespace tessera::blockserver::tools
