#include "common/wire/journal_messages.h"

#include "common/path.h"
#include "common/wire/block_messages.h"
#include "common/wire/json_fields.h"
#include "common/wire/move_messages.h"

namespace tessera::common::wire {

namespace json = boost::json;
using internal::GetArray;
using internal::GetBool;
using internal::GetInt;
using internal::GetString;
using internal::GetStringOr;
using internal::GetUint;
using internal::GetUintOr;
using internal::kMaxDeviceBytes;
using internal::kMaxErrorBytes;
using internal::Sv;

namespace {

constexpr size_t kMaxEpochBytes = 256;

json::array BlocksToJson(const std::vector<BlockRef>& blocks);

json::array IdsToJson(const std::vector<BlockId>& ids) {
  json::array out;
  out.reserve(ids.size());
  for (const BlockId& id : ids) out.push_back(json::string(id.ToHex()));
  return out;
}

// The array `key` of at most kMaxWantedIds hex block ids.
Result<std::vector<BlockId>> IdsFromJson(const json::object& o, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(const json::array* ids, GetArray(o, key, kMaxWantedIds));
  std::vector<BlockId> out;
  out.reserve(ids->size());
  for (const json::value& v : *ids) {
    TESSERA_ASSIGN_OR_RETURN(BlockId id, internal::IdFromJson(v, std::string(key) + "[]"));
    out.push_back(id);
  }
  return out;
}

// `without_blocks`: the blocklist travels as a "delta" beside the meta.
json::object MetaToJson(const FileMeta& m, bool without_blocks = false) {
  json::object o;
  o["path"] = Sv(m.path);
  o["kind"] = Sv(FileKindName(m.kind));
  o["size"] = m.size;
  o["mtime_ns"] = m.mtime_ns;
  o["mode"] = m.mode;
  if (m.kind == FileKind::kSymlink) o["target"] = Sv(m.symlink_target);
  if (m.kind == FileKind::kFile && !without_blocks) o["blocks"] = BlocksToJson(m.blocks);
  return o;
}

json::array BlocksToJson(const std::vector<BlockRef>& blocks) {
  json::array out;
  out.reserve(blocks.size());
  for (const BlockRef& b : blocks)
    out.push_back(json::object{{"id", b.id.ToHex()}, {"size", b.size}});
  return out;
}

Result<std::vector<BlockRef>> BlocksFromJson(const json::object& o, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(const json::array* blocks, GetArray(o, key, kMaxBlocksPerFile));
  std::vector<BlockRef> out;
  out.reserve(blocks->size());
  for (const json::value& bv : *blocks) {
    TESSERA_ASSIGN_OR_RETURN(const json::object* bo, internal::AsObject(bv, "blocks[]"));
    BlockRef ref;
    TESSERA_ASSIGN_OR_RETURN(const json::value* idv, internal::Field(*bo, "id"));
    TESSERA_ASSIGN_OR_RETURN(ref.id, internal::IdFromJson(*idv, "blocks[].id"));
    TESSERA_ASSIGN_OR_RETURN(uint64_t size, GetUint(*bo, "size"));
    if (size > UINT32_MAX) return InvalidArgument("field \"blocks[].size\": out of range");
    ref.size = static_cast<uint32_t>(size);
    out.push_back(ref);
  }
  return out;
}

json::object DeltaToJson(const BlocklistDelta& d) {
  json::object o{{"base_jid", d.base_jid},
                 {"keep_prefix", d.keep_prefix},
                 {"keep_suffix", d.keep_suffix},
                 {"blocks", BlocksToJson(d.blocks)}};
  if (d.digest) o["digest"] = d.digest->ToHex();
  return o;
}

// Structure only: whether the delta fits its base is for whoever holds the base.
Result<BlocklistDelta> DeltaFromJson(const json::value& v) {
  TESSERA_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(v, "delta"));
  BlocklistDelta d;
  TESSERA_ASSIGN_OR_RETURN(d.base_jid, GetUint(*o, "base_jid"));
  if (d.base_jid == 0) return InvalidArgument("field \"delta.base_jid\": must be > 0");
  TESSERA_ASSIGN_OR_RETURN(d.keep_prefix, GetUint(*o, "keep_prefix"));
  TESSERA_ASSIGN_OR_RETURN(d.keep_suffix, GetUint(*o, "keep_suffix"));
  TESSERA_ASSIGN_OR_RETURN(d.blocks, BlocksFromJson(*o, "blocks"));
  if (const json::value* digest = o->if_contains("digest")) {
    TESSERA_ASSIGN_OR_RETURN(d.digest, internal::IdFromJson(*digest, "delta.digest"));
  }
  for (const BlockRef& b : d.blocks) {
    if (b.size == 0 || b.size > kMaxBlockBytes) {
      return InvalidArgument("field \"delta.blocks[].size\": out of range");
    }
  }
  if (d.keep_prefix > kMaxBlocksPerFile || d.keep_suffix > kMaxBlocksPerFile ||
      d.keep_prefix + d.keep_suffix + d.blocks.size() > kMaxBlocksPerFile) {
    return InvalidArgument("field \"delta\": more than " + std::to_string(kMaxBlocksPerFile) +
                           " blocks");
  }
  return d;
}

// `with_blocks` false: the blocklist travels as a "delta" beside the meta, so "blocks" must be
// absent and the kind a file.
Result<FileMeta> MetaFromJson(const json::value& v, bool with_blocks = true) {
  TESSERA_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(v, "meta"));
  FileMeta m;
  TESSERA_ASSIGN_OR_RETURN(m.path, GetString(*o, "path", kMaxPathBytes));
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(m.path));
  TESSERA_ASSIGN_OR_RETURN(std::string kind, GetString(*o, "kind", 16));
  TESSERA_RETURN_IF_ERROR(ParseFileKind(kind, &m.kind));
  TESSERA_ASSIGN_OR_RETURN(m.size, GetUint(*o, "size"));
  TESSERA_ASSIGN_OR_RETURN(m.mtime_ns, GetInt(*o, "mtime_ns"));
  TESSERA_ASSIGN_OR_RETURN(uint64_t mode, GetUint(*o, "mode"));
  if (mode > 07777) return InvalidArgument("field \"mode\": out of range");
  m.mode = static_cast<uint32_t>(mode);
  if (o->contains("target")) {
    TESSERA_ASSIGN_OR_RETURN(m.symlink_target, GetString(*o, "target", kMaxPathBytes));
    if (m.kind != FileKind::kSymlink) return InvalidArgument("field \"target\": on a non-symlink");
  }
  if (o->contains("blocks")) {
    if (m.kind != FileKind::kFile) return InvalidArgument("field \"blocks\": on a non-file");
    if (!with_blocks) return InvalidArgument("field \"blocks\": beside a \"delta\"");
    TESSERA_ASSIGN_OR_RETURN(m.blocks, BlocksFromJson(*o, "blocks"));
  }
  if (with_blocks) {
    TESSERA_RETURN_IF_ERROR(ValidateFileMeta(m));
  } else {
    if (m.kind != FileKind::kFile) return InvalidArgument("field \"delta\": on a non-file");
    TESSERA_RETURN_IF_ERROR(ValidateFileMetaWithoutBlocks(m));
  }
  return m;
}

