// The SQLite store's JournalSnapshot: one DEFERRED read transaction on a leased read-only
// connection (WAL gives it a consistent view from its first read until it ends).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/journal/sqlite/blocklist_resolver.h"
#include "metaserver/journal/sqlite/entry_rows.h"
#include "metaserver/journal/sqlite/store_impl.h"

namespace tessera::metaserver::journal::sqlite {

using common::Result;
using common::Status;

namespace {

// Steps `stmt` (bound, selecting kEntryColumns) to the end, decoding every row.
Result<std::vector<Entry>> ReadEntries(SqliteStmt& stmt, BlocklistResolver& blocklists) {
  std::vector<Entry> out;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    TESSERA_ASSIGN_OR_RETURN(Entry entry, ReadEntryRow(stmt, blocklists));
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::optional<Entry>> ReadOneEntry(SqliteStmt& stmt, BlocklistResolver& blocklists) {
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Entry>();
  TESSERA_ASSIGN_OR_RETURN(Entry entry, ReadEntryRow(stmt, blocklists));
  return std::optional<Entry>(std::move(entry));
}

int64_t Limit(size_t limit) { return static_cast<int64_t>(limit); }

class SqliteSnapshot final : public JournalSnapshot {
 public:
  // REQUIRES: `txn` is open on lease's connection and has read the head.
  SqliteSnapshot(StoreImpl::ReaderLease lease, Transaction txn, uint64_t nsid, uint64_t head)
      : lease_(std::move(lease)),
        txn_(std::move(txn)),
        nsid_(nsid),
        head_(head),
        blocklists_(lease_->select_blocklist, nsid) {}

  uint64_t head() const override { return head_; }

  Result<std::optional<PathState>> Latest(std::string_view path) override {
    return ReadLatest(lease_->select_latest, nsid_, path);
  }

  Result<ResolvedBlocklist> Blocklist(uint64_t jid) override { return blocklists_.Of(jid); }

  Result<std::vector<LivePath>> LiveUnder(std::string_view dir, size_t limit) override {
    return ReadLiveUnder(lease_->live_under, nsid_, dir, limit);
  }

  Result<std::vector<Entry>> EntriesAfter(uint64_t after, size_t limit) override {
    SqliteStmt& s = lease_->list;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(2, JidColumn(after)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, Limit(limit)));
    return ReadEntries(s, blocklists_);
  }

  Result<std::vector<Entry>> PathEntriesAfter(std::string_view path, uint64_t after,
                                              size_t limit) override {
    SqliteStmt& s = lease_->history;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, JidColumn(after)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(4, Limit(limit)));
    return ReadEntries(s, blocklists_);
  }

  Result<std::optional<Entry>> EntryAt(uint64_t jid) override {
    SqliteStmt& s = lease_->entry;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(2, JidColumn(jid)));
    return ReadOneEntry(s, blocklists_);
  }

  Result<std::optional<Entry>> PathEntryAt(std::string_view path, uint64_t at) override {
    SqliteStmt& s = lease_->path_at;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, JidColumn(at)));
    return ReadOneEntry(s, blocklists_);
  }

  Result<std::optional<PathState>> PreviousOfPath(std::string_view path, uint64_t before) override {
    SqliteStmt& s = lease_->previous_of_path;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, JidColumn(before)));
    TESSERA_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<PathState>();
    PathState state;
    state.jid = static_cast<uint64_t>(s.ColumnInt(0));
    TESSERA_ASSIGN_OR_RETURN(state.kind, KindFromColumn(s.ColumnInt(1)));
    return std::optional<PathState>(state);
  }

  Result<std::vector<Entry>> TreeAt(std::string_view dir, uint64_t at, std::string_view after_path,
                                    size_t limit, bool children_only) override {
    SqliteStmt& s = lease_->tree;
    auto use = s.Use();
    const std::string lower = dir.empty() ? std::string() : RangeStart(dir);
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, lower));
    TESSERA_RETURN_IF_ERROR(dir.empty() ? s.BindNull(3) : s.BindText(3, RangeEnd(dir)));
    TESSERA_RETURN_IF_ERROR(s.BindText(4, after_path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(5, JidColumn(at)));
    // substr() counts from 1: the first byte after the "dir/" prefix.
    TESSERA_RETURN_IF_ERROR(
        s.BindInt(6, children_only ? static_cast<int64_t>(lower.size()) + 1 : 0));
    TESSERA_RETURN_IF_ERROR(s.BindInt(7, Limit(limit)));
    return ReadEntries(s, blocklists_);
  }

 private:
  // Destroyed in reverse: the resolver, then the read transaction, then the lease (which hands
  // the connection back to the pool).
  StoreImpl::ReaderLease lease_;
  Transaction txn_;
  const uint64_t nsid_;
  const uint64_t head_;
  BlocklistResolver blocklists_;
};

}  // namespace

Result<std::unique_ptr<JournalSnapshot>> BeginSqliteSnapshot(StoreImpl& impl, uint64_t nsid) {
  TESSERA_ASSIGN_OR_RETURN(StoreImpl::ReaderLease lease, impl.LeaseReader());
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(lease->db, /*write=*/false));
  // The first read starts the snapshot: the head and everything read later agree.
  TESSERA_ASSIGN_OR_RETURN(const uint64_t head, ReadHead(lease->select_head, nsid));
  return std::unique_ptr<JournalSnapshot>(
      new SqliteSnapshot(std::move(lease), std::move(txn), nsid, head));
}

}  // namespace tessera::metaserver::journal::sqlite
