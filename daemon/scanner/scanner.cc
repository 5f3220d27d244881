#include "daemon/scanner/scanner.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/path.h"
#include "daemon/scanner/file_hasher.h"

namespace tessera::daemon::scanner {

using common::Status;
using common::wire::FileKind;

namespace {

bool SameOpt(const std::optional<FileVersion>& a, const std::optional<FileVersion>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || a->SameContent(*b);
}

std::optional<FileKind> KindOf(const common::FileStat& st) {
  switch (st.type) {
    case common::FileType::kFile:
      return FileKind::kFile;
    case common::FileType::kDir:
      return FileKind::kDir;
    case common::FileType::kSymlink:
      return FileKind::kSymlink;
    case common::FileType::kOther:
      break;
  }
  return std::nullopt;  // sockets, fifos, devices: not synced
}

// Parent directories remembered by one MarkVanished call.
constexpr size_t kMaxCachedDirs = 4096;

// The later of mtime and ctime: when the file last changed, even if its mtime was set back.
int64_t ChangedAt(const common::FileStat& st) { return std::max(st.mtime_ns, st.ctime_ns); }

}  // namespace

void Recheck::Add(const std::string& path) {
  if (all) return;
  if (paths.size() >= kMaxRecheckPaths) {
    paths.clear();
    all = true;
    return;
  }
  paths.insert(path);
}

void Recheck::Merge(Recheck&& other) {
  if (other.all) {
    paths.clear();
    all = true;
  }
  for (auto& path : other.paths) Add(path);
  other = Recheck{};
}

Scanner::Scanner(common::Env& env, index::Index& index, common::Logger& log, std::string root,
                 std::string skip_dir)
    : env_(env), index_(index), log_(log), root_(std::move(root)), skip_dir_(std::move(skip_dir)) {}

bool Scanner::Ignored(std::string_view name) {
  return common::IsTempName(name) || name == kFolderMarker;
}

std::string Scanner::SkippedSummary(const ScanStats& stats) {
  if (stats.skipped == 0) return "";
  return std::to_string(stats.skipped) + " name(s) not synced, e.g. " + stats.first_skipped;
}

Status Scanner::OpenRootDir() {
  linked_done_.clear();  // a new scan call
  link_table_scans_ = kMaxLinkTableScans;
  auto root = env_.OpenRoot(root_);
  if (root.ok()) {
    root_dir_ = std::move(*root);
    return Status::Ok();
  }
  root_dir_ = common::RootDir();
  if (root.status().code() == common::Code::kNotFound) return Status::Ok();
  return root.status();
}

common::Result<common::FileStat> Scanner::Lstat(const std::string& rel) const {
  if (!root_dir_.valid()) return common::NotFound("no root: " + root_);
  return env_.Lstat(At(rel));
}

Recheck Scanner::TakeRecheck() { return std::exchange(recheck_, {}); }

Status Scanner::RemoveStaleTempFiles() {
  TESSERA_RETURN_IF_ERROR(OpenRootDir());
  ScanStats stats;
  return Walk("", stats, /*remove_temps=*/true);
}

common::Result<ScanStats> Scanner::FullScan() {
  TESSERA_RETURN_IF_ERROR(OpenRootDir());
  ScanStats stats;
  full_scan_ = true;
  const Status walked = Walk("", stats, false);
  full_scan_ = false;
  TESSERA_RETURN_IF_ERROR(walked);
  TESSERA_RETURN_IF_ERROR(MarkVanished("", /*with_dir=*/true, /*check_disk=*/true, stats));
  // What `tessera status` says is skipped: as of this scan of everything.
  TESSERA_RETURN_IF_ERROR(index_.SetValue("skipped_names", SkippedSummary(stats)));
  TESSERA_RETURN_IF_ERROR(index_.SetValue("skipped_count", std::to_string(stats.skipped)));
  return stats;
}

common::Result<ScanStats> Scanner::ScanPaths(const std::set<std::string>& paths) {
  TESSERA_RETURN_IF_ERROR(OpenRootDir());
  ScanStats stats;
  std::unordered_map<std::string, bool> dirs;
  // Directories this call walked whole: paths under them were looked at already (events for a
  // copied-in tree name each directory and each of its files).
  std::unordered_set<std::string> walked;
  auto under_walked = [&](const std::string& rel) {
    for (size_t slash = rel.find('/'); slash != std::string::npos;
         slash = rel.find('/', slash + 1)) {
      if (walked.contains(rel.substr(0, slash))) return true;
    }
    return false;
  };
  for (const auto& rel : paths) {
    if (!common::ValidateRelativePath(rel).ok()) continue;
    if (!walked.empty() && under_walked(rel)) continue;
    if (dirs.size() > kMaxCachedDirs) dirs.clear();
    // A parent that is no longer a real directory (a symlink, a file, the state dir, a skipped
    // name) means `rel` is gone for the walk, whatever lies behind it.
    if (!ParentsAreDirs(rel, dirs)) {
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/true, /*check_disk=*/false, stats));
      continue;
    }
    auto st = Lstat(rel);
    if (!st.ok()) {
      if (st.status().code() != common::Code::kNotFound) {
        log_.Warn("scanner", st.status().ToString());
        continue;
      }
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/true, /*check_disk=*/false, stats));
      continue;
    }
    if (Abs(rel) == skip_dir_) continue;
    TESSERA_RETURN_IF_ERROR(Observe(rel, &*st, stats));
    if (st->type == common::FileType::kDir) {
      TESSERA_RETURN_IF_ERROR(Walk(rel, stats, false));
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/false, /*check_disk=*/true, stats));
      walked.insert(rel);
    } else {
      // A directory replaced by a file or a symlink: its old children are gone.
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/false, /*check_disk=*/false, stats));
    }
  }
  return stats;
}

