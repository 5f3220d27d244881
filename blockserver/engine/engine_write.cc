// Engine: the write path (group commit on one write thread) and memtable switching.
#include <algorithm>

#include "blockserver/engine/engine.h"
#include "blockserver/engine/wal_format.h"

namespace tessera::blockserver::engine {

namespace {
constexpr char kComponent[] = "engine";
}

common::Status Engine::Put(const BlockId& key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(batch);
}

common::Status Engine::Delete(const BlockId& key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(batch);
}

common::Status Engine::Write(const WriteBatch& batch) {
  if (batch.empty()) return common::Status::Ok();
  for (const auto& op : batch.ops()) {
    if (op.value.size() > options_.max_value_bytes) {
      return common::InvalidArgument("engine: value of " + std::to_string(op.value.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(options_.max_value_bytes));
    }
  }
  // Bound the record: the whole batch becomes (part of) one log record.
  if (batch.ValueBytes() + batch.Count() * 64 > wal::kMaxRecordBytes / 2) {
    return common::InvalidArgument("engine: batch too large");
  }
  PendingWrite w;
  w.batch = &batch;
  common::MutexLock lock(mutex_);
  if (stopping_writes_) return common::Unavailable("engine: closed");
  if (!bg_error_.ok() && !ReopenDueLocked()) return bg_error_;
  queue_.push_back(&w);
  write_cv_.NotifyOne();
  done_cv_.Wait(mutex_, [&] { return w.done; });
  return w.status;
}

common::Status Engine::Flush() {
  PendingWrite w;
  w.force_flush = true;
  common::MutexLock lock(mutex_);
  if (stopping_writes_) return common::Unavailable("engine: closed");
  if (!bg_error_.ok() && !ReopenDueLocked()) return bg_error_;
  queue_.push_back(&w);
  write_cv_.NotifyOne();
  done_cv_.Wait(mutex_, [&] { return w.done; });
  if (!w.status.ok()) return w.status;
  flush_cv_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) {
    return imm_ == nullptr || !bg_error_.ok() || stopping_bg_;
  });
  return bg_error_;
}

