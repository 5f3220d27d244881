// Subtree moves in the Journal: Move (one transaction: the move entry, copies, tombstones) and
// ListMoves (a listing that sends a move as its one entry). Layout in schema/003_moves.sql.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/path.h"
#include "metaserver/journal/commit_validation.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/journal_impl.h"

namespace tessera::metaserver::journal {

using common::Result;
using common::Status;
using common::wire::FileKind;
using common::wire::JournalEntry;
using common::wire::ListResponse;
using common::wire::MoveOutcome;
using common::wire::MoveRequest;
using common::wire::MoveResponse;

namespace {

constexpr int64_t kDeletedColumn = 3;  // KindToColumn(kDeleted), fixed by the schema

struct LatestRow {
  uint64_t jid = 0;
  FileKind kind = FileKind::kDeleted;
};

Result<std::optional<LatestRow>> Latest(SqliteStmt& select_latest, uint64_t nsid,
                                        std::string_view path) {
  auto use = select_latest.Use();
  TESSERA_RETURN_IF_ERROR(select_latest.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(select_latest.BindText(2, path));
  TESSERA_ASSIGN_OR_RETURN(bool row, select_latest.Step());
  if (!row) return std::optional<LatestRow>();
  LatestRow out;
  out.jid = static_cast<uint64_t>(select_latest.ColumnInt(0));
  TESSERA_ASSIGN_OR_RETURN(out.kind, KindFromColumn(select_latest.ColumnInt(1)));
  return std::optional<LatestRow>(out);
}

// The entry columns a copy keeps as they are: everything but identity, authorship and the move
// columns. Read from the schema, so columns added later (blocklist storage) are copied too.
Result<std::vector<std::string>> ContentColumns(SqliteDb& db) {
  static const std::set<std::string, std::less<>> kNotCopied = {
      "nsid", "jid", "path", "device", "committed_at", "moved_from", "covers"};
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt,
                           db.Prepare("SELECT name FROM pragma_table_info('entries')"));
  std::vector<std::string> out;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    std::string name(stmt.ColumnText(0));
    if (!kNotCopied.contains(name)) out.push_back(std::move(name));
  }
  return out;
}

// SQLite range [dir/, dir0) holds exactly the paths under "dir/" ('0' follows '/').
std::string RangeEnd(const std::string& dir) { return dir + "0"; }

}  // namespace