Status Scanner::MarkVanished(const std::string& dir, bool with_dir, bool check_disk,
                             ScanStats& stats) {
  std::unordered_map<std::string, bool> dirs;
  std::vector<Observation> queue;
  std::string after;
  for (;;) {
    // Each page is read whole before anything is written, so no statement stays open across
    // the writes; the next page starts after the last path of this one.
    TESSERA_ASSIGN_OR_RETURN(auto page, index_.LocalPathsPage(dir, after, kVanishPage));
    for (const auto& path : page) {
      if (path == dir && !with_dir) continue;
      if (dirs.size() > kMaxCachedDirs) dirs.clear();
      if (check_disk && OnDisk(path, dirs)) continue;
      TESSERA_RETURN_IF_ERROR(Queue(queue, path, nullptr, stats));
    }
    if (page.size() < kVanishPage) break;
    after = std::move(page.back());
  }
  return Flush(queue, stats);
}

bool Scanner::ParentsAreDirs(const std::string& rel,
                             std::unordered_map<std::string, bool>& dirs) const {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string parent = rel.substr(0, slash);
    if (auto it = dirs.find(parent); it != dirs.end()) {
      if (!it->second) return false;
      continue;
    }
    const size_t name_at = parent.rfind('/');
    const std::string_view name =
        std::string_view(parent).substr(name_at == std::string::npos ? 0 : name_at + 1);
    bool entered = !Ignored(name) && Abs(parent) != skip_dir_;
    if (entered) {
      const auto st = Lstat(parent);
      entered = st.ok() && st->type == common::FileType::kDir;
    }
    dirs.emplace(std::move(parent), entered);
    if (!entered) return false;
  }
  return true;
}

bool Scanner::OnDisk(const std::string& rel, std::unordered_map<std::string, bool>& dirs) const {
  if (!common::ValidateRelativePath(rel).ok() || !ParentsAreDirs(rel, dirs)) return false;
  const size_t name_at = rel.rfind('/');
  if (Ignored(std::string_view(rel).substr(name_at == std::string::npos ? 0 : name_at + 1))) {
    return false;
  }
  if (Abs(rel) == skip_dir_) return false;
  const auto st = Lstat(rel);
  return st.ok() && KindOf(*st).has_value();
}

Status Scanner::Walk(const std::string& rel_dir, ScanStats& stats, bool remove_temps) {
  // Iterative, so deep trees cannot overflow the stack.
  std::vector<std::string> stack{rel_dir};
  std::vector<Observation> queue;
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    if (!root_dir_.valid()) break;  // no root: nothing to walk
    auto entries = env_.ListDirEntries(At(dir));
    if (!entries.ok()) {
      if (entries.status().code() != common::Code::kNotFound) {
        log_.Warn("scanner", entries.status().ToString());
      }
      continue;
    }
    for (const auto& entry : *entries) {
      const std::string& name = entry.name;
      const std::string rel = dir.empty() ? name : dir + "/" + name;
      const std::string abs = Abs(rel);
      if (abs == skip_dir_) continue;
      if (Ignored(name)) {
        const bool ours = common::IsTempNameOf(name, temp_tag_);
        if (remove_temps && ours) {
          log_.Info("scanner", "removing a temp file left by a crash: " + rel);
          (void)env_.RemoveFileAt(At(rel));
        } else if (!remove_temps && !ours && common::IsTempName(name)) {
          // Not ours: a user's file, or another install's leftover. Kept, not synced, said.
          const std::string why = "\"" + rel + "\": the prefix " +
                                  std::string(common::kTempPrefix) +
                                  " is kept for Tessera's temp files (rename it to sync it)";
          log_.Warn("scanner", "skipping a name the journal cannot hold: " + why);
          if (stats.skipped++ == 0) stats.first_skipped = why;
        }
        continue;
      }
      if (const Status valid = common::ValidateRelativePath(rel); !valid.ok()) {
        if (!remove_temps) {
          log_.Warn("scanner", "skipping a name the journal cannot hold: " + valid.message());
          if (stats.skipped++ == 0) stats.first_skipped = valid.message();
        }
        continue;
      }
      const auto st = Lstat(rel);
      if (!st.ok()) continue;  // vanished: a later event tells
      if (!KindOf(*st)) continue;
      if (!remove_temps) TESSERA_RETURN_IF_ERROR(Queue(queue, rel, &*st, stats));
      if (st->type == common::FileType::kDir) stack.push_back(rel);
    }
  }
  return Flush(queue, stats);
}

