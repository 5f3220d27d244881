// Engine: open, recovery, reads, close. Writes are in engine_write.cc, flush/compaction/GC in
// engine_background.cc.
#include "blockserver/engine/engine.h"

#include <algorithm>
#include <set>

#include "blockserver/engine/manifest_format.h"
#include "blockserver/engine/wal_reader.h"
#include "common/crc32c.h"

namespace tessera::blockserver::engine {

namespace {
constexpr char kComponent[] = "engine";
}

double EngineStats::WriteAmplification() const {
  if (user_value_bytes == 0) return 0;
  return static_cast<double>(wal_bytes + flush_bytes + compaction_bytes) /
         static_cast<double>(user_value_bytes);
}

Engine::Engine(const EngineOptions& options, common::Env& env, common::Logger& logger)
    : options_(options), env_(env), logger_(logger), cache_(options.block_cache_bytes) {}

Engine::~Engine() { (void)Close(); }

common::Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options, common::Env& env,
                                                     common::Logger& logger) {
  if (options.dir.empty()) return common::InvalidArgument("engine: empty data directory");
  std::unique_ptr<Engine> engine(new Engine(options, env, logger));
  TESSERA_RETURN_IF_ERROR(engine->Recover(true));
  engine->write_thread_ = std::thread([e = engine.get()] { e->WriteThreadLoop(); });
  engine->bg_thread_ = std::thread([e = engine.get()] { e->BackgroundLoop(); });
  return engine;
}

common::Status Engine::Recover(bool initial) {
  common::MutexLock manifest_lock(manifest_mutex_);
  const std::string& dir = options_.dir;
  if (initial) {
    TESSERA_RETURN_IF_ERROR(env_.CreateDirs(dir));
    TESSERA_ASSIGN_OR_RETURN(common::FileStat st, env_.Lstat(dir + "/."));
    dir_device_ = st.device;
    dir_inode_ = st.inode;
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_.ListDir(dir));
  uint64_t max_number = 0;
  std::vector<uint64_t> logs;
  bool has_data_files = false;
  for (const std::string& name : names) {
    const ParsedFileName p = ParseFileName(name);
    if (p.type == FileType::kLog || p.type == FileType::kSst) {
      has_data_files = true;
      max_number = std::max(max_number, p.number);
      if (p.type == FileType::kLog) logs.push_back(p.number);
    }
  }
  auto loaded = LoadManifest(env_, dir);
  ManifestState state;
  if (loaded.ok()) {
    state = *loaded;
  } else if (loaded.status().code() == common::Code::kNotFound) {
    if (!initial) return common::Unavailable(dir + "/MANIFEST is gone: cannot reopen the engine");
    if (has_data_files) {
      return common::Corruption(dir + ": log or SST files but no MANIFEST");
    }
    state.next_file_number = 1;
    state.log_number = 1;
    TESSERA_RETURN_IF_ERROR(SaveManifest(env_, dir, state));
    logger_.Info(kComponent, "created a new engine in " + dir);
  } else {
    return loaded.status();
  }
  max_number = std::max(max_number, state.next_file_number - 1);
  if (!initial) {
    // File numbers are never reused (the block cache is keyed by them).
    common::MutexLock lock(mutex_);
    max_number = std::max(max_number, next_file_number_ - 1);
  }

  auto version = std::make_shared<Version>();
  for (uint64_t number : state.runs) {
    TESSERA_ASSIGN_OR_RETURN(auto reader,
                             SstReader::Open(env_, SstFileName(dir, number), number, &cache_));
    version->runs.push_back(std::move(reader));
  }
  version->blob_files = state.blob_files;
  std::map<uint64_t, std::shared_ptr<common::RandomAccessFile>> readers;
  for (uint64_t number : state.blob_files) {
    TESSERA_ASSIGN_OR_RETURN(auto file, env_.NewRandomAccessFile(LogFileName(dir, number)));
    readers[number] = std::move(file);
  }

  // Replay every log that may hold writes not yet in an SST, oldest first.
  std::sort(logs.begin(), logs.end());
  std::vector<uint64_t> replay;
  for (uint64_t n : logs) {
    if (n >= state.log_number) replay.push_back(n);
  }
  const uint64_t new_log = max_number + 1;
  auto recovered = std::make_shared<MemTable>(replay.empty() ? new_log : replay.front());
  uint64_t last_sequence = state.last_sequence;
  for (size_t i = 0; i < replay.size(); ++i) {
    TESSERA_RETURN_IF_ERROR(
        ReplayLog(replay[i], i + 1 == replay.size(), *recovered, readers, last_sequence));
  }

  {
    common::MutexLock lock(mutex_);
    blob_readers_ = std::move(readers);
    next_file_number_ = new_log + 1;
    last_sequence_ = std::max(last_sequence_, last_sequence);
    mem_ = std::make_shared<MemTable>(new_log);
    version_ = version;
    log_number_ = state.log_number;
    // Make the replayed writes an SST now, so no replayed log (with its possibly torn tail) is
    // ever replayed again; the logs that hold blob values become blob files. This comes before
    // the new log exists: if it fails, the replayed logs are still the newest ones.
    imm_ = recovered;
  }
  TESSERA_RETURN_IF_ERROR(FlushImmutableLocked());

  // Writes go to a fresh log: a replayed log may end in a torn record.
  const std::string path = LogFileName(dir, new_log);
  auto writer = WalWriter::Create(env_, path, new_log);
  common::Status s = writer.status();
  if (s.ok()) s = (*writer)->Sync();
  if (s.ok()) s = env_.SyncDir(dir);
  std::unique_ptr<common::RandomAccessFile> log_reader;
  if (s.ok()) {
    auto r = env_.NewRandomAccessFile(path);
    s = r.status();
    if (s.ok()) log_reader = std::move(*r);
  }
  if (!s.ok()) {
    // A half-made log would be a damaged log that is not the newest at the next try.
    if (writer.ok()) writer->reset();
    if (env_.FileExists(path)) RemoveFileLogged(path);
    return s;
  }
  wal_bytes_ += (*writer)->Size();
  std::unique_ptr<WalWriter> old_log;
  {
    common::MutexLock lock(mutex_);
    blob_readers_[new_log] = std::move(log_reader);
    old_log = std::move(log_);
    log_ = std::move(*writer);
  }
  if (old_log != nullptr) {
    const common::Status closed = old_log->Close();
    if (!closed.ok()) logger_.Warn(kComponent, "closing the old log: " + closed.ToString());
  }
  return RemoveObsoleteFiles(names);
}

