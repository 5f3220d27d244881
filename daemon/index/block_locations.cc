#include "daemon/index/block_locations.h"

#include <cstdint>
#include <memory>
#include <string>

#include "common/block_id.h"
#include "common/coding.h"

namespace tessera::daemon::index {
namespace {

using common::sqlite::Blob;
using common::sqlite::SqliteDb;
using common::sqlite::SqliteStmt;

constexpr size_t kRecordBytes = common::BlockId::kSize + 4;  // id, size (LE u32)

// Walks a blocklist blob record by record, tracking each block's offset in the file.
class Records {
 public:
  explicit Records(std::string_view blob) : blob_(blob) {}
  bool done() const { return pos_ >= blob_.size(); }
  std::string_view id() const { return blob_.substr(pos_, common::BlockId::kSize); }
  uint32_t size() const {
    return common::DecodeFixed32(blob_.data() + pos_ + common::BlockId::kSize);
  }
  uint64_t offset() const { return offset_; }
  void Next() {
    offset_ += size();
    pos_ += kRecordBytes;
  }

 private:
  std::string_view blob_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace

common::Status UpdateBlockLocations(SqliteStmt& del, SqliteStmt& ins, std::string_view path,
                                    std::string_view old_blocks, std::string_view new_blocks) {
  if (old_blocks.size() % kRecordBytes != 0 || new_blocks.size() % kRecordBytes != 0) {
    return common::Corruption("index: torn blocklist for " + std::string(path));
  }
  auto drop = [&](const Records& r) -> common::Status {
    auto use = del.Use();
    TESSERA_RETURN_IF_ERROR(del.BindAll(Blob{r.id()}, path, r.offset()));
    return del.Run();
  };
  auto add = [&](const Records& r) -> common::Status {
    auto use = ins.Use();
    TESSERA_RETURN_IF_ERROR(ins.BindAll(Blob{r.id()}, path, r.offset(), r.size()));
    return ins.Run();
  };
  // Both lists run in offset order: a merge walk pairs the records at equal offsets, and only
  // the ones that differ are written (an edit keeps the rows before it).
  Records o(old_blocks), n(new_blocks);
  while (!o.done() || !n.done()) {
    if (n.done() || (!o.done() && o.offset() < n.offset())) {
      TESSERA_RETURN_IF_ERROR(drop(o));
      o.Next();
    } else if (o.done() || n.offset() < o.offset()) {
      TESSERA_RETURN_IF_ERROR(add(n));
      n.Next();
    } else {
      if (o.id() != n.id() || o.size() != n.size()) {
        TESSERA_RETURN_IF_ERROR(drop(o));
        TESSERA_RETURN_IF_ERROR(add(n));
      }
      o.Next();
      n.Next();
    }
  }
  return common::Status::Ok();
}

common::Status FillBlockLocations(SqliteDb& db) {
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt rows,
                           db.Prepare("SELECT path, blocks FROM files WHERE length(blocks) > 0"));
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt del, db.Prepare(kDeleteBlockLocationSql));
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt ins, db.Prepare(kInsertBlockLocationSql));
  auto use = rows.Use();
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    // A torn blob gets no rows (locations are only hints); reading that row reports it.
    const std::string blocks(rows.ColumnBlob(1));
    if (blocks.size() % kRecordBytes != 0) continue;
    const std::string path(rows.ColumnText(0));
    TESSERA_RETURN_IF_ERROR(UpdateBlockLocations(del, ins, path, std::string_view(), blocks));
  }
  return common::Status::Ok();
}

}  // namespace tessera::daemon::index
