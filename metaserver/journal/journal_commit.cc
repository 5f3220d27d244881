// Journal: construction, namespaces and CommitBatch (the two phases of commit_rules.h).
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_set>

#include "metaserver/journal/commit_rules.h"
#include "metaserver/journal/commit_validation.h"
#include "metaserver/journal/journal.h"

namespace tessera::metaserver::journal {

using common::BlockId;
using common::Result;
using common::Status;
using common::wire::CommitItem;
using common::wire::CommitOutcome;

Journal::Journal(JournalStore& store, common::Env& env, common::Logger& log)
    : store_(store), env_(env), log_(log) {}

int64_t Journal::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
      .count();
}

Result<std::optional<uint64_t>> Journal::FindNamespace(std::string_view name) {
  {
    common::MutexLock lock(ns_mutex_);
    auto it = nsids_.find(name);
    if (it != nsids_.end()) return std::optional<uint64_t>(it->second);
  }
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, store_.FindNamespace(name));
  if (nsid.has_value()) {
    // Namespaces are never deleted, so a found id stays right for the journal's life.
    common::MutexLock lock(ns_mutex_);
    nsids_.emplace(std::string(name), *nsid);
  }
  return nsid;
}

Result<uint64_t> Journal::NamespaceId(std::string_view name, bool create) {
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> found, FindNamespace(name));
  if (found.has_value()) return *found;
  if (!create) return common::NotFound("namespace " + std::string(name));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, store_.CreateNamespace(name));
  log_.Info("journal",
            "created namespace " + std::string(name) + " (nsid " + std::to_string(nsid) + ")");
  common::MutexLock lock(ns_mutex_);
  nsids_.emplace(std::string(name), nsid);
  return nsid;
}

Result<CommitOutput> Journal::CommitBatch(uint64_t nsid, std::string_view device,
                                          const std::vector<CommitItem>& items,
                                          const MissingBlocksFn& missing_blocks) {
  TESSERA_RETURN_IF_ERROR(CheckBatch(device, items.size()));

  // Phase 1, no lock held: stateless checks, then one question to the block store. The answer
  // still holds in phase 2 because blocks are only added while a batch is in flight (block
  // garbage collection must spare blocks younger than a grace period).
  std::vector<Status> item_status;
  item_status.reserve(items.size());
  for (const CommitItem& item : items) item_status.push_back(ValidateCommitItem(item));
  const std::vector<BlockId> asked = BlocksToAsk(items, item_status);
  std::unordered_set<BlockId> missing;
  if (!asked.empty()) {
    if (!missing_blocks) return common::InvalidArgument("no block store to ask");
    TESSERA_ASSIGN_OR_RETURN(const std::vector<BlockId> lacking, missing_blocks(asked));
    const std::unordered_set<BlockId> asked_set(asked.begin(), asked.end());
    for (const BlockId& id : lacking) {
      if (asked_set.contains(id)) missing.insert(id);  // ignore ids nobody asked about
    }
  }

  // Phase 2: one write transaction. Parents are checked here, under the store's write lock, so
  // no commit can slip in between the check and the append.
  const Authorship by{device, NowMs()};
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalWrite> txn, store_.BeginWrite(nsid));
  const uint64_t old_head = txn->head();
  uint64_t head = old_head;
  CommitOutput out;
  out.response.results.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const CommitItem& item = items[i];
    std::optional<PathState> latest;
    std::optional<ResolvedBlocklist> previous;
    if (item_status[i].ok()) {
      TESSERA_ASSIGN_OR_RETURN(latest, txn->Latest(item.meta.path));
      if (!CheckParent(item, item_status[i], latest) && NeedsPreviousBlocklist(item, latest)) {
        TESSERA_ASSIGN_OR_RETURN(previous, txn->Blocklist(latest->jid));
      }
    }
    CommitDecision decision =
        DecideCommit(item, item_status[i], latest, previous ? &*previous : nullptr, missing);
    if (decision.result.outcome == CommitOutcome::kCommitted) {
      const FileMeta& meta = decision.applied ? *decision.applied : item.meta;
      StoredForm stored;
      if (meta.kind == FileKind::kFile) {
        stored = ChooseStoredForm(meta.blocks, latest ? latest->jid : 0,
                                  previous ? &*previous : nullptr);
      }
      const uint64_t jid = head + 1;
      TESSERA_RETURN_IF_ERROR(txn->Append(jid, meta, stored, by));
      head = jid;
      decision.result.jid = jid;
      ++out.committed;
    }
    out.response.results.push_back(std::move(decision.result));
  }
  if (head != old_head) TESSERA_RETURN_IF_ERROR(txn->SetHead(head));
  TESSERA_RETURN_IF_ERROR(txn->Commit());
  out.head = head;
  out.response.head_before = old_head;
  out.response.head = head;
  out.response.epoch = store_.epoch();
  return out;
}

}  // namespace tessera::metaserver::journal