Result<Journal::MoveOutput> Journal::Move(uint64_t nsid, const MoveRequest& request) {
  TESSERA_RETURN_IF_ERROR(ValidateDevice(request.device));
  MoveOutput out;
  MoveResponse& response = out.response;
  auto invalid = [&](std::string why) {
    response.outcome = MoveOutcome::kInvalid;
    response.error = std::move(why);
  };
  const std::string& from = request.from;
  const std::string& to = request.to;
  if (const Status s = common::ValidateRelativePath(from); !s.ok()) {
    invalid("from: " + s.message());
  } else if (const Status t = common::ValidateRelativePath(to); !t.ok()) {
    invalid("to: " + t.message());
  } else if (to == from || to.starts_with(from + "/")) {
    invalid("cannot move a directory into itself");
  }

  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(impl_->env.Now().time_since_epoch())
          .count();
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  SqliteDb& db = impl_->write_db;
  WriteStatements& w = impl_->write;
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, /*write=*/true));
  uint64_t head = 0;
  {
    auto use = w.select_head.Use();
    TESSERA_RETURN_IF_ERROR(w.select_head.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_ASSIGN_OR_RETURN(bool row, w.select_head.Step());
    if (!row) return common::NotFound("namespace " + std::to_string(nsid));
    head = static_cast<uint64_t>(w.select_head.ColumnInt(0));
  }
  out.head = head;
  if (response.outcome == MoveOutcome::kInvalid && !response.error.empty()) return out;

  // The source: a live directory at exactly the JID the client based the move on.
  TESSERA_ASSIGN_OR_RETURN(const auto from_latest, Latest(w.select_latest, nsid, from));
  if (!from_latest || from_latest->jid != request.from_jid) {
    response.outcome = MoveOutcome::kConflict;
    response.latest_jid = from_latest ? from_latest->jid : 0;
    return out;
  }
  if (from_latest->kind != FileKind::kDir) {
    invalid("from is not a directory");
    return out;
  }
  // The destination: absent or deleted, as the client believes.
  TESSERA_ASSIGN_OR_RETURN(const auto to_latest, Latest(w.select_latest, nsid, to));
  const uint64_t to_jid = to_latest ? to_latest->jid : 0;
  const bool to_gone = !to_latest || to_latest->kind == FileKind::kDeleted;
  if (!to_gone || (request.to_parent_jid != to_jid && request.to_parent_jid != 0)) {
    response.outcome = MoveOutcome::kConflict;
    response.latest_jid = to_jid;
    return out;
  }

  const std::string live_under =
      "SELECT l.path, l.jid FROM latest AS l JOIN entries AS e ON e.nsid = l.nsid AND "
      "e.jid = l.jid WHERE l.nsid = ?1 AND l.path >= ?2 AND l.path < ?3 AND e.kind <> " +
      std::to_string(kDeletedColumn) + " ORDER BY l.path LIMIT ?4";
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt under, db.Prepare(live_under));
  {
    TESSERA_RETURN_IF_ERROR(under.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(under.BindText(2, to + "/"));
    TESSERA_RETURN_IF_ERROR(under.BindText(3, RangeEnd(to)));
    TESSERA_RETURN_IF_ERROR(under.BindInt(4, 1));
    TESSERA_ASSIGN_OR_RETURN(bool row, under.Step());
    under.Reset();
    if (row) {
      invalid("the destination has live paths under it");
      return out;
    }
  }
  // Every live path under from/, bytewise (the fixed order clients derive the JIDs from).
  std::vector<std::pair<std::string, uint64_t>> moved;
  {
    TESSERA_RETURN_IF_ERROR(under.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(under.BindText(2, from + "/"));
    TESSERA_RETURN_IF_ERROR(under.BindText(3, RangeEnd(from)));
    TESSERA_RETURN_IF_ERROR(
        under.BindInt(4, static_cast<int64_t>(common::wire::kMaxMovePaths) + 1));
    for (;;) {
      TESSERA_ASSIGN_OR_RETURN(bool row, under.Step());
      if (!row) break;
      moved.emplace_back(std::string(under.ColumnText(0)),
                         static_cast<uint64_t>(under.ColumnInt(1)));
    }
    under.Reset();
  }
  if (moved.size() > common::wire::kMaxMovePaths) {
    invalid("more than " + std::to_string(common::wire::kMaxMovePaths) +
            " paths under from: commit them one by one");
    return out;
  }
  // The subtree as the client knows it: anything changed under from/ since it last listed (a
  // path added, edited or deleted elsewhere) would otherwise be carried along unseen.
  common::wire::SubtreeDigest digest;
  for (const auto& [path, jid] : moved) digest.Add(path, jid);
  if (request.subtree.empty() || digest.Finish() != request.subtree) {
    response.outcome = MoveOutcome::kConflict;
    response.latest_jid = head;
    return out;
  }
  for (const auto& [path, jid] : moved) {
    const std::string target = to + path.substr(from.size());
    if (target.size() > common::kMaxPathBytes) {
      invalid("a moved path would be longer than " + std::to_string(common::kMaxPathBytes) +
              " bytes: " + path);
      return out;
    }
  }

  TESSERA_ASSIGN_OR_RETURN(const std::vector<std::string> columns, ContentColumns(db));
  std::string column_list;
  for (const auto& c : columns) column_list += ", " + c;
  TESSERA_ASSIGN_OR_RETURN(
      SqliteStmt copy,
      db.Prepare("INSERT INTO entries (nsid, jid, path, device, committed_at, moved_from, covers" +
                 column_list + ") SELECT nsid, ?2, ?3, ?4, ?5, ?6, ?7" + column_list +
                 " FROM entries WHERE nsid = ?1 AND jid = ?8"));
  TESSERA_ASSIGN_OR_RETURN(
      SqliteStmt tombstone,
      db.Prepare("INSERT INTO entries (nsid, jid, path, kind, size, mtime_ns, mode, "
                 "symlink_target, blocklist, device, committed_at) VALUES (?1, ?2, ?3, " +
                 std::to_string(kDeletedColumn) + ", 0, 0, 0, '', NULL, ?4, ?5)"));
  auto set_latest = [&](const std::string& path, uint64_t jid) -> Status {
    SqliteStmt& s = w.upsert_latest;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, static_cast<int64_t>(jid)));
    return s.Run();
  };
  auto copy_row = [&](uint64_t source_jid, const std::string& path, uint64_t jid,
                      const std::string* moved_from, uint64_t covers) -> Status {
    auto use = copy.Use();
    TESSERA_RETURN_IF_ERROR(copy.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(copy.BindInt(2, static_cast<int64_t>(jid)));
    TESSERA_RETURN_IF_ERROR(copy.BindText(3, path));
    TESSERA_RETURN_IF_ERROR(copy.BindText(4, request.device));
    TESSERA_RETURN_IF_ERROR(copy.BindInt(5, now_ms));
    TESSERA_RETURN_IF_ERROR(moved_from ? copy.BindText(6, *moved_from) : copy.BindNull(6));
    TESSERA_RETURN_IF_ERROR(copy.BindInt(7, static_cast<int64_t>(covers)));
    TESSERA_RETURN_IF_ERROR(copy.BindInt(8, static_cast<int64_t>(source_jid)));
    TESSERA_RETURN_IF_ERROR(copy.Run());
    return set_latest(path, jid);
  };
  auto bury = [&](const std::string& path, uint64_t jid) -> Status {
    {
      auto use = tombstone.Use();
      TESSERA_RETURN_IF_ERROR(tombstone.BindInt(1, static_cast<int64_t>(nsid)));
      TESSERA_RETURN_IF_ERROR(tombstone.BindInt(2, static_cast<int64_t>(jid)));
      TESSERA_RETURN_IF_ERROR(tombstone.BindText(3, path));
      TESSERA_RETURN_IF_ERROR(tombstone.BindText(4, request.device));
      TESSERA_RETURN_IF_ERROR(tombstone.BindInt(5, now_ms));
      TESSERA_RETURN_IF_ERROR(tombstone.Run());
    }
    return set_latest(path, jid);
  };

  const uint64_t n = moved.size();
  const uint64_t move_jid = head + 1;
  const uint64_t covers = 2 * n + 1;
  TESSERA_RETURN_IF_ERROR(copy_row(from_latest->jid, to, move_jid, &from, covers));
  for (uint64_t i = 0; i < n; ++i) {
    const auto& [path, jid] = moved[i];
    TESSERA_RETURN_IF_ERROR(
        copy_row(jid, to + path.substr(from.size()), move_jid + 1 + i, nullptr, 0));
  }
  TESSERA_RETURN_IF_ERROR(bury(from, move_jid + n + 1));
  for (uint64_t i = 0; i < n; ++i) {
    TESSERA_RETURN_IF_ERROR(bury(moved[i].first, move_jid + n + 2 + i));
  }
  head = move_jid + covers;
  {
    auto use = w.update_head.Use();
    TESSERA_RETURN_IF_ERROR(w.update_head.BindInt(1, static_cast<int64_t>(head)));
    TESSERA_RETURN_IF_ERROR(w.update_head.BindInt(2, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(w.update_head.Run());
  }
  TESSERA_RETURN_IF_ERROR(txn.Commit());
  response.outcome = MoveOutcome::kCommitted;
  response.jid = move_jid;
  response.covers = covers;
  out.head = head;
  impl_->log.Info("journal", "moved " + from + " -> " + to + " (" + std::to_string(n) +
                                 " paths, jids " + std::to_string(move_jid) + ".." +
                                 std::to_string(head) + ")");
  return out;
}

Result<ListResponse> Journal::ListMoves(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas) {
  if (limit == 0 || limit > common::wire::kMaxListLimit) {
    return common::InvalidArgument("limit must be 1.." +
                                   std::to_string(common::wire::kMaxListLimit));
  }
  ListResponse out;
  uint64_t at = cursor;
  for (;;) {
    // The next move after `at`, if any. Read outside List's snapshot: a move committed in
    // between is then listed as ordinary entries, which is always correct, only longer.
    std::optional<std::pair<uint64_t, std::pair<uint64_t, std::string>>> next;
    {
      TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
      TESSERA_ASSIGN_OR_RETURN(
          SqliteStmt stmt,
          reader->db.Prepare("SELECT jid, covers, moved_from FROM entries WHERE nsid = ?1 AND "
                             "jid > ?2 AND covers > 0 ORDER BY jid LIMIT 1"));
      TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
      TESSERA_RETURN_IF_ERROR(
          stmt.BindInt(2, static_cast<int64_t>(std::min<uint64_t>(at, uint64_t{1} << 62))));
      TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) {
        next.emplace(static_cast<uint64_t>(stmt.ColumnInt(0)),
                     std::make_pair(static_cast<uint64_t>(stmt.ColumnInt(1)),
                                    std::string(stmt.ColumnText(2))));
      }
    }
    TESSERA_ASSIGN_OR_RETURN(ListResponse page, List(nsid, at, limit - out.entries.size(), deltas));
    out.head = page.head;
    out.epoch = std::move(page.epoch);
    bool jumped = false;
    for (JournalEntry& e : page.entries) {
      if (next && e.jid == next->first) {
        e.covers = next->second.first;
        e.moved_from = next->second.second;
        at = e.jid + e.covers;
        out.entries.push_back(std::move(e));
        jumped = true;
        break;
      }
      at = e.jid;
      out.entries.push_back(std::move(e));
    }
    if (!jumped) {
      at = std::max(at, page.cursor);
      break;
    }
    if (out.entries.size() >= limit || at >= out.head) break;
  }
  out.cursor = at;
  out.has_more = at < out.head;
  return out;
}

}  // namespace tessera::metaserver::journal
