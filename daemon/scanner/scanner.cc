#include "daemon/scanner/scanner.h"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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

std::optional<FileKind> KindOf(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return FileKind::kFile;
  if (S_ISDIR(st.st_mode)) return FileKind::kDir;
  if (S_ISLNK(st.st_mode)) return FileKind::kSymlink;
  return std::nullopt;  // sockets, fifos, devices: not synced
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Parent directories remembered by one MarkVanished call.
constexpr size_t kMaxCachedDirs = 4096;

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

bool Scanner::Ignored(std::string_view name) { return name.starts_with(kTempPrefix); }

Recheck Scanner::TakeRecheck() { return std::exchange(recheck_, {}); }

Status Scanner::RemoveStaleTempFiles() {
  ScanStats stats;
  return Walk("", stats, /*remove_temps=*/true);
}

common::Result<ScanStats> Scanner::FullScan() {
  ScanStats stats;
  TESSERA_RETURN_IF_ERROR(Walk("", stats, false));
  TESSERA_RETURN_IF_ERROR(MarkVanished("", /*with_dir=*/true, /*check_disk=*/true, stats));
  return stats;
}

common::Result<ScanStats> Scanner::ScanPaths(const std::set<std::string>& paths) {
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
    // lstat follows a symlink in the middle of a path: a parent that is no longer a real
    // directory means `rel` is gone for the walk, whatever lies behind the link.
    if (!ParentsAreDirs(rel, dirs)) {
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/true, /*check_disk=*/false, stats));
      continue;
    }
    struct stat st {};
    if (::lstat(Abs(rel).c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) {
        log_.Warn("scanner", "lstat " + rel + ": " + strerror(errno));
        continue;
      }
      TESSERA_RETURN_IF_ERROR(MarkVanished(rel, /*with_dir=*/true, /*check_disk=*/false, stats));
      continue;
    }
    if (Abs(rel) == skip_dir_) continue;
    TESSERA_RETURN_IF_ERROR(Observe(rel, &st, stats));
    if (S_ISDIR(st.st_mode)) {
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
    struct stat st {};
    const bool entered = !Ignored(name) && Abs(parent) != skip_dir_ &&
                         ::lstat(Abs(parent).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
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
  const std::string abs = Abs(rel);
  struct stat st {};
  return abs != skip_dir_ && ::lstat(abs.c_str(), &st) == 0 && KindOf(st).has_value();
}

Status Scanner::Walk(const std::string& rel_dir, ScanStats& stats, bool remove_temps) {
  // Iterative, so deep trees cannot overflow the stack.
  std::vector<std::string> stack{rel_dir};
  std::vector<Observation> queue;
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    std::unique_ptr<DIR, DirCloser> d(::opendir(Abs(dir).c_str()));
    if (!d) {
      if (errno != ENOENT && errno != ENOTDIR) {
        log_.Warn("scanner", "opendir " + Abs(dir) + ": " + strerror(errno));
      }
      continue;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d.get())) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    d.reset();
    for (const auto& name : names) {
      const std::string rel = dir.empty() ? name : dir + "/" + name;
      const std::string abs = Abs(rel);
      if (abs == skip_dir_) continue;
      if (Ignored(name)) {
        if (remove_temps) {
          log_.Info("scanner", "removing a temp file left by a crash: " + rel);
          (void)env_.RemoveFile(abs);
        }
        continue;
      }
      if (!common::ValidateRelativePath(rel).ok()) {
        log_.Warn("scanner", "skipping a name the journal cannot hold: " + rel);
        continue;
      }
      struct stat st {};
      if (::lstat(abs.c_str(), &st) != 0) continue;  // vanished: a later event tells
      if (!KindOf(st)) continue;
      if (!remove_temps) TESSERA_RETURN_IF_ERROR(Queue(queue, rel, &st, stats));
      if (S_ISDIR(st.st_mode)) stack.push_back(rel);
    }
  }
  return Flush(queue, stats);
}

Status Scanner::Observe(const std::string& rel, const struct stat* st, ScanStats& stats) {
  std::vector<Observation> one;
  TESSERA_RETURN_IF_ERROR(Queue(one, rel, st, stats));
  return Flush(one, stats);
}

Status Scanner::Queue(std::vector<Observation>& queue, const std::string& rel,
                      const struct stat* st, ScanStats& stats) {
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
    const struct stat& st = w.obs.st;
    w.kind = KindOf(st);
    if (!w.kind) continue;
    w.now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(env_.Now().time_since_epoch()).count();
    const int64_t mtime = MtimeNs(st);
    const index::FileRow& row = w.row;
    w.same_stat = row.local && row.local->kind == *w.kind && row.stat.inode == st.st_ino &&
                  row.stat.mtime_ns == mtime &&
                  row.stat.size == static_cast<uint64_t>(st.st_size) &&
                  row.stat.mode == static_cast<uint32_t>(st.st_mode & 07777);
    const bool in_doubt =
        *w.kind == FileKind::kFile &&
        row.stat.hashed_at_ns - mtime < std::chrono::nanoseconds(kDoubtWindow).count();
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
      work[i].hashed = HashLocalFile(env_, Abs(work[i].obs.rel), work[i].obs.st);
  } else {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t k = next++; k < to_hash.size(); k = next++) {
        Work& w = work[to_hash[k]];
        w.hashed = HashLocalFile(env_, Abs(w.obs.rel), w.obs.st);
      }
    };
    std::vector<std::jthread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }  // joined here

  // 3. Record everything in one transaction.
  return index_.InTransaction([&]() -> Status {
    for (Work& w : work) TESSERA_RETURN_IF_ERROR(Record(w, stats));
    return Status::Ok();
  });
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
    const struct stat& st = w.obs.st;
    const int64_t mtime = MtimeNs(st);
    FileVersion v;
    v.kind = *w.kind;
    v.mtime_ns = mtime;
    index::LocalStat ls;
    ls.inode = st.st_ino;
    ls.mode = static_cast<uint32_t>(st.st_mode & 07777);
    ls.mtime_ns = mtime;
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
      v.executable = (st.st_mode & S_IXUSR) != 0;
      ls.size = v.size;
      ls.format = hashed->format;
      ls.hashed_at_ns = w.now_ns;
      if (w.now_ns - mtime < std::chrono::nanoseconds(kDoubtWindow).count()) recheck_.Add(rel);
    } else if (*w.kind == FileKind::kSymlink) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(Abs(rel).c_str(), target.data(), target.size());
      if (n < 0) return Status::Ok();  // vanished
      target.resize(static_cast<size_t>(n));
      v.symlink_target = std::move(target);
      ls.size = static_cast<uint64_t>(st.st_size);
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
