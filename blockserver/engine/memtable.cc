#include "blockserver/engine/memtable.h"

#include <algorithm>

namespace tessera::blockserver::engine {

namespace {
// A hash node (next pointer, cached hash, key, the Entry itself) and its bucket pointer.
constexpr size_t kNodeOverhead = 8 + 8 + kKeyBytes + sizeof(Entry) + 8;
}  // namespace

void MemTable::Add(const BlockId& key, Entry entry) {
  common::WriterMutexLock lock(mutex_);
  if (entry.kind == EntryKind::kBlob) logs_with_blobs_.insert(entry.blob.file_number);
  const size_t add = kNodeOverhead + entry.value.size();
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) bytes_ -= kNodeOverhead + it->second.value.size();
  it->second = std::move(entry);
  bytes_ += add;
}

std::optional<Entry> MemTable::Get(const BlockId& key) const {
  common::ReaderMutexLock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<BlockId, Entry>> MemTable::Snapshot() const {
  std::vector<std::pair<BlockId, Entry>> out;
  {
    common::ReaderMutexLock lock(mutex_);
    out.assign(entries_.begin(), entries_.end());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

size_t MemTable::ApproximateBytes() const {
  common::ReaderMutexLock lock(mutex_);
  return bytes_;
}

size_t MemTable::Count() const {
  common::ReaderMutexLock lock(mutex_);
  return entries_.size();
}

std::set<uint64_t> MemTable::LogsWithBlobs() const {
  common::ReaderMutexLock lock(mutex_);
  return logs_with_blobs_;
}

}  // namespace tessera::blockserver::engine