common::Status Engine::ReplayLog(
    uint64_t number, bool is_last, MemTable& mem,
    std::map<uint64_t, std::shared_ptr<common::RandomAccessFile>>& readers,
    uint64_t& last_sequence) {
  const std::string path = LogFileName(options_.dir, number);
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<common::RandomAccessFile> file,
                           env_.NewRandomAccessFile(path));
  readers[number] = file;
  WalReader reader(*file, path);
  std::string payload;
  uint64_t payload_offset = 0;
  uint64_t records = 0;
  for (;;) {
    auto outcome = reader.Next(payload, payload_offset);
    if (!outcome.ok()) return outcome.status();
    if (*outcome == WalReader::Outcome::kEnd) break;
    if (*outcome == WalReader::Outcome::kTorn) {
      if (!is_last) {
        return common::Corruption(path + ": damaged record in a log that is not the newest (" +
                                  reader.torn_reason() + ")");
      }
      logger_.Warn(kComponent, "dropping the torn tail of " + path + " at offset " +
                                   std::to_string(reader.valid_end()) + ": " +
                                   reader.torn_reason());
      break;
    }
    auto batch = DecodeBatchPayload(payload);
    if (!batch.ok()) return batch.status().WithContext(path);
    if (reader.log_number() != number) {
      return common::Corruption(path + ": header names log " + std::to_string(reader.log_number()));
    }
    for (const DecodedOp& op : batch->ops) {
      Entry e;
      if (op.is_delete) {
        e.kind = EntryKind::kTombstone;
      } else if (op.value.size() >= options_.blob_threshold_bytes) {
        e.kind = EntryKind::kBlob;
        e.blob = BlobAddress{number, payload_offset + op.value_offset,
                             static_cast<uint32_t>(op.value.size()), op.value_crc};
      } else {
        e.kind = EntryKind::kValue;
        e.value.assign(op.value);
      }
      mem.Add(op.key, std::move(e));
    }
    last_sequence = std::max(last_sequence, batch->sequence + batch->ops.size());
    ++records;
  }
  logger_.Info(kComponent, "replayed " + std::to_string(records) + " records from " + path);
  return common::Status::Ok();
}