Status Scanner::Observe(const std::string& rel, const common::FileStat* st, ScanStats& stats) {
  if (!root_dir_.valid()) TESSERA_RETURN_IF_ERROR(OpenRootDir());
  std::vector<Observation> one;
  TESSERA_RETURN_IF_ERROR(Queue(one, rel, st, stats));
  return Flush(one, stats);
}

Status Scanner::Queue(std::vector<Observation>& queue, const std::string& rel,
                      const common::FileStat* st, ScanStats& stats) {
  Observation& o = queue.emplace_back();
  o.rel = rel;
  o.present = st != nullptr;
  if (st) o.st = *st;
  if (queue.size() < kBatchPaths) return Status::Ok();
  return Flush(queue, stats);
}

Status Scanner::Examine(std::vector<Observation>& queue, std::vector<Work>& work,
                        std::vector<size_t>& to_hash) {
  for (size_t i = 0; i < queue.size(); ++i) {
    Work& w = work[i];
    w.obs = std::move(queue[i]);
    TESSERA_ASSIGN_OR_RETURN(auto existing, index_.Get(w.obs.rel));
    if (existing) w.row = std::move(*existing);
    w.row.path = w.obs.rel;
    if (!w.obs.present) continue;
    const common::FileStat& st = w.obs.st;
    w.kind = KindOf(st);
    if (!w.kind) continue;
    w.now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(env_.Now().time_since_epoch()).count();
    const index::FileRow& row = w.row;
    // ctime too: an edit that restores size and mtime (touch -d) still moves it. A row without
    // one (0: written before the index kept it) never matches, so the file is hashed once more.
    w.same_stat = row.local && row.local->kind == *w.kind && row.stat.inode == st.inode &&
                  row.stat.mtime_ns == st.mtime_ns && row.stat.ctime_ns == st.ctime_ns &&
                  row.stat.size == st.size && row.stat.mode == st.mode;
    const bool in_doubt =
        *w.kind == FileKind::kFile &&
        row.stat.hashed_at_ns - ChangedAt(st) < std::chrono::nanoseconds(kDoubtWindow).count();
    w.unchanged = w.same_stat && !in_doubt;
    if (!w.unchanged && *w.kind == FileKind::kFile) to_hash.push_back(i);
  }
  return Status::Ok();
}

Status Scanner::Flush(std::vector<Observation>& queue, ScanStats& stats) {
  if (queue.empty()) return Status::Ok();
  // 1. What the index knows, and which files must be read again (one read transaction: a
  // statement on its own would take and drop the database's locks each time).
  std::vector<Work> work(queue.size());
  std::vector<size_t> to_hash;
  TESSERA_RETURN_IF_ERROR(
      index_.InTransaction([&]() -> Status { return Examine(queue, work, to_hash); }));
  queue.clear();

  // 2. Read and chunk the files on worker threads: disk reads of one overlap the hashing of
  // another. Each worker holds one read buffer; the results are bounded by the batch size.
  const size_t threads = std::min<size_t>(kHashThreads, to_hash.size());
  if (threads <= 1) {
    for (size_t i : to_hash)
      work[i].hashed = HashLocalFile(env_, At(work[i].obs.rel), work[i].obs.st);
  } else {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t k = next++; k < to_hash.size(); k = next++) {
        Work& w = work[to_hash[k]];
        w.hashed = HashLocalFile(env_, At(w.obs.rel), w.obs.st);
      }
    };
    std::vector<std::jthread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }  // joined here

  // 3. Record everything in one transaction.
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    for (Work& w : work) TESSERA_RETURN_IF_ERROR(Record(w, stats));
    return Status::Ok();
  }));

  // 4. The other names of the hard-linked files that changed, looked at in this same pass.
  std::vector<Observation> others;
  for (const Work& w : work) {
    if (w.linked) TESSERA_RETURN_IF_ERROR(QueueOtherNames(w, others));
  }
  return Flush(others, stats);
}

