// NamespaceService: resolving the namespace, and the journal's operations (commit, move, list,
// notify, history, entry, tree). File content is in file_content.cc.
#include "metaserver/ns/namespace_service.h"

#include <utility>

#include "common/path.h"
#include "metaserver/journal/list_rules.h"
#include "metaserver/ns/namespace_name.h"

namespace tessera::metaserver::ns {

using common::Result;
using common::Status;

NamespaceService::NamespaceService(journal::Journal& journal, Notifier& notifier,
                                   BlockAccess& blocks, common::Logger& log,
                                   NamespaceServiceOptions options)
    : journal_(journal), notifier_(notifier), blocks_(blocks), log_(log), options_(options) {}

Result<std::optional<uint64_t>> NamespaceService::Resolve(const RequestContext& ctx, bool create) {
  TESSERA_RETURN_IF_ERROR(ValidateNamespaceName(ctx.ns));
  // TODO(#11): check that ctx.user may use ctx.ns here, once.
  if (!create) return journal_.FindNamespace(ctx.ns);
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, journal_.NamespaceId(ctx.ns, /*create=*/true));
  return std::optional<uint64_t>(nsid);
}

Result<common::wire::CommitBatchResponse> NamespaceService::Commit(
    const RequestContext& ctx, std::string_view device,
    const std::vector<common::wire::CommitItem>& items) {
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/true));
  return CommitResolved(ctx, *nsid, device, items);
}

Result<common::wire::CommitBatchResponse> NamespaceService::CommitResolved(
    const RequestContext& ctx, uint64_t nsid, std::string_view device,
    const std::vector<common::wire::CommitItem>& items) {
  auto out = journal_.CommitBatch(
      nsid, device, items,
      [this](const std::vector<common::BlockId>& ids) { return blocks_.Missing(ids); });
  if (!out.ok()) {
    log_.Warn("ns", "commit ns " + ctx.ns + " from " + std::string(device) +
                        " failed, nothing written: " + out.status().ToString());
    return out.status();
  }
  // Wakes long-polls, also those that waited before this commit created the namespace.
  if (out->committed > 0) notifier_.Advance(ctx.ns, out->head);
  if (log_.Enabled(common::LogLevel::kDebug)) {
    log_.Debug("ns", "commit ns " + ctx.ns + " from " + std::string(device) + ": " +
                         std::to_string(out->committed) + "/" + std::to_string(items.size()) +
                         " committed, head " + std::to_string(out->head));
  }
  return std::move(out->response);
}

Result<common::wire::MoveResponse> NamespaceService::Move(
    const RequestContext& ctx, const common::wire::MoveRequest& request) {
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/true));
  auto out = journal_.Move(*nsid, request);
  if (!out.ok()) {
    log_.Warn("ns", "move ns " + ctx.ns + " from " + request.device +
                        " failed, nothing written: " + out.status().ToString());
    return out.status();
  }
  if (out->response.outcome == common::wire::MoveOutcome::kCommitted) {
    notifier_.Advance(ctx.ns, out->head);
  }
  return std::move(out->response);
}

Result<journal::Page> NamespaceService::List(const RequestContext& ctx,
                                             const ListRequest& request) {
  TESSERA_RETURN_IF_ERROR(journal::CheckListLimit(request.limit));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) {
    // Nothing committed yet: an empty listing, without creating the namespace.
    journal::Page empty;
    empty.cursor = request.cursor;
    empty.epoch = journal_.epoch();
    return empty;
  }
  if (request.moves) {
    return journal_.ListMoves(*nsid, request.cursor, request.limit, request.deltas);
  }
  return journal_.List(*nsid, request.cursor, request.limit, request.deltas);
}

Status NamespaceService::Notify(const RequestContext& ctx, uint64_t cursor,
                                Notifier::Clock::time_point deadline, NotifyDoneFn done,
                                CancelledFn cancelled) {
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  uint64_t head = 0;  // a namespace that does not exist yet has head 0
  if (nsid.has_value()) {
    TESSERA_ASSIGN_OR_RETURN(head, journal_.Head(*nsid));
  }
  auto answer = [done = std::move(done), epoch = journal_.epoch()](uint64_t now_head) {
    done(NotifyAnswer{now_head, epoch});
  };
  if (cursor > head) {
    // The client is ahead of this journal (another epoch?): tell it now so it can re-list.
    answer(head);
    return Status::Ok();
  }
  const Status waited =
      notifier_.Wait(ctx.ns, cursor, head, deadline, std::move(answer), std::move(cancelled));
  if (waited.code() == common::Code::kResourceExhausted) {
    log_.Warn("ns", "notify refused: " + waited.message());
    return common::Unavailable(waited.message());  // retry later
  }
  return waited;
}

Result<journal::Page> NamespaceService::History(const RequestContext& ctx, std::string_view path,
                                                uint64_t cursor, size_t limit) {
  // Bad input is refused before the namespace is looked at, as the journal would.
  TESSERA_RETURN_IF_ERROR(journal::CheckListLimit(limit));
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(path));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) return common::NotFound("namespace " + ctx.ns);
  return journal_.History(*nsid, path, cursor, limit);
}

Result<journal::Entry> NamespaceService::EntryAt(const RequestContext& ctx, uint64_t jid) {
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) return common::NotFound("namespace " + ctx.ns);
  return journal_.EntryAt(*nsid, jid);
}

Result<journal::TreePage> NamespaceService::Tree(const RequestContext& ctx,
                                                 const TreeRequest& request) {
  TESSERA_RETURN_IF_ERROR(journal::CheckTreeQuery(request.dir, request.after_path, request.limit));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) {
    if (request.at_jid > 0) {
      return common::InvalidArgument("jid " + std::to_string(request.at_jid) +
                                     " is past the head 0");
    }
    journal::TreePage empty;
    empty.epoch = journal_.epoch();
    return empty;
  }
  return journal_.Tree(*nsid, request.dir, request.at_jid, request.after_path, request.limit,
                       request.children_only);
}

}  // namespace tessera::metaserver::ns