common::Status Engine::CheckDirectory() {
  const std::string& dir = options_.dir;
  auto st = env_.Lstat(dir + "/.");
  if (!st.ok() || st->type != common::FileType::kDir || st->device != dir_device_ ||
      st->inode != dir_inode_) {
    return common::Unavailable(
        "data directory " + dir +
        (st.ok() ? " was replaced by another one" : " is gone (deleted, or its disk unmounted)") +
        ": refusing writes, which would be lost");
  }
  for (const std::string& name : {std::string(manifest::kFileName), options_.marker_file}) {
    if (name.empty()) continue;
    if (!env_.FileExists(dir + "/" + name)) {
      return common::Unavailable("data directory " + dir + " lost its " + name +
                                 " file (deleted under the running server?): refusing writes, "
                                 "which would be lost");
    }
  }
  return common::Status::Ok();
}

common::Status Engine::RemoveObsoleteFiles(const std::vector<std::string>& names) {
  std::set<uint64_t> live_ssts, live_logs;
  {
    common::MutexLock lock(mutex_);
    for (const auto& r : version_->runs) live_ssts.insert(r->file_number());
    for (const auto& [number, file] : blob_readers_) live_logs.insert(number);
  }
  for (const std::string& name : names) {
    const ParsedFileName p = ParseFileName(name);
    const bool obsolete = (p.type == FileType::kSst && !live_ssts.count(p.number)) ||
                          (p.type == FileType::kLog && !live_logs.count(p.number)) ||
                          p.type == FileType::kTemp;
    if (obsolete && env_.FileExists(options_.dir + "/" + name)) {
      logger_.Info(kComponent, "removing obsolete file " + name);
      RemoveFileLogged(options_.dir + "/" + name);
    }
  }
  return common::Status::Ok();
}

void Engine::RemoveFileLogged(const std::string& path) {
  common::Status s = env_.RemoveFile(path);
  if (!s.ok()) logger_.Warn(kComponent, "could not remove " + path + ": " + s.ToString());
}

common::Status Engine::Close() {
  {
    common::MutexLock lock(mutex_);
    if (closed_) return common::Status::Ok();
    closed_ = true;
    stopping_writes_ = true;
  }
  write_cv_.NotifyAll();
  if (write_thread_.joinable()) write_thread_.join();
  {
    common::MutexLock lock(mutex_);
    stopping_bg_ = true;
  }
  bg_cv_.NotifyAll();
  flush_cv_.NotifyAll();
  if (bg_thread_.joinable()) bg_thread_.join();
  if (log_ != nullptr) return log_->Close();
  return common::Status::Ok();
}

Engine::ReadState Engine::GetReadState() {
  common::MutexLock lock(mutex_);
  return ReadState{mem_, imm_, version_};
}

common::Result<std::optional<Entry>> Engine::LookupEntry(const BlockId& key, const ReadState& rs) {
  if (auto e = rs.mem->Get(key)) return e;
  if (rs.imm) {
    if (auto e = rs.imm->Get(key)) return e;
  }
  for (const auto& run : rs.version->runs) {
    TESSERA_ASSIGN_OR_RETURN(std::optional<Entry> e, run->Get(key));
    if (e) return e;
  }
  return std::optional<Entry>();
}

