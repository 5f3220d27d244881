#include "daemon/index/index.h"

#include <cstring>
#include <map>

#include "common/coding.h"
#include "daemon/index/block_locations.h"
#include "daemon/index/index_impl.h"
#include "daemon/index/schema.h"

namespace tessera::daemon::index {

using common::Result;
using common::Status;
using common::wire::BlockRef;
using common::wire::FileKind;

namespace {

constexpr size_t kBlockRecordBytes = common::BlockId::kSize + 4;

std::string_view StateText(SyncState s) {
  switch (s) {
    case SyncState::kSynced:
      return "synced";
    case SyncState::kDirty:
      return "dirty";
    case SyncState::kError:
      return "error";
  }
  return "synced";
}

SyncState ParseState(std::string_view s) {
  if (s == "dirty") return SyncState::kDirty;
  if (s == "error") return SyncState::kError;
  return SyncState::kSynced;
}

constexpr const char* kFileColumns =
    "path, jid, base_kind, base_size, base_exec, base_target, base_blocks, base_mtime_ns, kind, "
    "format, modified, size, is_symlink, mode, inode, symlink_target, blocks, checksum, "
    "hashed_at_ns, state, error, gone_inode, ctime_ns, nlink";

// "jid = excluded.jid, ..." for every column but the key.
std::string UpdateAll() {
  std::string cols = kFileColumns, out;
  size_t pos = cols.find(',') + 1;  // skip "path"
  while (pos < cols.size()) {
    size_t end = cols.find(',', pos);
    if (end == std::string::npos) end = cols.size();
    std::string name = cols.substr(pos, end - pos);
    name.erase(0, name.find_first_not_of(' '));
    if (!out.empty()) out += ", ";
    out += name + " = excluded." + name;
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string EncodeBlocks(const std::vector<BlockRef>& blocks) {
  std::string out;
  out.reserve(blocks.size() * kBlockRecordBytes);
  for (const auto& b : blocks) {
    out.append(b.id.bytes());
    common::PutFixed32(out, b.size);
  }
  return out;
}

Result<std::vector<BlockRef>> DecodeBlocks(std::string_view blob) {
  if (blob.size() % kBlockRecordBytes != 0) return common::Corruption("index: torn blocklist");
  std::vector<BlockRef> out;
  out.reserve(blob.size() / kBlockRecordBytes);
  for (size_t pos = 0; pos < blob.size(); pos += kBlockRecordBytes) {
    TESSERA_ASSIGN_OR_RETURN(auto id,
                             common::BlockId::FromBytes(blob.substr(pos, common::BlockId::kSize)));
    const uint32_t size = common::DecodeFixed32(blob.data() + pos + common::BlockId::kSize);
    out.push_back(BlockRef{id, size});
  }
  return out;
}

std::string KindText(FileKind kind) { return std::string(common::wire::FileKindName(kind)); }

Result<FileKind> ParseKind(std::string_view s) {
  if (s == "file") return FileKind::kFile;
  if (s == "dir") return FileKind::kDir;
  if (s == "symlink") return FileKind::kSymlink;
  if (s == "deleted") return FileKind::kDeleted;
  return common::Corruption("index: unknown kind '" + std::string(s) + "'");
}

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::Open(const std::string& db_path) {
  auto impl = std::make_unique<Impl>();
  TESSERA_ASSIGN_OR_RETURN(impl->db, common::sqlite::SqliteDb::Open(db_path));
  TESSERA_RETURN_IF_ERROR(Migrate(impl->db));
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

Result<std::unique_ptr<Index>> Index::OpenReadOnly(const std::string& db_path) {
  auto impl = std::make_unique<Impl>();
  TESSERA_ASSIGN_OR_RETURN(impl->db, common::sqlite::SqliteDb::OpenReadOnly(db_path));
  TESSERA_RETURN_IF_ERROR(CheckReadable(impl->db));
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

Status Index::BindIdentity(const std::string& root, const std::string& ns) {
  for (const auto& [key, value] : {std::pair{std::string("root"), root}, {"namespace", ns}}) {
    TESSERA_ASSIGN_OR_RETURN(auto* get, impl_->Stmt("SELECT value FROM meta WHERE key = ?1"));
    std::optional<std::string> have;
    {
      auto use = get->Use();
      TESSERA_RETURN_IF_ERROR(get->BindText(1, key));
      TESSERA_ASSIGN_OR_RETURN(bool row, get->Step());
      if (row) have.emplace(get->ColumnText(0));
    }
    if (have) {
      if (*have != value) {
        return common::InvalidArgument("state dir belongs to " + key + " '" + *have + "', not '" +
                                       value + "'");
      }
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(auto* put, impl_->Stmt("INSERT INTO meta(key, value) VALUES(?1, ?2)"));
    auto use = put->Use();
    TESSERA_RETURN_IF_ERROR(put->BindAll(key, value));
    TESSERA_RETURN_IF_ERROR(put->Run());
  }
  return Status::Ok();
}

Status Index::InTransaction(const std::function<Status()>& body) {
  struct Depth {
    int& d;
    explicit Depth(int& depth) : d(depth) { ++d; }
    ~Depth() { --d; }
  };
  if (impl_->txn_depth > 0) {
    // Nested: a savepoint, so a failing inner body undoes only its own writes.
    TESSERA_RETURN_IF_ERROR(impl_->db.Exec("SAVEPOINT nested"));
    Status s;
    {
      Depth depth(impl_->txn_depth);
      s = body();
    }
    if (!s.ok()) {
      (void)impl_->db.Exec("ROLLBACK TO nested; RELEASE nested");
      return s;
    }
    return impl_->db.Exec("RELEASE nested");
  }
  TESSERA_ASSIGN_OR_RETURN(auto txn, common::sqlite::Transaction::Begin(impl_->db, /*write=*/true));
  {
    Depth depth(impl_->txn_depth);
    TESSERA_RETURN_IF_ERROR(body());
  }
  return txn.Commit();
}

Result<std::optional<FileRow>> Index::Get(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt(std::string("SELECT ") + kFileColumns + " FROM files WHERE path = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, path));
  TESSERA_ASSIGN_OR_RETURN(bool found, s->Step());
  if (!found) return std::optional<FileRow>();
  FileRow r;
  r.path = s->ColumnText(0);
  r.base_jid = static_cast<uint64_t>(s->ColumnInt(1));
  if (!s->ColumnIsNull(2)) {
    TESSERA_ASSIGN_OR_RETURN(FileKind kind, ParseKind(s->ColumnText(2)));
    if (kind != FileKind::kDeleted) {
      FileVersion v;
      v.kind = kind;
      v.size = static_cast<uint64_t>(s->ColumnInt(3));
      v.executable = s->ColumnInt(4) != 0;
      v.symlink_target = s->ColumnText(5);
      TESSERA_ASSIGN_OR_RETURN(v.blocks, DecodeBlocks(s->ColumnBlob(6)));
      v.mtime_ns = s->ColumnInt(7);
      r.base = std::move(v);
    }
  }
  if (!s->ColumnIsNull(8)) {
    FileVersion v;
    TESSERA_ASSIGN_OR_RETURN(v.kind, ParseKind(s->ColumnText(8)));
    v.size = static_cast<uint64_t>(s->ColumnInt(11));
    v.mtime_ns = s->ColumnInt(10);
    const auto mode = static_cast<uint32_t>(s->ColumnInt(13));
    v.executable = v.kind == FileKind::kFile && (mode & 0100) != 0;
    v.symlink_target = s->ColumnText(15);
    TESSERA_ASSIGN_OR_RETURN(v.blocks, DecodeBlocks(s->ColumnBlob(16)));
    r.local = std::move(v);
  }
  r.stat.format = s->ColumnText(9);
  r.stat.mtime_ns = s->ColumnInt(10);
  r.stat.size = static_cast<uint64_t>(s->ColumnInt(11));
  r.stat.mode = static_cast<uint32_t>(s->ColumnInt(13));
  r.stat.inode = static_cast<uint64_t>(s->ColumnInt(14));
  r.stat.hashed_at_ns = s->ColumnInt(18);
  r.state = ParseState(s->ColumnText(19));
  r.error = s->ColumnText(20);
  r.gone_inode = static_cast<uint64_t>(s->ColumnInt(21));
  r.stat.ctime_ns = s->ColumnInt(22);
  r.stat.nlink = static_cast<uint64_t>(s->ColumnInt(23));
  return std::optional<FileRow>(std::move(r));
}

Status Index::Put(const FileRow& row) {
  if (row.base_jid == 0 && !row.base && !row.local) return Remove(row.path);
  // Block locations are rewritten only when the local blocklist changed.
  const std::string blocks = row.local ? EncodeBlocks(row.local->blocks) : std::string();
  TESSERA_ASSIGN_OR_RETURN(
      auto* old,
      impl_->Stmt("SELECT blocks, kind IS NOT NULL, inode, gone_inode FROM files WHERE path = ?1"));
  std::string old_blocks;
  // The inode of a local version that just vanished is kept for rename detection.
  uint64_t gone_inode = 0;
  {
    auto use = old->Use();
    TESSERA_RETURN_IF_ERROR(old->BindText(1, row.path));
    TESSERA_ASSIGN_OR_RETURN(bool had, old->Step());
    if (had) old_blocks = old->ColumnBlob(0);
    if (had && !row.local) {
      gone_inode =
          static_cast<uint64_t>(old->ColumnInt(1) != 0 ? old->ColumnInt(2) : old->ColumnInt(3));
    }
  }
  const bool blocks_changed = old_blocks != blocks;

  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt(std::string("INSERT INTO files(") + kFileColumns +
                           ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                           "?18,?19,?20,?21,?22,?23,?24) ON CONFLICT(path) DO UPDATE SET " +
                           UpdateAll()));
  const FileVersion* base = row.base ? &*row.base : nullptr;
  const FileVersion* local = row.local ? &*row.local : nullptr;
  std::optional<std::string> base_kind;  // NULL: no base
  if (base != nullptr) {
    base_kind = KindText(base->kind);
  } else if (row.base_jid > 0) {
    base_kind = "deleted";
  }
  std::optional<std::string> kind, format;  // NULL: absent locally / not a file's format
  std::string checksum;
  if (local != nullptr) {
    kind = KindText(local->kind);
    if (!row.stat.format.empty()) format = row.stat.format;
    if (local->kind == FileKind::kFile) checksum = common::BlockId::Of(blocks).ToHex();
  }
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(
      s->BindAll(row.path, row.base_jid, base_kind, base ? base->size : 0, base && base->executable,
                 base ? std::string_view(base->symlink_target) : std::string_view(),
                 Blob{base ? EncodeBlocks(base->blocks) : std::string()}, base ? base->mtime_ns : 0,
                 kind, format, local ? row.stat.mtime_ns : 0, local ? local->size : 0,
                 local && local->kind == FileKind::kSymlink, local ? row.stat.mode : 0,
                 local ? row.stat.inode : 0,
                 local ? std::string_view(local->symlink_target) : std::string_view(), Blob{blocks},
                 checksum, local ? row.stat.hashed_at_ns : 0, StateText(row.state), row.error,
                 gone_inode, local ? row.stat.ctime_ns : 0, local ? row.stat.nlink : 0));
  TESSERA_RETURN_IF_ERROR(s->Run());
  if (!blocks_changed) return Status::Ok();
  return UpdateLocations(row.path, old_blocks, blocks);
}

Status Index::UpdateLocations(std::string_view path, std::string_view old_blocks,
                              std::string_view new_blocks) {
  TESSERA_ASSIGN_OR_RETURN(auto* del, impl_->Stmt(kDeleteBlockLocationSql));
  TESSERA_ASSIGN_OR_RETURN(auto* ins, impl_->Stmt(kInsertBlockLocationSql));
  return UpdateBlockLocations(*del, *ins, path, old_blocks, new_blocks);
}

Status Index::Remove(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(auto* old, impl_->Stmt("SELECT blocks FROM files WHERE path = ?1"));
  std::string old_blocks;
  {
    auto use = old->Use();
    TESSERA_RETURN_IF_ERROR(old->BindText(1, path));
    TESSERA_ASSIGN_OR_RETURN(bool had, old->Step());
    if (had) old_blocks = old->ColumnBlob(0);
  }
  TESSERA_RETURN_IF_ERROR(UpdateLocations(path, old_blocks, ""));
  TESSERA_ASSIGN_OR_RETURN(auto* s, impl_->Stmt("DELETE FROM files WHERE path = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, path));
  return s->Run();
}

Result<std::vector<std::string>> Index::LocalPaths() {
  return impl_->Strings("SELECT path FROM files WHERE kind IS NOT NULL ORDER BY path", -1);
}

Result<std::vector<std::string>> Index::LocalPathsPage(const std::string& dir,
                                                       const std::string& after, size_t limit) {
  // Keyset pagination on the primary key: each page is one range scan, wherever it starts.
  // A subtree is the prefix range "dir/" <= path < "dir0" ('0' follows '/').
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt(dir.empty()
                      ? "SELECT path FROM files WHERE path > ?1 AND kind IS NOT NULL "
                        "ORDER BY path LIMIT ?2"
                      : "SELECT path FROM files WHERE path > ?1 AND kind IS NOT NULL AND "
                        "(path = ?3 OR (path >= ?4 AND path < ?5)) ORDER BY path LIMIT ?2"));
  auto use = s->Use();
  if (dir.empty()) {
    TESSERA_RETURN_IF_ERROR(s->BindAll(after, limit));
  } else {
    TESSERA_RETURN_IF_ERROR(s->BindAll(after, limit, dir, dir + "/", dir + "0"));
  }
  return Impl::FirstColumn(*s);
}

Result<std::vector<std::string>> Index::PathsUnderPage(const std::string& dir,
                                                       const std::string& after, size_t limit) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT path FROM files WHERE path > ?1 AND path >= ?2 AND path < ?3 "
                           "ORDER BY path LIMIT ?4"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(after, dir + "/", dir + "0", limit));
  return Impl::FirstColumn(*s);
}

Result<std::vector<std::string>> Index::LiveBasesUnder(const std::string& dir, size_t limit) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT path FROM files WHERE path >= ?1 AND path < ?2 AND "
                           "base_kind IS NOT NULL AND base_kind <> 'deleted' ORDER BY path "
                           "LIMIT ?3"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(dir + "/", dir + "0", limit));
  return Impl::FirstColumn(*s);
}

Result<std::vector<std::string>> Index::DirtyPaths(size_t limit) {
  return impl_->Strings(
      "SELECT path FROM files WHERE state = 'dirty' AND NOT (kind IS NULL AND path IN "
      "(SELECT path FROM held_deletes WHERE incoming = 0 AND confirmed = 0)) "
      "ORDER BY path LIMIT ?1",
      static_cast<int64_t>(limit));
}

Result<std::vector<std::string>> Index::NewLocalDirs(size_t limit) {
  return impl_->Strings(
      "SELECT path FROM files WHERE state = 'dirty' AND kind = 'dir' AND "
      "(base_kind IS NULL OR base_kind = 'deleted') ORDER BY path LIMIT ?1",
      static_cast<int64_t>(limit));
}

Result<std::vector<std::string>> Index::VanishedDirs(uint64_t inode) {
  // "gone_inode <> 0" lets SQLite use the partial index files_by_gone_inode.
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT path FROM files WHERE gone_inode = ?1 AND gone_inode <> 0 AND "
                           "kind IS NULL AND base_kind = 'dir' ORDER BY path"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindInt(1, static_cast<int64_t>(inode)));
  return Impl::FirstColumn(*s);
}

Result<std::vector<std::string>> Index::LinkedPaths(uint64_t inode, bool any_links, size_t limit) {
  // "nlink > 1" lets SQLite use the partial index files_by_linked_inode.
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt(any_links ? "SELECT path FROM files WHERE inode = ?1 AND kind = 'file' "
                                       "ORDER BY path LIMIT ?2"
                                     : "SELECT path FROM files WHERE inode = ?1 AND nlink > 1 AND "
                                       "kind = 'file' ORDER BY path LIMIT ?2"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(static_cast<int64_t>(inode), static_cast<int64_t>(limit)));
  return Impl::FirstColumn(*s);
}

Result<std::vector<BlockLocation>> Index::FindBlock(const common::BlockId& id, size_t limit) {
  TESSERA_ASSIGN_OR_RETURN(auto* s,
                           impl_->Stmt("SELECT path, offset, size FROM block_locations WHERE "
                                       "substr(id, 1, 8) = substr(?1, 1, 8) AND id = ?1 LIMIT ?2"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(Blob{id.bytes()}, limit));
  std::vector<BlockLocation> out;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(BlockLocation{std::string(s->ColumnText(0)),
                                static_cast<uint64_t>(s->ColumnInt(1)),
                                static_cast<uint32_t>(s->ColumnInt(2))});
  }
  return out;
}

Status Index::AddCounter(const std::string& key, int64_t delta) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("INSERT INTO status(key, value) VALUES(?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(key, delta));
  return s->Run();
}

Status Index::SetValue(const std::string& key, const std::string& value) {
  TESSERA_ASSIGN_OR_RETURN(auto* s,
                           impl_->Stmt("INSERT OR REPLACE INTO status(key, value) VALUES(?1, ?2)"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(key, value));
  return s->Run();
}

Status Index::ClearValueIf(const std::string& key, const std::string& value) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("UPDATE status SET value = '' WHERE key = ?1 AND value = ?2"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(key, value));
  return s->Run();
}

Result<bool> Index::TakeValue(const std::string& key) {
  TESSERA_ASSIGN_OR_RETURN(auto* s, impl_->Stmt("DELETE FROM status WHERE key = ?1 RETURNING 1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, key));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) {
    while (true) {  // finish the statement so that the delete is done
      TESSERA_ASSIGN_OR_RETURN(bool more, s->Step());
      if (!more) break;
    }
  }
  return row;
}

Result<std::optional<std::string>> Index::GetMeta(const std::string& key) {
  TESSERA_ASSIGN_OR_RETURN(auto* s, impl_->Stmt("SELECT value FROM meta WHERE key = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, key));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s->ColumnText(0));
}

Status Index::SetMeta(const std::string& key, const std::string& value) {
  TESSERA_ASSIGN_OR_RETURN(auto* s,
                           impl_->Stmt("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(key, value));
  return s->Run();
}

Result<StatusSnapshot> Index::Snapshot(const std::string& ns_arg) {
  StatusSnapshot out;
  {
    TESSERA_ASSIGN_OR_RETURN(auto* meta, impl_->Stmt("SELECT key, value FROM meta"));
    auto use = meta->Use();
    for (;;) {
      TESSERA_ASSIGN_OR_RETURN(bool row, meta->Step());
      if (!row) break;
      if (meta->ColumnText(0) == "root") out.root = meta->ColumnText(1);
      if (meta->ColumnText(0) == "namespace") out.ns = meta->ColumnText(1);
    }
  }
  const std::string ns = ns_arg.empty() ? out.ns : ns_arg;
  TESSERA_ASSIGN_OR_RETURN(NsState st, GetNs(ns));
  out.cursor = st.cursor;
  {
    TESSERA_ASSIGN_OR_RETURN(
        auto* up, impl_->Stmt("SELECT count(*), coalesce(sum(CASE WHEN kind = 'file' THEN size "
                              "ELSE 0 END), 0) FROM files WHERE state = 'dirty'"));
    auto use = up->Use();
    TESSERA_RETURN_IF_ERROR(up->Step().status());
    out.upload_pending_files = static_cast<uint64_t>(up->ColumnInt(0));
    out.upload_pending_bytes = static_cast<uint64_t>(up->ColumnInt(1));
  }
  {
    TESSERA_ASSIGN_OR_RETURN(
        auto* down, impl_->Stmt("SELECT count(*), coalesce(sum(size), 0) FROM remote_pending"));
    auto use = down->Use();
    TESSERA_RETURN_IF_ERROR(down->Step().status());
    out.download_pending_files = static_cast<uint64_t>(down->ColumnInt(0));
    out.download_pending_bytes = static_cast<uint64_t>(down->ColumnInt(1));
  }
  {
    TESSERA_ASSIGN_OR_RETURN(auto* err,
                             impl_->Stmt("SELECT count(*) FROM files WHERE state = 'error'"));
    auto use = err->Use();
    TESSERA_RETURN_IF_ERROR(err->Step().status());
    out.refused = static_cast<uint64_t>(err->ColumnInt(0));
  }
  TESSERA_ASSIGN_OR_RETURN(auto* kv, impl_->Stmt("SELECT key, value FROM status"));
  auto use = kv->Use();
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, kv->Step());
    if (!row) break;
    const std::string_view key = kv->ColumnText(0);
    if (key == "conflicts") out.conflicts = static_cast<uint64_t>(kv->ColumnInt(1));
    if (key == "connected") out.connected = kv->ColumnText(1) == "1";
    if (key == "last_error") out.last_error = kv->ColumnText(1);
    if (key == "skipped_names") out.skipped_names = kv->ColumnText(1);
    if (key == "skipped_count") out.skipped = static_cast<uint64_t>(kv->ColumnInt(1));
    if (key == "failing") out.failing = static_cast<uint64_t>(kv->ColumnInt(1));
    if (key == "paused") out.paused = kv->ColumnText(1);
    if (key == "warning") out.warning = kv->ColumnText(1);
  }
  {
    TESSERA_ASSIGN_OR_RETURN(
        auto* held, impl_->Stmt("SELECT coalesce(sum(incoming = 0), 0), coalesce(sum(incoming), 0) "
                                "FROM held_deletes WHERE confirmed = 0"));
    auto use_held = held->Use();
    TESSERA_RETURN_IF_ERROR(held->Step().status());
    out.held_outgoing = static_cast<uint64_t>(held->ColumnInt(0));
    out.held_incoming = static_cast<uint64_t>(held->ColumnInt(1));
  }
  out.errors = out.refused + out.skipped + out.failing;
  return out;
}

}  // namespace tessera::daemon::index
