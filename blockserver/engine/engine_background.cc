// Engine: background work — memtable flush, size-tiered compaction of SST runs, blob GC.
#include <algorithm>
#include <set>

#include "blockserver/engine/engine.h"

namespace tessera::blockserver::engine {

namespace {
constexpr char kComponent[] = "engine";
}

uint64_t Engine::NewFileNumber() {
  common::MutexLock lock(mutex_);
  return next_file_number_++;
}

bool Engine::NeedsCompactionLocked() const {
  return !compaction_stopped_ &&
         static_cast<int>(version_->runs.size()) >= std::max(2, options_.compaction_trigger_runs);
}

void Engine::BackgroundLoop() {
  for (;;) {
    bool flush = false;
    {
      common::MutexLock lock(mutex_);
      bg_cv_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) {
        return stopping_bg_ || (bg_error_.ok() && (imm_ != nullptr || NeedsCompactionLocked()));
      });
      if (stopping_bg_) return;
      flush = imm_ != nullptr;
    }
    const common::Status s = flush ? FlushImmutable() : Compact(false);
    if (!s.ok() && !flush && s.code() == common::Code::kCorruption) {
      // A damaged run cannot be merged, but writes and the reads of every intact block go on;
      // runs pile up until `repair` rewrites it.
      {
        common::MutexLock lock(mutex_);
        compaction_stopped_ = true;
      }
      logger_.Error(kComponent, "compaction stopped, writes go on: " + s.ToString() +
                                    "; stop the server and run `tessera-blockserver repair "
                                    "--data " +
                                    options_.dir + "`");
    } else if (!s.ok()) {
      SetBgError(s);
    }
  }
}

ManifestState Engine::CurrentManifestLocked() const {
  ManifestState m;
  m.next_file_number = next_file_number_;
  m.log_number = log_number_;
  m.last_sequence = last_sequence_;
  for (const auto& r : version_->runs) m.runs.push_back(r->file_number());
  m.blob_files = version_->blob_files;
  return m;
}

common::Status Engine::InstallManifest(const ManifestState& state,
                                       std::shared_ptr<const Version> v) {
  TESSERA_RETURN_IF_ERROR(SaveManifest(env_, options_.dir, state));
  common::MutexLock lock(mutex_);
  version_ = std::move(v);
  log_number_ = state.log_number;
  return common::Status::Ok();
}

common::Result<std::shared_ptr<SstReader>> Engine::BuildSst(EntryIterator& it, bool drop_tombstones,
                                                            std::atomic<uint64_t>& bytes_counter) {
  const uint64_t number = NewFileNumber();
  const std::string path = SstFileName(options_.dir, number);
  TESSERA_ASSIGN_OR_RETURN(auto builder, SstBuilder::Create(env_, path, options_.sst));
  for (; it.Valid(); it.Next()) {
    if (drop_tombstones && it.entry().kind == EntryKind::kTombstone) continue;
    TESSERA_RETURN_IF_ERROR(builder->Add(it.key(), it.entry()));
  }
  TESSERA_RETURN_IF_ERROR(it.status());
  if (builder->entry_count() == 0) {
    builder.reset();
    RemoveFileLogged(path);
    return std::shared_ptr<SstReader>();
  }
  TESSERA_ASSIGN_OR_RETURN(uint64_t size, builder->Finish());
  bytes_counter += size;
  // The directory entry becomes durable with the manifest's directory fsync.
  return SstReader::Open(env_, path, number, &cache_);
}

common::Status Engine::FlushImmutable() {
  common::MutexLock manifest_lock(manifest_mutex_);
  return FlushImmutableLocked();
}

common::Status Engine::FlushImmutableLocked() {
  std::shared_ptr<MemTable> imm;
  bool no_runs;
  {
    common::MutexLock lock(mutex_);
    imm = imm_;
    no_runs = version_->runs.empty();
  }
  if (imm == nullptr) return common::Status::Ok();
  VectorIterator it(imm->Snapshot());
  // With no older run, a tombstone has nothing left to hide.
  TESSERA_ASSIGN_OR_RETURN(auto reader, BuildSst(it, no_runs, flush_bytes_));

  ManifestState state;
  std::shared_ptr<Version> v;
  std::vector<uint64_t> obsolete_logs;
  {
    common::MutexLock lock(mutex_);
    v = std::make_shared<Version>(*version_);
    if (reader) v->runs.insert(v->runs.begin(), reader);
    std::set<uint64_t> blobs(v->blob_files.begin(), v->blob_files.end());
    for (uint64_t n : imm->LogsWithBlobs()) blobs.insert(n);
    const uint64_t new_log_number = mem_->first_log();
    // Logs older than the active memtable's first log hold nothing unflushed; those that hold
    // no addressed value are garbage.
    for (auto& [number, file] : blob_readers_) {
      if (number < new_log_number && !blobs.count(number)) obsolete_logs.push_back(number);
    }
    // Logs at or past the new log_number are still replayable logs, not blob files.
    blobs.erase(blobs.lower_bound(new_log_number), blobs.end());
    v->blob_files.assign(blobs.begin(), blobs.end());
    state = CurrentManifestLocked();
    state.log_number = new_log_number;
    state.runs.clear();
    for (const auto& r : v->runs) state.runs.push_back(r->file_number());
    state.blob_files = v->blob_files;
  }
  TESSERA_RETURN_IF_ERROR(InstallManifest(state, v));
  {
    common::MutexLock lock(mutex_);
    imm_ = nullptr;
    for (uint64_t n : obsolete_logs) blob_readers_.erase(n);
  }
  flush_cv_.NotifyAll();
  ++flushes_;
  for (uint64_t n : obsolete_logs) RemoveFileLogged(LogFileName(options_.dir, n));
  logger_.Debug(kComponent, "flushed " + std::to_string(imm->Count()) + " entries");
  return common::Status::Ok();
}