// The "meta" of an item or entry and its optional "delta".
Status MetaAndDeltaFromJson(const json::object& o, FileMeta* meta,
                            std::optional<BlocklistDelta>* delta) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* mv, internal::Field(o, "meta"));
  const json::value* dv = o.if_contains("delta");
  if (dv != nullptr && dv->is_null()) dv = nullptr;
  TESSERA_ASSIGN_OR_RETURN(*meta, MetaFromJson(*mv, /*with_blocks=*/dv == nullptr));
  if (dv != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(BlocklistDelta d, DeltaFromJson(*dv));
    *delta = std::move(d);
  }
  return Status::Ok();
}

json::object EntryToJson(const JournalEntry& e) {
  const bool delta = e.delta.has_value() && e.meta.kind == FileKind::kFile;
  json::object o{{"jid", e.jid}, {"device", Sv(e.device)}, {"meta", MetaToJson(e.meta, delta)}};
  if (delta) o["delta"] = DeltaToJson(*e.delta);
  internal::MoveFieldsToJson(e, o);  // "moved_from", "covers" (move_messages.h)
  return o;
}

Result<JournalEntry> EntryFromJson(const json::value& v) {
  TESSERA_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(v, "entries[]"));
  JournalEntry e;
  TESSERA_ASSIGN_OR_RETURN(e.jid, GetUint(*o, "jid"));
  TESSERA_ASSIGN_OR_RETURN(e.device, GetStringOr(*o, "device", kMaxDeviceBytes, ""));
  TESSERA_RETURN_IF_ERROR(MetaAndDeltaFromJson(*o, &e.meta, &e.delta));
  if (e.delta && e.delta->base_jid >= e.jid) {
    return InvalidArgument("field \"delta.base_jid\": not before the entry");
  }
  TESSERA_RETURN_IF_ERROR(internal::MoveFieldsFromJson(*o, e));  // move_messages.h
  return e;
}

