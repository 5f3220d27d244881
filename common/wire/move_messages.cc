#include "common/wire/move_messages.h"

#include "common/path.h"
#include "common/wire/journal_messages.h"
#include "common/wire/json_fields.h"

namespace tessera::common::wire {

namespace json = boost::json;
using internal::GetString;
using internal::GetStringOr;
using internal::GetUint;
using internal::GetUintOr;
using internal::kMaxDeviceBytes;
using internal::kMaxErrorBytes;
using internal::Sv;

namespace {

std::string_view OutcomeName(MoveOutcome outcome) {
  switch (outcome) {
    case MoveOutcome::kCommitted:
      return "committed";
    case MoveOutcome::kConflict:
      return "conflict";
    case MoveOutcome::kInvalid:
      return "invalid";
  }
  return "invalid";
}

bool IsDigest(std::string_view s) {
  if (s.size() != 2 * BlockId::kSize) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

void SubtreeDigest::Add(std::string_view path, uint64_t jid) {
  hasher_.Update(path);
  hasher_.Update(std::string_view("\0", 1));
  hasher_.Update(std::to_string(jid));
  hasher_.Update("\n");
}

std::string SubtreeDigest::Finish() { return hasher_.Finish().ToHex(); }

std::string Encode(const MoveRequest& m) {
  return internal::Serialize(json::object{{"device", Sv(m.device)},
                                          {"from", Sv(m.from)},
                                          {"from_jid", m.from_jid},
                                          {"to", Sv(m.to)},
                                          {"to_parent_jid", m.to_parent_jid},
                                          {"subtree", Sv(m.subtree)}});
}

std::string Encode(const MoveResponse& m) {
  json::object o{{"outcome", Sv(OutcomeName(m.outcome))}};
  switch (m.outcome) {
    case MoveOutcome::kCommitted:
      o["jid"] = m.jid;
      o["covers"] = m.covers;
      break;
    case MoveOutcome::kConflict:
      o["latest_jid"] = m.latest_jid;
      break;
    case MoveOutcome::kInvalid:
      o["error"] = Sv(m.error);
      break;
  }
  return internal::Serialize(o);
}

Result<MoveRequest> DecodeMoveRequest(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  MoveRequest m;
  TESSERA_ASSIGN_OR_RETURN(m.device, GetString(o, "device", kMaxDeviceBytes));
  TESSERA_ASSIGN_OR_RETURN(m.from, GetString(o, "from", kMaxPathBytes));
  TESSERA_ASSIGN_OR_RETURN(m.from_jid, GetUint(o, "from_jid"));
  TESSERA_ASSIGN_OR_RETURN(m.to, GetString(o, "to", kMaxPathBytes));
  TESSERA_ASSIGN_OR_RETURN(m.to_parent_jid, GetUint(o, "to_parent_jid"));
  TESSERA_ASSIGN_OR_RETURN(m.subtree, GetStringOr(o, "subtree", 2 * BlockId::kSize, ""));
  if (!m.subtree.empty() && !IsDigest(m.subtree)) {
    return InvalidArgument("field \"subtree\": not 64 lowercase hex digits");
  }
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(m.from).WithContext("field \"from\""));
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(m.to).WithContext("field \"to\""));
  if (m.to == m.from || m.to.starts_with(m.from + "/")) {
    return InvalidArgument("field \"to\": the same as \"from\" or inside it");
  }
  return m;
}

Result<MoveResponse> DecodeMoveResponse(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  MoveResponse m;
  TESSERA_ASSIGN_OR_RETURN(std::string outcome, GetString(o, "outcome", 16));
  if (outcome == "committed") {
    m.outcome = MoveOutcome::kCommitted;
    TESSERA_ASSIGN_OR_RETURN(m.jid, GetUint(o, "jid"));
    TESSERA_ASSIGN_OR_RETURN(m.covers, GetUint(o, "covers"));
    if (m.jid == 0 || m.covers == 0 || m.covers > kMaxMoveCovers) {
      return InvalidArgument("field \"covers\": out of range");
    }
  } else if (outcome == "conflict") {
    m.outcome = MoveOutcome::kConflict;
    TESSERA_ASSIGN_OR_RETURN(m.latest_jid, GetUint(o, "latest_jid"));
  } else if (outcome == "invalid") {
    m.outcome = MoveOutcome::kInvalid;
    TESSERA_ASSIGN_OR_RETURN(m.error, GetStringOr(o, "error", kMaxErrorBytes, ""));
  } else {
    return InvalidArgument("field \"outcome\": unknown value");
  }
  return m;
}

namespace internal {

void MoveFieldsToJson(const JournalEntry& e, json::object& o) {
  if (e.covers == 0) return;
  o["moved_from"] = Sv(e.moved_from);
  o["covers"] = e.covers;
}

Status MoveFieldsFromJson(const json::object& o, JournalEntry& e) {
  TESSERA_ASSIGN_OR_RETURN(e.covers, GetUintOr(o, "covers", 0));
  if (e.covers == 0) {
    e.moved_from.clear();
    return Status::Ok();
  }
  if (e.covers > kMaxMoveCovers) return InvalidArgument("field \"covers\": out of range");
  TESSERA_ASSIGN_OR_RETURN(e.moved_from, GetString(o, "moved_from", kMaxPathBytes));
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(e.moved_from).WithContext("field \"moved_from\""));
  if (e.meta.kind != FileKind::kDir || e.moved_from == e.meta.path ||
      e.meta.path.starts_with(e.moved_from + "/")) {
    return InvalidArgument("field \"moved_from\": a move entry is a directory outside its source");
  }
  return Status::Ok();
}

}  // namespace internal

}  // namespace tessera::common::wire
