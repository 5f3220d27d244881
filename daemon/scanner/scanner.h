// daemon/scanner/scanner.h
//
// Scanner: compares the sync root on disk with the index and records what changed. It walks
// through the Env beneath the root (common::RootDir: symlinks are never followed, nor is
// anything outside the root reached), skips the state dir when it lies inside the root and
// the daemon's own temp files (common/temp_name.h) and folder marker, and decides "changed" by
// kind, size, mtime, ctime, inode and mode — ctime because no tool can set it back, so a
// same-size edit whose mtime was restored (touch -d) is still seen; a row from before the index
// kept ctime (0) counts as changed once, so that file is hashed again once. It re-hashes when in
// doubt: a file whose mtime or ctime is within kDoubtWindow of its hash time is hashed again on
// the next look (a same-size write within one timestamp tick is not missed), and a file that
// changed while hashed is reported for a later look. Hard links: names sharing an inode (same
// device and inode, st_nlink > 1) are one file, so when one name is seen changed, the others
// the index knows by that inode (Index::LinkedPaths) are looked at in the same pass.
// Every changed path is marked dirty in the index for the syncer. Work goes in batches of
// kBatchPaths paths: the files to read are chunked on kHashThreads threads (so one file's disk
// reads overlap another's hashing), then the batch is recorded in one index transaction. Memory
// does not grow with the tree: deletions are found by paging through the index's present paths
// (kVanishPage at a time) and looking each one up on disk, not by remembering what the walk saw,
// and the recheck list is capped (kMaxRecheckPaths, then "rescan all"). Not thread-safe: owned by
// the syncer thread (the hash workers live inside one call).
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/temp_name.h"
#include "daemon/index/index.h"
#include "daemon/scanner/file_hasher.h"

namespace tessera::daemon::scanner {

// Far above the kernel's timestamp granularity (one clock tick, a few ms, on ext4, btrfs, xfs
// and tmpfs), so a write after the hash always gives a newer mtime; small enough that a tree
// copied in and hashed a second later is not all read twice. (On a file system with 1-2 s
// timestamps, e.g. FAT, a same-size rewrite within that second can go unseen until its next
// change or the periodic rescan.)
inline constexpr std::chrono::milliseconds kDoubtWindow{500};
inline constexpr size_t kBatchPaths = 256;
inline constexpr size_t kHashThreads = 2;
// Index paths looked up on disk per page when finding deletions.
inline constexpr size_t kVanishPage = 1024;
// Past this many paths in doubt (a tree copied in and hashed at once), one full rescan looks at
// them all instead of a list of each.
inline constexpr size_t kMaxRecheckPaths = 4096;
// Other names of one hard-linked file looked at when one of them changed.
inline constexpr size_t kMaxOtherNames = 32;
// Hard-linked inodes whose other names one scan call looked up already (then forgotten: the
// names found then are unchanged, so looking again costs lstats, never a loop).
inline constexpr size_t kMaxLinkedInodes = 4096;
// Searches of every index row for a hard-linked file's other names (when its link count just
// changed, they may be recorded with one link) per ScanPaths call: each is a table scan, so a
// tree of hard links copied in costs a few, not one per file. Names not found this way are
// found by the next full scan (the link moved their ctime).
inline constexpr size_t kMaxLinkTableScans = 8;
// The file in the sync root that tells it from an empty folder made in its place
// (daemon/syncer/root_guard.h). Never synced, at any depth.
inline constexpr std::string_view kFolderMarker = ".tessera-folder";

// What to look at again soon: `paths`, or everything (`all`) when there were too many.
// Holds at most kMaxRecheckPaths paths.
struct Recheck {
  std::set<std::string> paths;
  bool all = false;

  bool empty() const { return paths.empty() && !all; }
  void Add(const std::string& path);
  // Adds everything `other` asks for (still within the cap).
  void Merge(Recheck&& other);
};

struct ScanStats {
  size_t seen = 0;
  size_t hashed = 0;
  size_t changed = 0;  // rows whose local version changed
  // Names the journal cannot hold (not valid UTF-8, a backslash...): never synced, never
  // blocking the rest. The first one's reason is kept for `tessera status`.
  size_t skipped = 0;
  std::string first_skipped;
};

class Scanner {
 public:
  // `root` and `skip_dir` are absolute; `skip_dir` (the state dir) is ignored if inside root.
  // `env`, `index` and `log` must outlive the scanner.
  Scanner(common::Env& env, index::Index& index, common::Logger& log, std::string root,
          std::string skip_dir);

