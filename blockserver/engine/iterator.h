// blockserver/engine/iterator.h
//
// EntryIterator: a forward cursor over (key, Entry) pairs in ascending key order, the common
// shape of SST, memtable-snapshot and merging iterators. Not thread-safe; one owner.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "blockserver/engine/entry.h"
#include "common/status.h"

namespace tessera::blockserver::engine {

class EntryIterator {
 public:
  virtual ~EntryIterator() = default;
  // Valid() is false at the end and after an error (see status()).
  virtual bool Valid() const = 0;
  virtual const BlockId& key() const = 0;
  virtual const Entry& entry() const = 0;
  virtual void Next() = 0;
  virtual common::Status status() const = 0;
};

// Iterates a sorted vector it owns.
class VectorIterator final : public EntryIterator {
 public:
  explicit VectorIterator(std::vector<std::pair<BlockId, Entry>> entries)
      : entries_(std::move(entries)) {}
  bool Valid() const override { return pos_ < entries_.size(); }
  const BlockId& key() const override { return entries_[pos_].first; }
  const Entry& entry() const override { return entries_[pos_].second; }
  void Next() override { ++pos_; }
  common::Status status() const override { return common::Status::Ok(); }

 private:
  std::vector<std::pair<BlockId, Entry>> entries_;
  size_t pos_ = 0;
};

// Merges `children`, ordered newest first: for a key present in several, only the newest
// child's entry is produced (older ones are skipped). Tombstones are produced too; callers
// decide whether to drop them.
std::unique_ptr<EntryIterator> NewMergingIterator(
    std::vector<std::unique_ptr<EntryIterator>> children);

}  // namespace tessera::blockserver::engine
