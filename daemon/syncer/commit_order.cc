#include "daemon/syncer/commit_order.h"

#include <algorithm>
#include <set>
#include <utility>

namespace tessera::daemon::syncer {

namespace {

// Every path under "dir/" sorts in ["dir/", "dir0"): '0' follows '/'.
std::string UnderBegin(const std::string& dir) { return dir + "/"; }
std::string UnderEnd(const std::string& dir) { return dir + "0"; }

// Whether committing `item` removes what is under its path on the server: a delete, or a
// file or symlink in place of a directory.
bool RemovesWhatIsUnder(const UploadItem& item) {
  return !item.local || item.local->kind != common::wire::FileKind::kDir;
}

}  // namespace

void PutDeletesAfterChildren(std::vector<UploadItem>& items) {
  std::sort(items.begin(), items.end(),
            [](const UploadItem& a, const UploadItem& b) { return a.path < b.path; });
  const auto first_at_or_after = [&](const std::string& key) {
    return static_cast<size_t>(std::lower_bound(items.begin(), items.end(), key,
                                                [](const UploadItem& item, const std::string& k) {
                                                  return item.path < k;
                                                }) -
                               items.begin());
  };
  // Each item's place: its own, or (a delete with items under it) the last of those; then
  // the items at a place in order: the one there first, then the deletes moved to it, deepest
  // (longest path, all of them ancestors of that item) first.
  struct Place {
    size_t at;
    bool moved;
    size_t depth;  // path length
    size_t index;
  };
  std::vector<Place> places;
  places.reserve(items.size());
  bool any_moved = false;
  for (size_t i = 0; i < items.size(); ++i) {
    Place p{i, false, items[i].path.size(), i};
    if (RemovesWhatIsUnder(items[i])) {
      const size_t begin = first_at_or_after(UnderBegin(items[i].path));
      const size_t end = first_at_or_after(UnderEnd(items[i].path));
      if (begin < end) {
        p.at = end - 1;
        p.moved = any_moved = true;
      }
    }
    places.push_back(p);
  }
  if (!any_moved) return;
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.moved != b.moved) return !a.moved;
    return a.depth > b.depth;
  });
  std::vector<UploadItem> ordered;
  ordered.reserve(items.size());
  for (const Place& p : places) ordered.push_back(std::move(items[p.index]));
  items = std::move(ordered);
}

common::Result<std::vector<std::string>> HoldBackDirectoryDeletes(index::Index& index,
                                                                  std::vector<UploadItem>& batch) {
  std::vector<std::string> held;
  std::set<std::string> kept_deletes;  // of this batch so far
  std::vector<UploadItem> kept;
  kept.reserve(batch.size());
  for (auto& item : batch) {
    if (!RemovesWhatIsUnder(item)) {
      kept.push_back(std::move(item));
      continue;
    }
    // What goes in this batch before it and removes a path under it: every live base under
    // it must be one of those.
    const auto begin = kept_deletes.lower_bound(UnderBegin(item.path));
    const auto end = kept_deletes.lower_bound(UnderEnd(item.path));
    const size_t before = static_cast<size_t>(std::distance(begin, end));
    TESSERA_ASSIGN_OR_RETURN(const auto live, index.LiveBasesUnder(item.path, before + 1));
    const bool waits = live.size() > before ||
                       std::any_of(live.begin(), live.end(),
                                   [&](const std::string& p) { return !kept_deletes.contains(p); });
    if (waits) {
      held.push_back(item.path);
      continue;
    }
    kept_deletes.insert(item.path);
    kept.push_back(std::move(item));
  }
  batch = std::move(kept);
  return held;
}

}  // namespace tessera::daemon::syncer