std::string_view OutcomeName(CommitOutcome outcome) {
  switch (outcome) {
    case CommitOutcome::kCommitted:
      return "committed";
    case CommitOutcome::kNeedBlocks:
      return "need_blocks";
    case CommitOutcome::kConflict:
      return "conflict";
    case CommitOutcome::kInvalid:
      return "invalid";
  }
  return "invalid";
}

Result<CommitOutcome> ParseOutcome(std::string_view name) {
  for (CommitOutcome o : {CommitOutcome::kCommitted, CommitOutcome::kNeedBlocks,
                          CommitOutcome::kConflict, CommitOutcome::kInvalid}) {
    if (name == OutcomeName(o)) return o;
  }
  return InvalidArgument("field \"outcome\": unknown value");
}

}  // namespace

std::string Encode(const CommitBatchRequest& m) {
  json::array items;
  items.reserve(m.items.size());
  for (const CommitItem& item : m.items) {
    const bool delta = item.delta.has_value() && item.meta.kind == FileKind::kFile;
    json::object o{{"parent_jid", item.parent_jid}, {"meta", MetaToJson(item.meta, delta)}};
    if (delta) o["delta"] = DeltaToJson(*item.delta);
    items.push_back(std::move(o));
  }
  return internal::Serialize(json::object{{"device", Sv(m.device)}, {"items", std::move(items)}});
}

std::string Encode(const CommitBatchResponse& m) {
  json::array results;
  results.reserve(m.results.size());
  for (const CommitResult& r : m.results) {
    json::object o{{"path", Sv(r.path)}, {"outcome", Sv(OutcomeName(r.outcome))}};
    switch (r.outcome) {
      case CommitOutcome::kCommitted:
        o["jid"] = r.jid;
        break;
      case CommitOutcome::kNeedBlocks:
        o["need_blocks"] = IdsToJson(r.need_blocks);
        break;
      case CommitOutcome::kConflict:
        o["latest_jid"] = r.latest_jid;
        break;
      case CommitOutcome::kInvalid:
        o["error"] = Sv(r.error);
        break;
    }
    results.push_back(std::move(o));
  }
  json::object o{{"results", std::move(results)}};
  if (!m.epoch.empty()) {
    o["head_before"] = m.head_before;
    o["head"] = m.head;
    o["epoch"] = Sv(m.epoch);
  }
  return internal::Serialize(o);
}

std::string Encode(const ListResponse& m) {
  json::array entries;
  entries.reserve(m.entries.size());
  for (const JournalEntry& e : m.entries) entries.push_back(EntryToJson(e));
  json::object o{{"entries", std::move(entries)},
                 {"cursor", m.cursor},
                 {"has_more", m.has_more},
                 {"head", m.head},
                 {"epoch", Sv(m.epoch)}};
  if (!m.wanted.empty()) o["wanted"] = IdsToJson(m.wanted);
  return internal::Serialize(o);
}

std::string Encode(const MissingBlocksRequest& m) {
  return internal::Serialize(json::object{{"jid", m.jid}, {"ids", IdsToJson(m.ids)}});
}

std::string Encode(const MissingBlocksResponse& m) {
  return internal::Serialize(json::object{{"wanted", m.wanted}});
}

std::string Encode(const JournalEntry& m) {
  JournalEntry full = m;
  full.delta.reset();
  return internal::Serialize(EntryToJson(full));
}

Result<JournalEntry> DecodeJournalEntry(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  TESSERA_ASSIGN_OR_RETURN(JournalEntry e, EntryFromJson(json::value(std::move(o))));
  if (e.delta) return InvalidArgument("field \"delta\": a full entry was asked for");
  return e;
}

std::string Encode(const NotifyResponse& m) {
  return internal::Serialize(json::object{{"head", m.head}, {"epoch", Sv(m.epoch)}});
}

Result<CommitBatchRequest> DecodeCommitBatchRequest(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  CommitBatchRequest m;
  TESSERA_ASSIGN_OR_RETURN(m.device, GetString(o, "device", kMaxDeviceBytes));
  TESSERA_ASSIGN_OR_RETURN(const json::array* items, GetArray(o, "items", kMaxCommitItems));
  m.items.reserve(items->size());
  for (const json::value& iv : *items) {
    TESSERA_ASSIGN_OR_RETURN(const json::object* io, internal::AsObject(iv, "items[]"));
    CommitItem item;
    TESSERA_ASSIGN_OR_RETURN(item.parent_jid, GetUint(*io, "parent_jid"));
    TESSERA_RETURN_IF_ERROR(MetaAndDeltaFromJson(*io, &item.meta, &item.delta));
    m.items.push_back(std::move(item));
  }
  return m;
}