  // The tag of this daemon's temp names (common::IsTempNameOf; SyncConfig::temp_tag).
  void SetTempTag(std::string tag) { temp_tag_ = std::move(tag); }
  // Removes the temp files of this daemon (those with its tag) a crash left anywhere under
  // the root. Other names with the temp prefix are left alone (a user's files; a FullScan
  // counts them as skipped).
  common::Status RemoveStaleTempFiles();
  // Walks the whole root; paths in the index but gone from disk become absent (so do paths
  // reached only through a symlink, a file, the state dir or a skipped name).
  common::Result<ScanStats> FullScan();
  // Looks at these relative paths only (a directory: its whole subtree). A path whose parent
  // is no longer a directory (replaced by a file or a symlink) is absent, with its subtree.
  common::Result<ScanStats> ScanPaths(const std::set<std::string>& paths);
  // Paths to look at again soon (in doubt, or changed while hashed); clears the list.
  Recheck TakeRecheck();

  // Observes one path whose lstat result is `st` (nullptr: absent) and records it.
  common::Status Observe(const std::string& rel, const common::FileStat* st, ScanStats& stats);

  // True for names the scanner never syncs (temp files: common::IsTempName, whatever their
  // tag; kFolderMarker).
  static bool Ignored(std::string_view name);
  // "" when nothing was skipped, else how many names and the first one's reason.
  static std::string SkippedSummary(const ScanStats& stats);

 private:
  struct Observation {
    std::string rel;
    bool present = false;  // false: the path is absent on disk
    common::FileStat st;
  };
  struct Work {
    Observation obs;
    index::FileRow row;  // what the index had (then what it gets)
    std::optional<common::wire::FileKind> kind;
    int64_t now_ns = 0;
    bool same_stat = false;
    bool unchanged = false;  // same stat and not in doubt: nothing to do
    common::Result<HashedFile> hashed = common::NotFound("not hashed");
    // Recorded as changed with more than one link: look at its other names (QueueOtherNames);
    // `links_changed`: a new name or a new link count, so the other names may be recorded yet
    // with one link (looked up among all rows).
    bool linked = false;
    bool links_changed = false;
  };
  // Adds one observation; flushes when the queue is full.
  common::Status Queue(std::vector<Observation>& queue, const std::string& rel,
                       const common::FileStat* st, ScanStats& stats);
  // Hashes what needs it (in parallel) and records the whole queue in one transaction.
  // Fills work[i] from queue[i] and what the index holds for it; lists the files to hash.
  common::Status Examine(std::vector<Observation>& queue, std::vector<Work>& work,
                         std::vector<size_t>& to_hash);
  common::Status Flush(std::vector<Observation>& queue, ScanStats& stats);
  common::Status Record(Work& work, ScanStats& stats);
  // Queues the other names (per the index) of `work`'s hard-linked file that are still names of
  // it on disk, once per inode and scan call.
  common::Status QueueOtherNames(const Work& work, std::vector<Observation>& queue);
  common::Status Walk(const std::string& rel_dir, ScanStats& stats, bool remove_temps);
  // Records as absent the index's present paths under `dir` (the whole tree when empty), `dir`
  // itself too when `with_dir`: all of them, or with `check_disk` only those OnDisk() denies.
  // Pages through the index: bounded memory.
  common::Status MarkVanished(const std::string& dir, bool with_dir, bool check_disk,
                              ScanStats& stats);
  // Whether a walk from the root would see `rel`: every parent a real directory it enters (not
  // a symlink, the state dir or a skipped name) and `rel` itself of a synced kind.
  // `dirs` caches the parents' answers (bounded; cleared when full).
  bool OnDisk(const std::string& rel, std::unordered_map<std::string, bool>& dirs) const;
  bool ParentsAreDirs(const std::string& rel, std::unordered_map<std::string, bool>& dirs) const;
  std::string Abs(const std::string& rel) const { return rel.empty() ? root_ : root_ + "/" + rel; }
  // `rel` beneath the root directory.
  common::PathAt At(const std::string& rel) const { return common::PathAt(root_dir_, rel); }
  // Opens the root afresh for one scan (a root replaced since is seen as it is now). A missing
  // root leaves root_dir_ closed: every lookup then finds nothing, as a walk of it would.
  common::Status OpenRootDir();
  // Env::Lstat beneath the root; NotFound when the root is not open.
  common::Result<common::FileStat> Lstat(const std::string& rel) const;

  common::Env& env_;
  index::Index& index_;
  common::Logger& log_;
  const std::string root_;
  const std::string skip_dir_;
  std::string temp_tag_;      // of this daemon's temp names ("" until set: the untagged form)
  common::RootDir root_dir_;  // open during a scan (OpenRootDir)
  Recheck recheck_;
  // (device, inode) of the hard-linked files whose other names this scan call queued.
  std::set<std::pair<uint64_t, uint64_t>> linked_done_;
  size_t link_table_scans_ = kMaxLinkTableScans;  // left in this scan call
  bool full_scan_ = false;                        // walking the whole root (FullScan)
};

}  // namespace tessera::daemon::scanner
