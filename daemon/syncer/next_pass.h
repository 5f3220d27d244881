// daemon/syncer/next_pass.h
//
// NextPass: what the actions of one sync pass leave for the next pass to observe before it
// decides again: paths to scan again (an action found the file changed under it, or changed
// the path itself: a conflicted copy made, room made for another kind, an upload whose file
// changed), and whether the journal must be listed first (a commit or a move found it moved
// on). Actions only mark; they never scan or re-plan themselves (observe -> decide -> act).
// The SyncEngine owns one and lends it to every action of a pass.
// Not thread-safe: the syncer thread's. Bounded by what one pass touches (two paths a planned
// path at most).
#pragma once

#include <set>
#include <string>
#include <utility>

namespace tessera::daemon::syncer {

class NextPass {
 public:
  // `path` (relative) is scanned before the next pass plans.
  void Rescan(std::string path) { rescan_.insert(std::move(path)); }
  // The journal is listed before the paths are reconciled again.
  void NeedPull() { pull_ = true; }

  bool has_rescans() const { return !rescan_.empty(); }
  std::set<std::string> TakeRescans() { return std::exchange(rescan_, {}); }
  bool pull_needed() const { return pull_; }
  void Pulled() { pull_ = false; }

 private:
  std::set<std::string> rescan_;
  bool pull_ = false;
};

}  // namespace tessera::daemon::syncer
