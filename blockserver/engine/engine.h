// blockserver/engine/engine.h
//
// Engine: the blockserver's storage engine, an LSM store of content-addressed blocks
// (key = 32-byte block id, value = block bytes, written once, read many times, deleted by GC).
// Design and file formats: docs/engine.md, wal_format.h, sst_format.h, manifest_format.h.
//
//   - Write(): a batch is durable when Write returns OK. Writers queue; one write thread takes
//     every queued batch, appends them as one log record, fdatasyncs once, then acknowledges
//     them all (group commit). Values >= blob_threshold_bytes stay in the log file, which
//     becomes a blob file: the index holds their address, so they are written to disk once.
//   - Reads see the active memtable, the immutable one being flushed and the SST runs.
//   - A background thread flushes the immutable memtable to an SST and compacts runs
//     (size-tiered; keys are uniformly random, see docs/engine.md).
//   - CollectGarbage() rewrites the live values of blob files that are mostly garbage.
//   - Any failed write/fsync puts the engine in a sticky error state: every later Write fails
//     with that error until the engine is reopened. Reads keep working. After a full disk
//     (kNoSpace) the engine reopens itself: a write that arrives at least reopen_interval after
//     the last try reloads the MANIFEST, replays the logs as Open does (what was acknowledged
//     is on disk; a batch whose log record did not make it whole is not replayed) and, if that
//     works, is written as usual. Other errors stay until the engine is reopened.
//   - Before acknowledging a group, the write thread checks that options.dir is still the
//     directory it opened (same device and inode) and still holds the MANIFEST (and
//     options.marker_file): a data directory deleted or unmounted under the engine makes
//     every later Write fail with kUnavailable instead of acknowledging writes that would be
//     lost. That error is sticky.
//   - A background compaction that meets a damaged run (Corruption) stops compacting (logged,
//     naming `tessera-blockserver repair`) instead of failing writes; CompactAll() still
//     returns the error.
//
// Thread-safe: every public method may be called from any thread concurrently. The Env and
// Logger must outlive the Engine. Destroying the Engine closes it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "blockserver/engine/block_cache.h"
#include "blockserver/engine/entry.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/memtable.h"
#include "blockserver/engine/sst_builder.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/engine/wal_writer.h"
#include "blockserver/engine/write_batch.h"
#include "common/env.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::blockserver::engine {

struct EngineOptions {
  std::string dir;                                // data directory; created if missing
  size_t memtable_bytes = 64u << 20;              // switch memtables beyond this
  uint64_t max_log_bytes = 256ull << 20;          // start a new log (and memtable) beyond this
  size_t blob_threshold_bytes = 512;              // values this large stay in log/blob files
  SstOptions sst;                                 // block size, bloom bits, zstd level
  size_t block_cache_bytes = 64u << 20;           // SST blocks and small blob values
  size_t blob_cache_max_value_bytes = 64u << 10;  // larger blob values are not cached
  int compaction_trigger_runs = 4;                // compact when this many SST runs exist
  double blob_gc_garbage_ratio = 0.5;             // CollectGarbage rewrites files this empty
  size_t max_value_bytes = 64u << 20;             // larger puts are refused
  size_t max_group_bytes = 64u << 20;             // a group commit takes batches up to this
  // After a kNoSpace write error, a write tries reopening from disk at most this often.
  std::chrono::milliseconds reopen_interval{1000};
  // A file (name in dir) whose disappearance means the directory is not the store any more
  // (the block store's FORMAT); checked with the MANIFEST before acknowledging writes.
  std::string marker_file;
};

struct EngineStats {
  uint64_t user_value_bytes = 0;    // value bytes of acknowledged puts
  uint64_t wal_bytes = 0;           // bytes appended to log files (values included)
  uint64_t flush_bytes = 0;         // SST bytes written by flushes
  uint64_t compaction_bytes = 0;    // SST bytes written by compactions
  uint64_t gc_relocated_bytes = 0;  // value bytes rewritten by blob GC (also in wal_bytes)
  uint64_t syncs = 0;               // log fdatasyncs (one per group)
  uint64_t batches = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t blob_files_collected = 0;
  uint64_t runs = 0;        // SST runs now
  uint64_t sst_bytes = 0;   // size of live SSTs
  uint64_t blob_files = 0;  // sealed blob files now
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  // (wal + flush + compaction bytes) / user value bytes.
  double WriteAmplification() const;
};

