#include "bench/stores.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>

#include <cstdio>

#include "blockserver/engine/engine.h"
#include "common/env.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::bench {

namespace {

constexpr size_t kCacheBytes = 64u << 20;  // every store gets the same cache budget

class TesseraStore final : public Store {
 public:
  static std::unique_ptr<Store> Open(const std::string& dir) {
    auto s = std::make_unique<TesseraStore>();
    blockserver::engine::EngineOptions o;
    o.dir = dir;
    o.block_cache_bytes = kCacheBytes;
    auto e = blockserver::engine::Engine::Open(o, s->env_, s->log_);
    if (!e.ok()) {
      std::fprintf(stderr, "tessera open: %s\n", e.status().ToString().c_str());
      return nullptr;
    }
    s->engine_ = std::move(*e);
    return s;
  }
  bool PutBatch(const std::vector<KV>& batch) override {
    blockserver::engine::WriteBatch b;
    for (const auto& [k, v] : batch) b.Put(*common::BlockId::FromBytes(k), v);
    const auto s = engine_->Write(b);
    if (!s.ok()) std::fprintf(stderr, "tessera write: %s\n", s.ToString().c_str());
    return s.ok();
  }
  bool Get(std::string_view key, bool* found, size_t* size) override {
    auto r = engine_->Get(*common::BlockId::FromBytes(key));
    if (!r.ok()) {
      std::fprintf(stderr, "tessera get: %s\n", r.status().ToString().c_str());
      return false;
    }
    *found = r->has_value();
    *size = *found ? (*r)->size() : 0;
    return true;
  }

 private:
  common::PosixEnv env_;
  common::Logger log_{common::LogLevel::kWarn};
  std::unique_ptr<blockserver::engine::Engine> engine_;
};

class RocksStore final : public Store {
 public:
  static std::unique_ptr<Store> Open(const std::string& dir, bool blob) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.IncreaseParallelism(2);
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(kCacheBytes);
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    if (blob) {
      o.enable_blob_files = true;
      o.min_blob_size = 512;
      o.enable_blob_garbage_collection = true;
    }
    rocksdb::DB* db = nullptr;
    const auto s = rocksdb::DB::Open(o, dir, &db);
    if (!s.ok()) {
      std::fprintf(stderr, "rocksdb open: %s\n", s.ToString().c_str());
      return nullptr;
    }
    auto store = std::make_unique<RocksStore>();
    store->db_.reset(db);
    return store;
  }
  bool PutBatch(const std::vector<KV>& batch) override {
    rocksdb::WriteBatch b;
    for (const auto& [k, v] : batch)
      b.Put(rocksdb::Slice(k.data(), k.size()), rocksdb::Slice(v.data(), v.size()));
    rocksdb::WriteOptions w;
    w.sync = true;
    const auto s = db_->Write(w, &b);
    if (!s.ok()) std::fprintf(stderr, "rocksdb write: %s\n", s.ToString().c_str());
    return s.ok();
  }
  bool Get(std::string_view key, bool* found, size_t* size) override {
    rocksdb::PinnableSlice value;
    const auto s = db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                            rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) {
      *found = false;
      *size = 0;
      return true;
    }
    if (!s.ok()) {
      std::fprintf(stderr, "rocksdb get: %s\n", s.ToString().c_str());
      return false;
    }
    *found = true;
    *size = value.size();
    return true;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

// One connection per thread would need a pool; a mutex per store keeps SQLite's single-writer
// model explicit. Reads and writes both take it (WAL mode would allow concurrent readers with
// separate connections; the benchmark's mixed phase notes this).
class SqliteStore final : public Store {
 public:
  static std::unique_ptr<Store> Open(const std::string& dir) {
    auto s = std::make_unique<SqliteStore>();
    common::MutexLock lock(s->mutex_);
    const std::string path = dir + "/blocks.db";
    if (sqlite3_open(path.c_str(), &s->db_) != SQLITE_OK) return nullptr;
    const char* setup =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
        "CREATE TABLE IF NOT EXISTS blocks (id BLOB PRIMARY KEY, data BLOB NOT NULL);";
    if (!s->Exec(setup)) return nullptr;
    if (sqlite3_prepare_v2(s->db_, "INSERT OR REPLACE INTO blocks (id, data) VALUES (?, ?)", -1,
                           &s->put_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db_, "SELECT data FROM blocks WHERE id = ?", -1, &s->get_, nullptr) !=
            SQLITE_OK) {
      std::fprintf(stderr, "sqlite prepare: %s\n", sqlite3_errmsg(s->db_));
      return nullptr;
    }
    return s;
  }
  ~SqliteStore() override {
    sqlite3_finalize(put_);
    sqlite3_finalize(get_);
    sqlite3_close(db_);
  }
  bool PutBatch(const std::vector<KV>& batch) override {
    common::MutexLock lock(mutex_);
    if (!Exec("BEGIN")) return false;
    for (const auto& [k, v] : batch) {
      sqlite3_bind_blob(put_, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
      sqlite3_bind_blob(put_, 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
      if (sqlite3_step(put_) != SQLITE_DONE) {
        std::fprintf(stderr, "sqlite insert: %s\n", sqlite3_errmsg(db_));
        sqlite3_reset(put_);
        (void)Exec("ROLLBACK");
        return false;
      }
      sqlite3_reset(put_);
    }
    return Exec("COMMIT");
  }
  bool Get(std::string_view key, bool* found, size_t* size) override {
    // Reads the blob's bytes, as the other stores do.
    common::MutexLock lock(mutex_);
    sqlite3_bind_blob(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(get_);
    *found = rc == SQLITE_ROW;
    if (*found) (void)sqlite3_column_blob(get_, 0);
    *size = *found ? static_cast<size_t>(sqlite3_column_bytes(get_, 0)) : 0;
    sqlite3_reset(get_);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
  }

 private:
  bool Exec(const char* sql) TESSERA_REQUIRES(mutex_) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite %s: %s\n", sql, msg ? msg : "?");
      sqlite3_free(msg);
      return false;
    }
    return true;
  }
  common::Mutex mutex_;  // one statement runs at a time on the one connection
  sqlite3* db_ TESSERA_GUARDED_BY(mutex_) = nullptr;
  sqlite3_stmt* put_ TESSERA_GUARDED_BY(mutex_) = nullptr;
  sqlite3_stmt* get_ TESSERA_GUARDED_BY(mutex_) = nullptr;
};

}  // namespace

std::unique_ptr<Store> OpenStore(const std::string& kind, const std::string& dir) {
  if (kind == "tessera") return TesseraStore::Open(dir);
  if (kind == "rocksdb") return RocksStore::Open(dir, false);
  if (kind == "rocksdb-blob") return RocksStore::Open(dir, true);
  if (kind == "sqlite") return SqliteStore::Open(dir);
  std::fprintf(stderr, "unknown store %s\n", kind.c_str());
  return nullptr;
}

}  // namespace tessera::bench