Status Scanner::QueueOtherNames(const Work& w, std::vector<Observation>& queue) {
  const common::FileStat& st = w.obs.st;
  if (linked_done_.size() >= kMaxLinkedInodes) linked_done_.clear();
  if (!linked_done_.emplace(st.device, st.inode).second) return Status::Ok();
  // A new name or link count: the other names may be recorded with one link yet, so all rows
  // are searched (a table scan) — but not in a full scan, which looks at every name anyway
  // (a link moved the inode's ctime for all of them), and a few times per call at most.
  const bool any_links = w.links_changed && !full_scan_ && link_table_scans_ > 0;
  if (any_links) --link_table_scans_;
  TESSERA_ASSIGN_OR_RETURN(const auto paths,
                           index_.LinkedPaths(st.inode, any_links, kMaxOtherNames));
  for (const auto& path : paths) {
    if (path == w.obs.rel) continue;
    auto other = Lstat(path);
    // Only a name of this very file (same device and inode); anything else there now is
    // another file, which its own events and the rescans look at.
    if (!other.ok() || other->type != common::FileType::kFile || other->inode != st.inode ||
        other->device != st.device) {
      continue;
    }
    Observation& o = queue.emplace_back();
    o.rel = path;
    o.present = true;
    o.st = *other;
  }
  return Status::Ok();
}

Status Scanner::Record(Work& w, ScanStats& stats) {
  index::FileRow& row = w.row;
  const std::string& rel = w.obs.rel;
  const std::optional<FileVersion> prev_local = row.local;
  ++stats.seen;

  if (!w.obs.present || !w.kind) {
    if (!row.local) return Status::Ok();  // absent and already known absent (or never known)
    row.local.reset();
    row.stat = index::LocalStat{};
  } else {
    if (w.unchanged) return Status::Ok();
    const common::FileStat& st = w.obs.st;
    const int64_t mtime = st.mtime_ns;
    FileVersion v;
    v.kind = *w.kind;
    v.mtime_ns = mtime;
    index::LocalStat ls;
    ls.inode = st.inode;
    ls.mode = st.mode;
    ls.mtime_ns = mtime;
    ls.ctime_ns = st.ctime_ns;
    ls.nlink = st.nlink;
    if (*w.kind == FileKind::kFile) {
      auto& hashed = w.hashed;
      ++stats.hashed;
      if (!hashed.ok()) {
        if (hashed.status().code() == common::Code::kConflict) {
          recheck_.Add(rel);  // written to while hashed: look again once it settles
          return Status::Ok();
        }
        if (hashed.status().code() == common::Code::kNotFound) return Status::Ok();
        log_.Warn("scanner", hashed.status().ToString());
        return Status::Ok();  // unreadable now; the next scan tries again
      }
      v.size = hashed->size;
      v.blocks = std::move(hashed->blocks);
      v.executable = (st.mode & 0100) != 0;  // S_IXUSR
      ls.size = v.size;
      ls.format = hashed->format;
      ls.hashed_at_ns = w.now_ns;
      if (w.now_ns - ChangedAt(st) < std::chrono::nanoseconds(kDoubtWindow).count()) {
        recheck_.Add(rel);
      }
      // One name of a hard-linked file changed: its other names are the same change.
      if (!w.same_stat && st.nlink > 1) {
        w.linked = true;
        w.links_changed = !prev_local || row.stat.nlink != st.nlink;
      }
    } else if (*w.kind == FileKind::kSymlink) {
      auto target = env_.ReadLink(At(rel));
      if (!target.ok()) return Status::Ok();  // vanished
      v.symlink_target = std::move(*target);
      ls.size = st.size;
    }
    if (w.same_stat && row.local && SameOpt(row.local, v) && row.stat.format == ls.format) {
      // A re-hash in doubt that found nothing new: only remember when it was hashed.
      row.stat.hashed_at_ns = ls.hashed_at_ns;
      return index_.Put(row);
    }
    row.local = std::move(v);
    row.stat = std::move(ls);
  }

  const bool content_changed = !SameOpt(prev_local, row.local);
  if (content_changed) ++stats.changed;
  if (SameOpt(row.base, row.local) && row.base_jid > 0) {
    row.state = index::SyncState::kSynced;
  } else if (row.state != index::SyncState::kError || content_changed) {
    row.state = index::SyncState::kDirty;
    row.error.clear();
  }
  if (row.base_jid == 0 && !row.base && !row.local) return index_.Remove(rel);
  return index_.Put(row);
}

}  // namespace tessera::daemon::scanner