void Engine::WriteThreadLoop() {
  for (;;) {
    std::vector<PendingWrite*> group;
    {
      common::MutexLock lock(mutex_);
      write_cv_.Wait(
          mutex_, [&]() TESSERA_REQUIRES(mutex_) { return stopping_writes_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued write is done
      uint64_t bytes = 0;
      while (!queue_.empty()) {
        PendingWrite* w = queue_.front();
        const uint64_t b = w->batch ? w->batch->ValueBytes() : 0;
        if (!group.empty() && bytes + b > options_.max_group_bytes) break;
        bytes += b;
        group.push_back(w);
        queue_.pop_front();
      }
    }
    const common::Status s = WriteGroup(group);
    {
      common::MutexLock lock(mutex_);
      for (PendingWrite* w : group) {
        w->status = s;
        w->done = true;
      }
    }
    done_cv_.NotifyAll();
  }
}

bool Engine::ReopenDueLocked() {
  if (reopen_due_) return true;
  if (bg_error_.code() != common::Code::kNoSpace) return false;
  const auto now = env_.Now();
  // (A clock set back by more than the interval does not hold the retry off.)
  if (now < next_reopen_ && next_reopen_ - now <= options_.reopen_interval) return false;
  reopen_due_ = true;
  return true;
}

common::Status Engine::ReopenAfterError() {
  common::Status before;
  {
    common::MutexLock lock(mutex_);
    before = bg_error_;
  }
  logger_.Info(kComponent, "reopening " + options_.dir +
                               " from disk to retry writes after: " + before.ToString());
  common::Status s = CheckDirectory();
  if (s.ok()) s = Recover(false);
  {
    common::MutexLock lock(mutex_);
    reopen_due_ = false;
    next_reopen_ = env_.Now() + options_.reopen_interval;
    if (s.ok()) {
      bg_error_ = common::Status::Ok();
    } else if (s.code() != common::Code::kNoSpace) {
      bg_error_ = s;  // worse than a full disk: stays until the engine is reopened
    }
  }
  if (s.ok()) {
    logger_.Warn(kComponent, "accepting writes again: reopened " + options_.dir +
                                 " (every acknowledged write kept)");
    bg_cv_.NotifyAll();
  } else {
    logger_.Warn(kComponent, "still refusing writes: reopen failed: " + s.ToString());
  }
  return s;
}

common::Status Engine::WriteGroup(const std::vector<PendingWrite*>& group) {
  bool reopen = false;
  {
    common::MutexLock lock(mutex_);
    if (!bg_error_.ok()) {
      if (!reopen_due_) return bg_error_;
      reopen = true;
    }
  }
  if (reopen) TESSERA_RETURN_IF_ERROR(ReopenAfterError());
  const bool force_flush =
      std::any_of(group.begin(), group.end(), [](const PendingWrite* w) { return w->force_flush; });
  TESSERA_RETURN_IF_ERROR(MakeRoomForWrite(false));

  std::vector<WalOp> ops;
  uint64_t record_bytes = wal::kRecordHeaderBytes + wal::kBatchHeaderBytes;
  uint64_t relocated = 0;
  std::optional<ReadState> rs;
  for (const PendingWrite* w : group) {
    if (w->batch == nullptr) continue;
    for (const auto& op : w->batch->ops()) {
      if (op.relocate_from) {
        // Blob GC: move the value only if the key still points at the old copy. The write
        // thread is the only writer, so nothing can change between this check and the apply.
        if (!rs) rs = GetReadState();
        auto current = LookupEntry(op.key, *rs);
        if (!current.ok()) return current.status();
        if (!*current || (*current)->kind != EntryKind::kBlob ||
            !((*current)->blob == *op.relocate_from)) {
          continue;
        }
        relocated += op.value.size();
      }
      ops.push_back(WalOp{op.is_delete, &op.key, op.value});
      record_bytes += 1 + kKeyBytes + 14 + op.value.size();
    }
  }
  if (!ops.empty()) {
    uint64_t sequence;
    std::shared_ptr<MemTable> mem;  // only this thread replaces mem_
    {
      common::MutexLock lock(mutex_);
      sequence = last_sequence_ + 1;
      mem = mem_;
    }
    std::string record(wal::kRecordHeaderBytes, '\0');
    record.reserve(record_bytes);
    std::vector<uint64_t> value_offsets;
    std::vector<uint32_t> value_crcs;
    EncodeBatchPayload(sequence, ops, record, value_offsets, value_crcs);
    auto offset = log_->AddRecord(record);
    common::Status s = offset.ok() ? log_->Sync() : offset.status();
    if (!s.ok()) {
      // The log's tail is now unknown: refuse every later write until reopened.
      SetBgError(s);
      return s;
    }
    // A log in a directory deleted under us takes writes that no restart will see.
    s = CheckDirectory();
    if (!s.ok()) {
      SetBgError(s);
      return s;
    }
    wal_bytes_ += record.size();
    ++syncs_;
    size_t value_index = 0;
    uint64_t user_bytes = 0;
    for (const WalOp& op : ops) {
      Entry e;
      if (op.is_delete) {
        e.kind = EntryKind::kTombstone;
      } else {
        const uint64_t value_offset = value_offsets[value_index];
        const uint32_t crc = value_crcs[value_index];
        ++value_index;
        user_bytes += op.value.size();
        if (op.value.size() >= options_.blob_threshold_bytes) {
          e.kind = EntryKind::kBlob;
          e.blob = BlobAddress{log_->log_number(), *offset + value_offset,
                               static_cast<uint32_t>(op.value.size()), crc};
        } else {
          e.kind = EntryKind::kValue;
          e.value.assign(op.value);
        }
      }
      mem->Add(*op.key, std::move(e));
    }
    {
      common::MutexLock lock(mutex_);
      last_sequence_ = sequence + ops.size() - 1;
    }
    user_value_bytes_ += user_bytes - relocated;
    gc_relocated_bytes_ += relocated;
    batches_ += group.size();
  }
  if (force_flush) return MakeRoomForWrite(true);
  return common::Status::Ok();
}

common::Status Engine::MakeRoomForWrite(bool force) {
  std::shared_ptr<MemTable> mem;  // only this thread replaces mem_
  {
    common::MutexLock lock(mutex_);
    mem = mem_;
  }
  const bool mem_full = mem->ApproximateBytes() >= options_.memtable_bytes;
  const bool log_full = log_->Size() >= options_.max_log_bytes;
  if (!mem_full && !log_full && !(force && mem->Count() > 0)) return common::Status::Ok();
  uint64_t number;
  {
    common::MutexLock lock(mutex_);
    // Back-pressure: at most one immutable memtable waits for its flush.
    flush_cv_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) {
      return imm_ == nullptr || !bg_error_.ok() || stopping_bg_;
    });
    if (!bg_error_.ok()) return bg_error_;
    if (imm_ != nullptr) return common::Unavailable("engine: closing");
    number = next_file_number_++;
  }
  const std::string path = LogFileName(options_.dir, number);
  auto writer = WalWriter::Create(env_, path, number);
  common::Status s = writer.status();
  if (s.ok()) s = (*writer)->Sync();
  // The new log's directory entry must be durable before a write in it is acknowledged.
  if (s.ok()) s = env_.SyncDir(options_.dir);
  std::unique_ptr<common::RandomAccessFile> reader;
  if (s.ok()) {
    auto r = env_.NewRandomAccessFile(path);
    s = r.status();
    if (s.ok()) reader = std::move(*r);
  }
  if (s.ok()) s = log_->Close();
  if (!s.ok()) {
    SetBgError(s);
    return s;
  }
  wal_bytes_ += (*writer)->Size();
  {
    common::MutexLock lock(mutex_);
    blob_readers_[number] = std::move(reader);
    imm_ = mem_;
    mem_ = std::make_shared<MemTable>(number);
    log_ = std::move(*writer);
  }
  bg_cv_.NotifyAll();
  logger_.Debug(kComponent, "switched to log " + std::to_string(number));
  return common::Status::Ok();
}

void Engine::SetBgError(const common::Status& s) {
  {
    common::MutexLock lock(mutex_);
    if (!bg_error_.ok()) return;
    bg_error_ = s;
  }
  if (s.code() == common::Code::kNoSpace) {
    logger_.Error(kComponent,
                  "refusing writes until space is back (a write retries at most every " +
                      std::to_string(options_.reopen_interval.count()) + " ms): " + s.ToString());
  } else {
    logger_.Error(kComponent, "refusing writes until restarted: " + s.ToString());
  }
  flush_cv_.NotifyAll();
  bg_cv_.NotifyAll();
}

}  // namespace tessera::blockserver::engine
