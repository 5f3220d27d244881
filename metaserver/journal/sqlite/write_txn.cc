// The SQLite store's JournalWrite: one IMMEDIATE transaction on the write connection, holding
// the store's write lock from BeginSqliteWrite until it is destroyed.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "metaserver/journal/sqlite/blocklist_resolver.h"
#include "metaserver/journal/sqlite/entry_rows.h"
#include "metaserver/journal/sqlite/store_impl.h"

namespace tessera::metaserver::journal::sqlite {

using common::Result;
using common::Status;

namespace {

class SqliteWrite final : public JournalWrite {
 public:
  // REQUIRES: `lock` holds impl.write_mutex and `txn` is open on impl.write_db.
  SqliteWrite(StoreImpl& impl, std::unique_lock<common::Mutex> lock, Transaction txn, uint64_t nsid,
              uint64_t head)
      : impl_(impl),
        lock_(std::move(lock)),
        txn_(std::move(txn)),
        nsid_(nsid),
        head_(head),
        blocklists_(Statements().select_blocklist, nsid) {}

  uint64_t head() const override { return head_; }

  Result<std::optional<PathState>> Latest(std::string_view path) override {
    return ReadLatest(Statements().select_latest, nsid_, path);
  }

  Result<ResolvedBlocklist> Blocklist(uint64_t jid) override { return blocklists_.Of(jid); }

  Result<std::vector<LivePath>> LiveUnder(std::string_view dir, size_t limit) override {
    return ReadLiveUnder(Statements().live_under, nsid_, dir, limit);
  }

  Status Append(uint64_t jid, const FileMeta& meta, const StoredForm& stored,
                const Authorship& by) override {
    SqliteStmt& s = Statements().insert_entry;
    {
      auto use = s.Use();
      TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
      TESSERA_RETURN_IF_ERROR(s.BindInt(2, static_cast<int64_t>(jid)));
      TESSERA_RETURN_IF_ERROR(s.BindText(3, meta.path));
      TESSERA_RETURN_IF_ERROR(s.BindInt(4, KindToColumn(meta.kind)));
      TESSERA_RETURN_IF_ERROR(s.BindInt(5, static_cast<int64_t>(meta.size)));
      TESSERA_RETURN_IF_ERROR(s.BindInt(6, meta.mtime_ns));
      TESSERA_RETURN_IF_ERROR(s.BindInt(7, meta.mode));
      TESSERA_RETURN_IF_ERROR(s.BindText(8, meta.symlink_target));
      const bool file = meta.kind == FileKind::kFile;
      if (file) {
        TESSERA_RETURN_IF_ERROR(s.BindBlob(9, EncodeStoredBlocklist(meta.blocks, stored)));
      } else {
        TESSERA_RETURN_IF_ERROR(s.BindNull(9));
      }
      TESSERA_RETURN_IF_ERROR(s.BindText(10, by.device));
      TESSERA_RETURN_IF_ERROR(s.BindInt(11, by.committed_at_ms));
      if (file && stored.delta) {
        TESSERA_RETURN_IF_ERROR(s.BindInt(12, static_cast<int64_t>(stored.delta->base_jid)));
      } else {
        TESSERA_RETURN_IF_ERROR(s.BindNull(12));
      }
      TESSERA_RETURN_IF_ERROR(s.Run());
    }
    return SetLatest(meta.path, jid);
  }

  Status AppendCopy(uint64_t source_jid, uint64_t jid, std::string_view path, const Authorship& by,
                    std::string_view moved_from, uint64_t covers) override {
    SqliteStmt& s = Statements().copy_entry;
    {
      auto use = s.Use();
      TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
      TESSERA_RETURN_IF_ERROR(s.BindInt(2, static_cast<int64_t>(jid)));
      TESSERA_RETURN_IF_ERROR(s.BindText(3, path));
      TESSERA_RETURN_IF_ERROR(s.BindText(4, by.device));
      TESSERA_RETURN_IF_ERROR(s.BindInt(5, by.committed_at_ms));
      TESSERA_RETURN_IF_ERROR(moved_from.empty() ? s.BindNull(6) : s.BindText(6, moved_from));
      TESSERA_RETURN_IF_ERROR(s.BindInt(7, static_cast<int64_t>(covers)));
      TESSERA_RETURN_IF_ERROR(s.BindInt(8, static_cast<int64_t>(source_jid)));
      TESSERA_RETURN_IF_ERROR(s.Run());
    }
    return SetLatest(path, jid);
  }

  Status SetHead(uint64_t head) override {
    SqliteStmt& s = Statements().update_head;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(head)));
    TESSERA_RETURN_IF_ERROR(s.BindInt(2, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.Run());
    head_ = head;
    return Status::Ok();
  }

  Status Commit() override { return txn_.Commit(); }

 private:
  // The write connection's statements: guarded by write_mutex, which `lock_` holds for this
  // object's whole life (the analysis cannot see a lock held by a member).
  WriteStatements& Statements() {
    impl_.write_mutex.AssertHeld();
    return impl_.write;
  }

  Status SetLatest(std::string_view path, uint64_t jid) {
    SqliteStmt& s = Statements().upsert_latest;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid_)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, static_cast<int64_t>(jid)));
    return s.Run();
  }

  StoreImpl& impl_;
  // Destroyed in reverse: the resolver, then the transaction (rolled back unless committed),
  // then the lock.
  std::unique_lock<common::Mutex> lock_;
  Transaction txn_;
  const uint64_t nsid_;
  uint64_t head_;
  BlocklistResolver blocklists_;
};

}  // namespace

Result<std::unique_ptr<JournalWrite>> BeginSqliteWrite(StoreImpl& impl, uint64_t nsid) {
  std::unique_lock<common::Mutex> lock(impl.write_mutex);
  impl.write_mutex.AssertHeld();
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(impl.write_db, /*write=*/true));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t head, ReadHead(impl.write.select_head, nsid));
  return std::unique_ptr<JournalWrite>(
      new SqliteWrite(impl, std::move(lock), std::move(txn), nsid, head));
}

}  // namespace tessera::metaserver::journal::sqlite