common::Status Engine::Compact(bool all) {
  common::MutexLock manifest_lock(manifest_mutex_);
  std::shared_ptr<const Version> base;
  {
    common::MutexLock lock(mutex_);
    base = version_;
  }
  const size_t n = base->runs.size();
  if (n < 2) return common::Status::Ok();
  // Size-tiered pick over runs ordered newest first: take the newest run and keep adding the
  // next older one while it is no bigger than everything taken so far. Runs stay contiguous,
  // so recency order is preserved. At least two runs are merged.
  size_t k = n;
  if (!all) {
    k = 1;
    uint64_t sum = base->runs[0]->file_size();
    while (k < n && base->runs[k]->file_size() <= sum) sum += base->runs[k++]->file_size();
    k = std::max<size_t>(k, 2);
  }
  std::vector<std::unique_ptr<EntryIterator>> children;
  std::set<uint64_t> inputs;
  for (size_t i = 0; i < k; ++i) {
    children.push_back(base->runs[i]->NewIterator(false));
    inputs.insert(base->runs[i]->file_number());
  }
  auto merged = NewMergingIterator(std::move(children));
  // Tombstones can go only when the oldest run takes part: nothing older can resurface.
  TESSERA_ASSIGN_OR_RETURN(auto output, BuildSst(*merged, k == n, compaction_bytes_));

  ManifestState state;
  std::shared_ptr<Version> v;
  {
    common::MutexLock lock(mutex_);
    v = std::make_shared<Version>(*version_);
    std::vector<std::shared_ptr<SstReader>> runs;
    if (output) runs.push_back(output);
    for (const auto& r : v->runs) {
      if (!inputs.count(r->file_number())) runs.push_back(r);
    }
    v->runs = std::move(runs);
    state = CurrentManifestLocked();
    state.runs.clear();
    for (const auto& r : v->runs) state.runs.push_back(r->file_number());
  }
  TESSERA_RETURN_IF_ERROR(InstallManifest(state, v));
  ++compactions_;
  for (uint64_t f : inputs) RemoveFileLogged(SstFileName(options_.dir, f));
  logger_.Debug(kComponent,
                "compacted " + std::to_string(k) + " of " + std::to_string(n) + " runs");
  return common::Status::Ok();
}

common::Status Engine::CompactAll() {
  TESSERA_RETURN_IF_ERROR(Flush());
  const common::Status s = Compact(true);
  if (!s.ok() && s.code() != common::Code::kCorruption) SetBgError(s);
  return s;
}

common::Result<int> Engine::CollectGarbage() {
  common::MutexLock gc_lock(gc_mutex_);
  std::vector<uint64_t> candidates;
  {
    common::MutexLock lock(mutex_);
    candidates = version_->blob_files;
  }
  if (candidates.empty()) return 0;
  std::map<uint64_t, uint64_t> live;
  TESSERA_RETURN_IF_ERROR(ScanLive([&](const BlockId&, const Entry& e) {
    if (e.kind == EntryKind::kBlob) live[e.blob.file_number] += e.blob.size;
    return true;
  }));
  std::set<uint64_t> chosen;
  for (uint64_t f : candidates) {
    TESSERA_ASSIGN_OR_RETURN(uint64_t size, env_.GetFileSize(LogFileName(options_.dir, f)));
    const double garbage = size == 0 ? 1.0 : 1.0 - static_cast<double>(live[f]) / size;
    if (garbage >= options_.blob_gc_garbage_ratio) chosen.insert(f);
  }
  if (chosen.empty()) return 0;

  // Move the live values out, in bounded batches, through the ordinary durable write path.
  std::vector<std::pair<BlockId, BlobAddress>> moves;
  TESSERA_RETURN_IF_ERROR(ScanLive([&](const BlockId& k, const Entry& e) {
    if (e.kind == EntryKind::kBlob && chosen.count(e.blob.file_number))
      moves.emplace_back(k, e.blob);
    return true;
  }));
  WriteBatch batch;
  for (size_t i = 0; i < moves.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(std::string value, ReadBlob(moves[i].second));
    batch.Relocate(moves[i].first, value, moves[i].second);
    if (batch.ValueBytes() >= (16u << 20) || i + 1 == moves.size()) {
      TESSERA_RETURN_IF_ERROR(Write(batch));
      batch.Clear();
    }
  }

  common::MutexLock manifest_lock(manifest_mutex_);
  ManifestState state;
  std::shared_ptr<Version> v;
  {
    common::MutexLock lock(mutex_);
    v = std::make_shared<Version>(*version_);
    std::vector<uint64_t> kept;
    for (uint64_t f : v->blob_files) {
      if (!chosen.count(f)) kept.push_back(f);
    }
    v->blob_files = kept;
    state = CurrentManifestLocked();
    state.blob_files = kept;
  }
  TESSERA_RETURN_IF_ERROR(InstallManifest(state, v));
  {
    common::MutexLock lock(mutex_);
    for (uint64_t f : chosen) blob_readers_.erase(f);
  }
  for (uint64_t f : chosen) {
    RemoveFileLogged(LogFileName(options_.dir, f));
    logger_.Info(kComponent, "blob GC removed " + LogFileName(options_.dir, f));
  }
  blob_files_collected_ += chosen.size();
  return static_cast<int>(chosen.size());
}

}  // namespace tessera::blockserver::engine
