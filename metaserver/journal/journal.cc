#include "metaserver/journal/journal.h"

#include <chrono>
#include <optional>
#include <unordered_set>

#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/blocklist_codec.h"
#include "metaserver/journal/blocklist_store.h"
#include "metaserver/journal/commit_validation.h"
#include "metaserver/journal/journal_impl.h"
#include "metaserver/journal/schema.h"

namespace tessera::metaserver::journal {

using common::BlockId;
using common::Result;
using common::Status;
using common::wire::CommitItem;
using common::wire::CommitOutcome;
using common::wire::CommitResult;
using common::wire::FileKind;

namespace {

Status ConfigureConnection(SqliteDb& db) {
  // Durable commits: a commit acknowledged to a client survives power loss.
  return db.Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
}

Result<WriteStatements> PrepareWriteStatements(SqliteDb& db) {
  WriteStatements s;
  TESSERA_ASSIGN_OR_RETURN(s.select_namespace,
                           db.Prepare("SELECT nsid FROM namespaces WHERE name = ?1"));
  TESSERA_ASSIGN_OR_RETURN(
      s.insert_namespace,
      db.Prepare("INSERT INTO namespaces (name) VALUES (?1) ON CONFLICT (name) DO NOTHING"));
  TESSERA_ASSIGN_OR_RETURN(s.select_head,
                           db.Prepare("SELECT head_jid FROM namespaces WHERE nsid = ?1"));
  TESSERA_ASSIGN_OR_RETURN(
      s.select_latest,
      db.Prepare("SELECT l.jid, e.kind FROM latest AS l JOIN entries AS e "
                 "ON e.nsid = l.nsid AND e.jid = l.jid WHERE l.nsid = ?1 AND l.path = ?2"));
  TESSERA_ASSIGN_OR_RETURN(
      s.insert_entry,
      db.Prepare("INSERT INTO entries (nsid, jid, path, kind, size, mtime_ns, mode, "
                 "symlink_target, blocklist, device, committed_at, blocklist_base) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  TESSERA_ASSIGN_OR_RETURN(s.select_blocklist, db.Prepare(kSelectBlocklistSql));
  TESSERA_ASSIGN_OR_RETURN(s.upsert_latest,
                           db.Prepare("INSERT INTO latest (nsid, path, jid) VALUES (?1, ?2, ?3) "
                                      "ON CONFLICT (nsid, path) DO UPDATE SET jid = excluded.jid"));
  TESSERA_ASSIGN_OR_RETURN(s.update_head,
                           db.Prepare("UPDATE namespaces SET head_jid = ?1 WHERE nsid = ?2"));
  return s;
}

struct Latest {
  uint64_t jid = 0;
  FileKind kind = FileKind::kDeleted;
};

Result<std::optional<Latest>> SelectLatest(WriteStatements& w, uint64_t nsid,
                                           std::string_view path) {
  auto use = w.select_latest.Use();
  TESSERA_RETURN_IF_ERROR(w.select_latest.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(w.select_latest.BindText(2, path));
  TESSERA_ASSIGN_OR_RETURN(bool row, w.select_latest.Step());
  if (!row) return std::optional<Latest>();
  Latest latest;
  latest.jid = static_cast<uint64_t>(w.select_latest.ColumnInt(0));
  TESSERA_ASSIGN_OR_RETURN(latest.kind, KindFromColumn(w.select_latest.ColumnInt(1)));
  return std::optional<Latest>(latest);
}

// `meta` carries the full blocklist; `stored` is how to store it (blocklist_store.h).
Status InsertEntry(WriteStatements& w, uint64_t nsid, uint64_t jid,
                   const common::wire::FileMeta& meta, const StoredForm& stored,
                   std::string_view device, int64_t committed_at_ms) {
  {
    SqliteStmt& s = w.insert_entry;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(2, static_cast<int64_t>(jid)));
    TESSERA_RETURN_IF_ERROR(s.BindText(3, meta.path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(4, KindToColumn(meta.kind)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(5, static_cast<int64_t>(meta.size)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(6, meta.mtime_ns));
    TESSERA_RETURN_IF_ERROR(s.BindInt(7, meta.mode));
    TESSERA_RETURN_IF_ERROR(s.BindText(8, meta.symlink_target));
    if (meta.kind == FileKind::kFile) {
      TESSERA_RETURN_IF_ERROR(s.BindBlob(9, stored.blob));
    } else {
      TESSERA_RETURN_IF_ERROR(s.BindNull(9));
    }
    TESSERA_RETURN_IF_ERROR(s.BindText(10, device));
    TESSERA_RETURN_IF_ERROR(s.BindInt(11, committed_at_ms));
    if (meta.kind == FileKind::kFile && stored.base_jid > 0) {
      TESSERA_RETURN_IF_ERROR(s.BindInt(12, static_cast<int64_t>(stored.base_jid)));
    } else {
      TESSERA_RETURN_IF_ERROR(s.BindNull(12));
    }
    TESSERA_RETURN_IF_ERROR(s.Run());
  }
  SqliteStmt& s = w.upsert_latest;
  auto use = s.Use();
  TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(s.BindText(2, meta.path));
  TESSERA_RETURN_IF_ERROR(s.BindInt(3, static_cast<int64_t>(jid)));
  return s.Run();
}

Result<uint64_t> SelectHead(SqliteStmt& stmt, uint64_t nsid) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return common::NotFound("namespace " + std::to_string(nsid));
  return static_cast<uint64_t>(stmt.ColumnInt(0));
}

Result<std::optional<uint64_t>> SelectNamespace(SqliteStmt& stmt, std::string_view name) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindText(1, name));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(stmt.ColumnInt(0)));
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& db_path, common::Env& env,
                                               common::Logger& log) {
  auto impl = std::make_unique<Impl>(db_path, env, log);
  TESSERA_ASSIGN_OR_RETURN(impl->write_db, SqliteDb::Open(db_path));
  SqliteDb& db = impl->write_db;
  TESSERA_ASSIGN_OR_RETURN(const std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return common::IOError("journal_mode=WAL " + db_path, "SQLite kept mode '" + mode + "'");
  }
  TESSERA_RETURN_IF_ERROR(ConfigureConnection(db));
  TESSERA_RETURN_IF_ERROR(ApplySchema(db, log).WithContext(db_path));
  {
    TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt,
                             db.Prepare("SELECT value FROM meta WHERE key = 'epoch'"));
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return common::Corruption(db_path + ": journal has no epoch");
    impl->epoch = std::string(stmt.ColumnText(0));
  }
  TESSERA_ASSIGN_OR_RETURN(impl->write, PrepareWriteStatements(db));
  log.Info("journal", "opened " + db_path + " (epoch " + impl->epoch + ")");
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

const std::string& Journal::epoch() const { return impl_->epoch; }

Result<uint64_t> Journal::NamespaceId(std::string_view name, bool create) {
  {
    std::lock_guard<std::mutex> lock(impl_->ns_mutex);
    auto it = impl_->nsids.find(name);
    if (it != impl_->nsids.end()) return it->second;
  }
  std::optional<uint64_t> nsid;
  {
    TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
    TESSERA_ASSIGN_OR_RETURN(nsid, SelectNamespace(reader->select_namespace, name));
  }
  if (!nsid.has_value()) {
    if (!create) return common::NotFound("namespace " + std::string(name));
    std::lock_guard<std::mutex> lock(impl_->write_mutex);
    WriteStatements& w = impl_->write;
    {
      auto use = w.insert_namespace.Use();
      TESSERA_RETURN_IF_ERROR(w.insert_namespace.BindText(1, name));
      TESSERA_RETURN_IF_ERROR(w.insert_namespace.Run());
    }
    TESSERA_ASSIGN_OR_RETURN(nsid, SelectNamespace(w.select_namespace, name));
    if (!nsid.has_value()) return common::IOError("create namespace", std::string(name));
    impl_->log.Info("journal", "created namespace " + std::string(name) + " (nsid " +
                                   std::to_string(*nsid) + ")");
  }
  std::lock_guard<std::mutex> lock(impl_->ns_mutex);
  impl_->nsids.emplace(std::string(name), *nsid);
  return *nsid;
}

Result<CommitOutput> Journal::CommitBatch(uint64_t nsid, std::string_view device,
                                          const std::vector<CommitItem>& items,
                                          const MissingBlocksFn& missing_blocks) {
  TESSERA_RETURN_IF_ERROR(ValidateDevice(device));
  if (items.size() > common::wire::kMaxCommitItems) {
    return common::InvalidArgument("more than " + std::to_string(common::wire::kMaxCommitItems) +
                                   " items in one batch");
  }

  // Phase 1, no lock held: stateless checks, then one question to the block store. The answer
  // still holds in phase 2 because blocks are only added while a batch is in flight (block
  // garbage collection must spare blocks younger than a grace period).
  std::vector<Status> item_status;
  item_status.reserve(items.size());
  std::vector<BlockId> asked;
  std::unordered_set<BlockId> seen;
  for (const CommitItem& item : items) {
    item_status.push_back(ValidateCommitItem(item));
    if (!item_status.back().ok()) continue;
    // A delta item's other blocks are its base's, which are stored: only its new ones are asked.
    for (const auto& block : item.delta ? item.delta->blocks : item.meta.blocks) {
      if (seen.insert(block.id).second) asked.push_back(block.id);
    }
  }
  std::unordered_set<BlockId> missing;
  if (!asked.empty()) {
    if (!missing_blocks) return common::InvalidArgument("no block store to ask");
    TESSERA_ASSIGN_OR_RETURN(const std::vector<BlockId> lacking, missing_blocks(asked));
    for (const BlockId& id : lacking) {
      if (seen.contains(id)) missing.insert(id);  // ignore ids nobody asked about
    }
  }

  // Phase 2: one write transaction. Parents are checked here, under the write lock, so no
  // commit can slip in between the check and the insert.
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(impl_->env.Now().time_since_epoch())
          .count();
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  WriteStatements& w = impl_->write;
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(impl_->write_db, /*write=*/true));
  TESSERA_ASSIGN_OR_RETURN(uint64_t head, SelectHead(w.select_head, nsid));
  const uint64_t old_head = head;
  BlocklistResolver blocklists(w.select_blocklist, nsid);

  CommitOutput out;
  out.response.results.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const CommitItem& item = items[i];
    CommitResult& result = out.response.results.emplace_back();
    result.path = item.meta.path;
    if (!item_status[i].ok()) {
      result.outcome = CommitOutcome::kInvalid;
      result.error = item_status[i].message();
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(const std::optional<Latest> latest,
                             SelectLatest(w, nsid, item.meta.path));
    const uint64_t latest_jid = latest.has_value() ? latest->jid : 0;
    const bool gone = !latest.has_value() || latest->kind == FileKind::kDeleted;
    if (item.parent_jid != latest_jid && !(item.parent_jid == 0 && gone)) {
      result.outcome = CommitOutcome::kConflict;
      result.latest_jid = latest_jid;
      continue;
    }
    if (item.meta.kind == FileKind::kDeleted && gone) {
      result.outcome = CommitOutcome::kInvalid;
      result.latest_jid = latest_jid;
      result.error = "nothing to delete: the path is absent or already deleted";
      continue;
    }
    // The previous version's list, when it is a file: the base of a delta item, and what a new
    // version is stored as a delta against.
    std::optional<BlocklistResolver::Resolved> previous;
    if (item.meta.kind == FileKind::kFile && latest.has_value() &&
        latest->kind == FileKind::kFile) {
      TESSERA_ASSIGN_OR_RETURN(previous, blocklists.Of(latest->jid));
    }
    common::wire::FileMeta meta_with_delta;
    const common::wire::FileMeta* meta = &item.meta;
    if (item.delta) {
      // Validation made delta->base_jid == parent_jid > 0, and the parent check above made that
      // the path's latest JID.
      const std::string base = "blocklist delta base " + std::to_string(item.delta->base_jid);
      if (!previous) {
        result.outcome = CommitOutcome::kInvalid;
        result.error = base + " is not a file: send the full blocklist";
        continue;
      }
      auto blocks = common::wire::ApplyBlocklistDelta(*previous->blocks, *item.delta);
      if (!blocks.ok()) {
        result.outcome = CommitOutcome::kInvalid;
        result.error = base + ": " + blocks.status().message();
        continue;
      }
      meta_with_delta = item.meta;
      meta_with_delta.blocks = std::move(blocks).value();
      if (const Status valid = common::wire::ValidateFileMeta(meta_with_delta); !valid.ok()) {
        result.outcome = CommitOutcome::kInvalid;
        result.error = base + " applied: " + valid.message();
        continue;
      }
      meta = &meta_with_delta;
    }
    if (!missing.empty()) {
      std::unordered_set<BlockId> listed;
      for (const auto& block : item.delta ? item.delta->blocks : item.meta.blocks) {
        if (missing.contains(block.id) && listed.insert(block.id).second) {
          result.need_blocks.push_back(block.id);
        }
      }
    }
    if (!result.need_blocks.empty()) {
      result.outcome = CommitOutcome::kNeedBlocks;
      continue;
    }
    const uint64_t jid = ++head;
    StoredForm stored;
    if (meta->kind == FileKind::kFile) {
      stored = ChooseStoredForm(meta->blocks, latest.has_value() ? latest->jid : 0, previous);
    }
    TESSERA_RETURN_IF_ERROR(InsertEntry(w, nsid, jid, *meta, stored, device, now_ms));
    result.outcome = CommitOutcome::kCommitted;
    result.jid = jid;
    ++out.committed;
  }
  if (head != old_head) {
    auto use = w.update_head.Use();
    TESSERA_RETURN_IF_ERROR(w.update_head.BindInt(1, static_cast<int64_t>(head)));
    TESSERA_RETURN_IF_ERROR(w.update_head.BindInt(2, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(w.update_head.Run());
  }
  TESSERA_RETURN_IF_ERROR(txn.Commit());
  out.head = head;
  out.response.head_before = old_head;
  out.response.head = head;
  out.response.epoch = impl_->epoch;
  return out;
}

}  // namespace tessera::metaserver::journal