class Engine {
 public:
  // Opens (creating if needed) the engine in options.dir, replaying logs that hold writes not
  // yet in an SST. kCorruption if a file is damaged anywhere but the torn tail of the newest
  // log (which is dropped with a warning).
  static common::Result<std::unique_ptr<Engine>> Open(const EngineOptions& options,
                                                      common::Env& env, common::Logger& logger);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies `batch` atomically; durable on OK. InvalidArgument for an oversized value;
  // Unavailable after Close() or once the data directory is gone; the sticky error after a
  // failed write (kNoSpace until a reopen from disk succeeds, see the top of this file).
  common::Status Write(const WriteBatch& batch);
  common::Status Put(const BlockId& key, std::string_view value);
  common::Status Delete(const BlockId& key);

  // The value, or nullopt if absent/deleted. kCorruption if a checksum fails or the blob file
  // the index points into is missing.
  common::Result<std::optional<std::string>> Get(const BlockId& key);
  // Whether `key` is live (index only; the value is not read).
  common::Result<bool> Has(const BlockId& key);
  // False only if `key` is certainly absent (memtables and bloom filters; no disk read).
  bool MayContain(const BlockId& key);
  // Calls fn(key, value_size) for every live key in ascending order until it returns false.
  // Sees a consistent snapshot taken at the call.
  common::Status ForEach(const std::function<bool(const BlockId&, uint64_t)>& fn);

  // Flushes the active memtable to an SST and waits for it (tests, tools, shutdown paths).
  common::Status Flush();
  // Flushes, then merges every SST run into one, dropping deleted keys.
  common::Status CompactAll();
  // Rewrites the live values of sealed blob files whose garbage ratio is at least
  // options.blob_gc_garbage_ratio, then deletes those files. Returns how many were collected.
  common::Result<int> CollectGarbage();

  EngineStats GetStats();
  // Stops accepting writes, finishes queued ones, stops background work. Idempotent.
  common::Status Close();

 private:
  struct Version {
    std::vector<std::shared_ptr<SstReader>> runs;  // newest first
    std::vector<uint64_t> blob_files;              // sealed blob files, ascending
  };
  struct PendingWrite {
    const WriteBatch* batch = nullptr;
    bool force_flush = false;
    bool done = false;
    common::Status status;
  };
  struct ReadState {
    std::shared_ptr<MemTable> mem, imm;
    std::shared_ptr<const Version> version;
  };

  Engine(const EngineOptions& options, common::Env& env, common::Logger& logger);

  // Loads the MANIFEST and the files it names, replays the logs that may hold writes not yet
  // in an SST, flushes them to an SST and starts a fresh log; replaces the whole read state.
  // `initial`: at Open (an empty directory becomes a new engine); otherwise a reopen after a
  // write error, on the write thread, which never creates an engine (a missing MANIFEST is
  // kUnavailable) and never reuses a file number.
  common::Status Recover(bool initial) TESSERA_EXCLUDES(manifest_mutex_, mutex_);
  // Replays log `number` into `mem`; records its reader in `readers`, raises `last_sequence`.
  common::Status ReplayLog(uint64_t number, bool is_last, MemTable& mem,
                           std::map<uint64_t, std::shared_ptr<common::RandomAccessFile>>& readers,
                           uint64_t& last_sequence);
  // OK while options_.dir is the directory opened and holds the MANIFEST and marker file;
  // kUnavailable (naming what is gone) otherwise.
  common::Status CheckDirectory();
  // Whether a write arriving now should try to clear bg_error_ by reopening (and marks it due).
  bool ReopenDueLocked() TESSERA_REQUIRES(mutex_);
  // On the write thread: Recover(false) after a write error; clears bg_error_ on success.
  common::Status ReopenAfterError() TESSERA_EXCLUDES(manifest_mutex_, mutex_);
  common::Status RemoveObsoleteFiles(const std::vector<std::string>& names)
      TESSERA_EXCLUDES(mutex_);

  // Write thread.
  void WriteThreadLoop() TESSERA_EXCLUDES(mutex_);
  common::Status WriteGroup(const std::vector<PendingWrite*>& group) TESSERA_EXCLUDES(mutex_);
  common::Status MakeRoomForWrite(bool force) TESSERA_EXCLUDES(mutex_);