Result<CommitBatchResponse> DecodeCommitBatchResponse(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  CommitBatchResponse m;
  TESSERA_ASSIGN_OR_RETURN(const json::array* results, GetArray(o, "results", kMaxCommitItems));
  m.results.reserve(results->size());
  for (const json::value& rv : *results) {
    TESSERA_ASSIGN_OR_RETURN(const json::object* ro, internal::AsObject(rv, "results[]"));
    CommitResult r;
    // An invalid item echoes whatever path the client sent, so only its length is checked.
    TESSERA_ASSIGN_OR_RETURN(r.path, GetString(*ro, "path", kMaxPathBytes));
    TESSERA_ASSIGN_OR_RETURN(std::string outcome, GetString(*ro, "outcome", 16));
    TESSERA_ASSIGN_OR_RETURN(r.outcome, ParseOutcome(outcome));
    if (r.outcome != CommitOutcome::kInvalid) TESSERA_RETURN_IF_ERROR(ValidateRelativePath(r.path));
    switch (r.outcome) {
      case CommitOutcome::kCommitted: {
        TESSERA_ASSIGN_OR_RETURN(r.jid, GetUint(*ro, "jid"));
        break;
      }
      case CommitOutcome::kNeedBlocks: {
        TESSERA_ASSIGN_OR_RETURN(const json::array* need,
                                 GetArray(*ro, "need_blocks", kMaxBlocksPerFile));
        r.need_blocks.reserve(need->size());
        for (const json::value& idv : *need) {
          TESSERA_ASSIGN_OR_RETURN(BlockId id, internal::IdFromJson(idv, "need_blocks[]"));
          r.need_blocks.push_back(id);
        }
        break;
      }
      case CommitOutcome::kConflict: {
        TESSERA_ASSIGN_OR_RETURN(r.latest_jid, GetUint(*ro, "latest_jid"));
        break;
      }
      case CommitOutcome::kInvalid: {
        TESSERA_ASSIGN_OR_RETURN(r.error, GetStringOr(*ro, "error", kMaxErrorBytes, ""));
        break;
      }
    }
    m.results.push_back(std::move(r));
  }
  TESSERA_ASSIGN_OR_RETURN(m.epoch, GetStringOr(o, "epoch", kMaxEpochBytes, ""));
  if (!m.epoch.empty()) {
    TESSERA_ASSIGN_OR_RETURN(m.head_before, GetUint(o, "head_before"));
    TESSERA_ASSIGN_OR_RETURN(m.head, GetUint(o, "head"));
    if (m.head < m.head_before) return InvalidArgument("field \"head\": below \"head_before\"");
  }
  return m;
}

Result<ListResponse> DecodeListResponse(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  ListResponse m;
  TESSERA_ASSIGN_OR_RETURN(const json::array* entries, GetArray(o, "entries", kMaxListLimit));
  m.entries.reserve(entries->size());
  for (const json::value& ev : *entries) {
    TESSERA_ASSIGN_OR_RETURN(JournalEntry e, EntryFromJson(ev));
    m.entries.push_back(std::move(e));
  }
  TESSERA_ASSIGN_OR_RETURN(m.cursor, GetUint(o, "cursor"));
  TESSERA_ASSIGN_OR_RETURN(m.has_more, GetBool(o, "has_more"));
  TESSERA_ASSIGN_OR_RETURN(m.head, GetUint(o, "head"));
  TESSERA_ASSIGN_OR_RETURN(m.epoch, GetString(o, "epoch", kMaxEpochBytes));
  if (o.contains("wanted")) {
    TESSERA_ASSIGN_OR_RETURN(m.wanted, IdsFromJson(o, "wanted"));
  }
  return m;
}

Result<MissingBlocksRequest> DecodeMissingBlocksRequest(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  MissingBlocksRequest m;
  TESSERA_ASSIGN_OR_RETURN(m.jid, GetUint(o, "jid"));
  if (m.jid == 0) return InvalidArgument("field \"jid\": must be a journal entry's JID");
  TESSERA_ASSIGN_OR_RETURN(m.ids, IdsFromJson(o, "ids"));
  return m;
}

Result<MissingBlocksResponse> DecodeMissingBlocksResponse(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  MissingBlocksResponse m;
  TESSERA_ASSIGN_OR_RETURN(m.wanted, GetUint(o, "wanted"));
  return m;
}

Result<NotifyResponse> DecodeNotifyResponse(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  NotifyResponse m;
  TESSERA_ASSIGN_OR_RETURN(m.head, GetUint(o, "head"));
  TESSERA_ASSIGN_OR_RETURN(m.epoch, GetString(o, "epoch", kMaxEpochBytes));
  return m;
}

}  // namespace tessera::common::wire