common::Result<std::string> Engine::ReadBlob(const BlobAddress& addr) {
  const bool cacheable = addr.size <= options_.blob_cache_max_value_bytes;
  if (cacheable) {
    if (auto hit = cache_.Lookup(addr.file_number, addr.offset)) return std::string(*hit);
  }
  std::shared_ptr<common::RandomAccessFile> file;
  {
    common::MutexLock lock(mutex_);
    auto it = blob_readers_.find(addr.file_number);
    if (it != blob_readers_.end()) file = it->second;
  }
  if (!file) {
    return common::NotFound("blob file " + std::to_string(addr.file_number) + " is gone");
  }
  std::string value(addr.size, '\0');
  TESSERA_ASSIGN_OR_RETURN(std::string_view got, file->Read(addr.offset, addr.size, value.data()));
  const std::string where =
      LogFileName(options_.dir, addr.file_number) + " offset " + std::to_string(addr.offset);
  if (got.size() != addr.size) return common::Corruption(where + ": blob value cut short");
  if (got.data() != value.data()) value.assign(got);
  if (common::crc32c::Value(value) != addr.crc) {
    return common::Corruption(where + ": blob value checksum mismatch");
  }
  if (cacheable) {
    cache_.Insert(addr.file_number, addr.offset, std::make_shared<const std::string>(value));
  }
  return value;
}

common::Result<std::optional<std::string>> Engine::Get(const BlockId& key) {
  // A blob file can vanish between the lookup and the read when GC has just moved the value;
  // the retry then finds the new address.
  for (int attempt = 0;; ++attempt) {
    const ReadState rs = GetReadState();
    TESSERA_ASSIGN_OR_RETURN(std::optional<Entry> e, LookupEntry(key, rs));
    if (!e || e->kind == EntryKind::kTombstone) return std::optional<std::string>();
    if (e->kind == EntryKind::kValue) return std::optional<std::string>(std::move(e->value));
    auto value = ReadBlob(e->blob);
    if (value.ok()) return std::optional<std::string>(std::move(*value));
    if (value.status().code() != common::Code::kNotFound) return value.status();
    if (attempt == 2) return common::Corruption(value.status().message());
  }
}

common::Result<bool> Engine::Has(const BlockId& key) {
  const ReadState rs = GetReadState();
  TESSERA_ASSIGN_OR_RETURN(std::optional<Entry> e, LookupEntry(key, rs));
  return e.has_value() && e->kind != EntryKind::kTombstone;
}

bool Engine::MayContain(const BlockId& key) {
  const ReadState rs = GetReadState();
  if (auto e = rs.mem->Get(key)) return e->kind != EntryKind::kTombstone;
  if (rs.imm) {
    if (auto e = rs.imm->Get(key)) return e->kind != EntryKind::kTombstone;
  }
  for (const auto& run : rs.version->runs) {
    if (run->MayContain(key)) return true;
  }
  return false;
}

common::Status Engine::ScanLive(const std::function<bool(const BlockId&, const Entry&)>& fn) {
  const ReadState rs = GetReadState();
  std::vector<std::unique_ptr<EntryIterator>> children;
  children.push_back(std::make_unique<VectorIterator>(rs.mem->Snapshot()));
  if (rs.imm) children.push_back(std::make_unique<VectorIterator>(rs.imm->Snapshot()));
  for (const auto& run : rs.version->runs) children.push_back(run->NewIterator(false));
  auto it = NewMergingIterator(std::move(children));
  for (; it->Valid(); it->Next()) {
    if (it->entry().kind == EntryKind::kTombstone) continue;
    if (!fn(it->key(), it->entry())) break;
  }
  return it->status();
}

common::Status Engine::ForEach(const std::function<bool(const BlockId&, uint64_t)>& fn) {
  return ScanLive([&](const BlockId& k, const Entry& e) { return fn(k, e.ValueSize()); });
}

EngineStats Engine::GetStats() {
  EngineStats s;
  s.user_value_bytes = user_value_bytes_;
  s.wal_bytes = wal_bytes_;
  s.flush_bytes = flush_bytes_;
  s.compaction_bytes = compaction_bytes_;
  s.gc_relocated_bytes = gc_relocated_bytes_;
  s.syncs = syncs_;
  s.batches = batches_;
  s.flushes = flushes_;
  s.compactions = compactions_;
  s.blob_files_collected = blob_files_collected_;
  const ReadState rs = GetReadState();
  s.runs = rs.version->runs.size();
  for (const auto& r : rs.version->runs) s.sst_bytes += r->file_size();
  s.blob_files = rs.version->blob_files.size();
  s.cache_hits = cache_.hits();
  s.cache_misses = cache_.misses();
  return s;
}

}  // namespace tessera::blockserver::engine