  // Background thread.
  void BackgroundLoop() TESSERA_EXCLUDES(mutex_);
  bool NeedsCompactionLocked() const TESSERA_REQUIRES(mutex_);
  common::Status FlushImmutable() TESSERA_EXCLUDES(manifest_mutex_, mutex_);
  common::Status FlushImmutableLocked() TESSERA_REQUIRES(manifest_mutex_) TESSERA_EXCLUDES(mutex_);
  common::Status Compact(bool all) TESSERA_EXCLUDES(manifest_mutex_, mutex_);
  // Builds an SST from `it`; returns nullptr if nothing was written.
  common::Result<std::shared_ptr<SstReader>> BuildSst(EntryIterator& it, bool drop_tombstones,
                                                      std::atomic<uint64_t>& bytes_counter)
      TESSERA_EXCLUDES(mutex_);
  common::Status InstallManifest(const ManifestState& state, std::shared_ptr<const Version> v)
      TESSERA_REQUIRES(manifest_mutex_) TESSERA_EXCLUDES(mutex_);
  ManifestState CurrentManifestLocked() const TESSERA_REQUIRES(mutex_);

  ReadState GetReadState() TESSERA_EXCLUDES(mutex_);
  common::Result<std::optional<Entry>> LookupEntry(const BlockId& key, const ReadState& rs);
  common::Result<std::string> ReadBlob(const BlobAddress& addr) TESSERA_EXCLUDES(mutex_);
  common::Status ScanLive(const std::function<bool(const BlockId&, const Entry&)>& fn)
      TESSERA_EXCLUDES(mutex_);
  uint64_t NewFileNumber() TESSERA_EXCLUDES(mutex_);
  void SetBgError(const common::Status& s) TESSERA_EXCLUDES(mutex_);
  void RemoveFileLogged(const std::string& path);

  const EngineOptions options_;
  common::Env& env_;
  common::Logger& logger_;
  BlockCache cache_;

  // Lock order: gc_mutex_, then manifest_mutex_, then mutex_.
  common::Mutex gc_mutex_;                                          // one CollectGarbage at a time
  common::Mutex manifest_mutex_ TESSERA_ACQUIRED_AFTER(gc_mutex_);  // serialises file-set changes
  common::Mutex mutex_ TESSERA_ACQUIRED_AFTER(manifest_mutex_);
  common::CondVar write_cv_;  // write thread: queue non-empty or stopping
  common::CondVar done_cv_;   // writers: their PendingWrite is done (PendingWrite under mutex_)
  common::CondVar bg_cv_;     // background thread: work or stopping
  common::CondVar flush_cv_;  // imm_ flushed or error
  std::deque<PendingWrite*> queue_ TESSERA_GUARDED_BY(mutex_);
  std::shared_ptr<MemTable> mem_ TESSERA_GUARDED_BY(mutex_);  // replaced by the write thread
  std::shared_ptr<MemTable> imm_ TESSERA_GUARDED_BY(mutex_);
  std::shared_ptr<const Version> version_ TESSERA_GUARDED_BY(mutex_);
  // Every log/blob file an address may point into.
  std::map<uint64_t, std::shared_ptr<common::RandomAccessFile>> blob_readers_
      TESSERA_GUARDED_BY(mutex_);
  uint64_t next_file_number_ TESSERA_GUARDED_BY(mutex_) = 1;
  uint64_t log_number_ TESSERA_GUARDED_BY(mutex_) = 0;
  uint64_t last_sequence_ TESSERA_GUARDED_BY(mutex_) = 0;
  common::Status bg_error_ TESSERA_GUARDED_BY(mutex_);
  bool stopping_writes_ TESSERA_GUARDED_BY(mutex_) = false;
  bool stopping_bg_ TESSERA_GUARDED_BY(mutex_) = false;
  bool closed_ TESSERA_GUARDED_BY(mutex_) = false;
  bool reopen_due_ TESSERA_GUARDED_BY(mutex_) = false;          // a queued write will try a reopen
  bool compaction_stopped_ TESSERA_GUARDED_BY(mutex_) = false;  // a run it needs is damaged
  std::chrono::system_clock::time_point next_reopen_ TESSERA_GUARDED_BY(mutex_){};
  uint64_t dir_device_ = 0, dir_inode_ = 0;  // of options.dir at Open; then read-only

  std::unique_ptr<WalWriter> log_;  // write thread only (and Open/Close); null until recovered

  std::atomic<uint64_t> user_value_bytes_{0}, wal_bytes_{0}, flush_bytes_{0}, compaction_bytes_{0},
      gc_relocated_bytes_{0}, syncs_{0}, batches_{0}, flushes_{0}, compactions_{0},
      blob_files_collected_{0};

  std::thread write_thread_;
  std::thread bg_thread_;
};

}  // namespace tessera::blockserver::engine
