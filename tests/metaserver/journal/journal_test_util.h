// tests/metaserver/journal/journal_test_util.h
//
// Helpers shared by the metaserver tests: building commit items, a block "store" that a
// MissingBlocksFn consults (a fault-injecting stand-in for the blockserver), and one-call
// commit helpers. Not thread-safe unless said.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/wire/journal_messages.h"
#include "metaserver/journal/journal.h"

namespace tessera::metaserver::testing {

namespace wire = common::wire;

// A block of `text` as a BlockRef (id = SHA-256 of the text).
inline wire::BlockRef Ref(const std::string& text) {
  return wire::BlockRef{common::BlockId::Of(text), static_cast<uint32_t>(text.size())};
}

// A file item whose content is the concatenation of `chunks`.
inline wire::CommitItem FileItem(std::string path, uint64_t parent,
                                 const std::vector<std::string>& chunks = {"hello\n"}) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kFile;
  item.meta.mtime_ns = 1'700'000'000'000'000'000;
  item.meta.mode = 0644;
  for (const auto& chunk : chunks) {
    item.meta.blocks.push_back(Ref(chunk));
    item.meta.size += chunk.size();
  }
  return item;
}

inline wire::CommitItem DeleteItem(std::string path, uint64_t parent) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kDeleted;
  item.meta.mode = 0;
  return item;
}

inline wire::CommitItem DirItem(std::string path, uint64_t parent) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kDir;
  item.meta.mode = 0755;
  return item;
}

// The set of blocks "in the block store". Thread-safe.
class FakeBlockStore {
 public:
  // Every block of every chunk is present from now on.
  void Add(const std::vector<std::string>& chunks) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& c : chunks) present_.insert(common::BlockId::Of(c));
  }
  // The next calls fail with `status` until cleared with OK.
  void FailWith(common::Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::move(status);
  }
  int calls() const { return calls_.load(); }

  journal::MissingBlocksFn Fn() {
    return [this](const std::vector<common::BlockId>& ids)
               -> common::Result<std::vector<common::BlockId>> {
      ++calls_;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!failure_.ok()) return failure_;
      std::vector<common::BlockId> missing;
      for (const auto& id : ids) {
        if (!present_.contains(id)) missing.push_back(id);
      }
      return missing;
    };
  }

 private:
  std::mutex mutex_;
  std::set<common::BlockId> present_;
  common::Status failure_;
  std::atomic<int> calls_{0};
};

// Commits one item and returns its result; the batch itself must succeed.
inline wire::CommitResult CommitOne(journal::Journal& j, uint64_t nsid, wire::CommitItem item,
                                    FakeBlockStore& store, const std::string& device = "laptop") {
  auto out = j.CommitBatch(nsid, device, {std::move(item)}, store.Fn());
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  REQUIRE(out->response.results.size() == 1);
  return out->response.results[0];
}

}  // namespace tessera::metaserver::testing
