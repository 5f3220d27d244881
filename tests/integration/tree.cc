#include "tests/integration/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "common/block_id.h"
#include "common/unique_fd.h"

namespace tessera::integration {
namespace {

using common::Result;
using common::Status;
using Clock = std::chrono::steady_clock;

std::string_view KindName(EntryKind k) {
  switch (k) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kDir:
      return "dir";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kOther:
      return "other";
  }
  return "?";
}

// Hashes a file's content. NotFound if it vanished.
Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return common::NotFound(path);
    return common::ErrnoStatus("open " + path, errno);
  }
  common::Sha256Hasher hasher;
  uint64_t size = 0;
  std::string buf(1 << 20, '\0');
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::ErrnoStatus("read " + path, errno);
    if (n == 0) break;
    hasher.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    size += static_cast<uint64_t>(n);
  }
  return std::make_pair(hasher.Finish().ToHex(), size);
}

Status Walk(const std::string& root, const std::string& rel, Snapshot& out, HashCache* cache) {
  const std::string dir_path = rel.empty() ? root : root + "/" + rel;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();  // vanished under us
    return common::ErrnoStatus("opendir " + dir_path, errno);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (name.rfind(kTempPrefix, 0) == 0) continue;
    if (name == ".tessera-folder") continue;  // each desktop's own folder marker, never synced
    names.push_back(name);
  }
  ::closedir(dir);

  for (const std::string& name : names) {
    const std::string child_rel = rel.empty() ? name : rel + "/" + name;
    const std::string child_path = root + "/" + child_rel;
    struct stat st;
    if (::lstat(child_path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return common::ErrnoStatus("lstat " + child_path, errno);
    }
    TreeEntry entry;
    if (S_ISDIR(st.st_mode)) {
      entry.kind = EntryKind::kDir;
      out[child_rel] = entry;
      TESSERA_RETURN_IF_ERROR(Walk(root, child_rel, out, cache));
    } else if (S_ISLNK(st.st_mode)) {
      entry.kind = EntryKind::kSymlink;
      std::string target(4096, '\0');
      const ssize_t n = ::readlink(child_path.c_str(), target.data(), target.size());
      if (n < 0) {
        if (errno == ENOENT || errno == EINVAL) continue;
        return common::ErrnoStatus("readlink " + child_path, errno);
      }
      target.resize(static_cast<size_t>(n));
      entry.symlink_target = target;
      out[child_rel] = entry;
    } else if (S_ISREG(st.st_mode)) {
      entry.kind = EntryKind::kFile;
      entry.executable = (st.st_mode & S_IXUSR) != 0;
      const HashCache::Key key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                               static_cast<uint64_t>(st.st_size),
                               st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
                               st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
      if (const std::string* known = cache != nullptr ? cache->Find(key) : nullptr) {
        entry.sha256 = *known;
        entry.size = key.size;
      } else {
        auto h = HashFile(child_path);
        if (!h.ok()) {
          if (h.status().code() == common::Code::kNotFound) continue;
          return h.status();
        }
        entry.sha256 = h->first;
        entry.size = h->second;
        // Only a file that did not change while it was read may be remembered.
        struct stat after;
        if (cache != nullptr && ::lstat(child_path.c_str(), &after) == 0 &&
            after.st_ino == st.st_ino && after.st_size == st.st_size &&
            after.st_mtim.tv_sec == st.st_mtim.tv_sec &&
            after.st_mtim.tv_nsec == st.st_mtim.tv_nsec &&
            after.st_ctim.tv_sec == st.st_ctim.tv_sec &&
            after.st_ctim.tv_nsec == st.st_ctim.tv_nsec && entry.size == key.size) {
          cache->Put(key, entry.sha256);
        }
      }
      out[child_rel] = entry;
    } else {
      entry.kind = EntryKind::kOther;
      out[child_rel] = entry;
    }
  }
  return Status::Ok();
}

void Describe(std::ostream& os, const TreeEntry& e) {
  os << KindName(e.kind);
  switch (e.kind) {
    case EntryKind::kFile:
      os << " " << e.size << " bytes sha256 " << e.sha256.substr(0, 12)
         << (e.executable ? " +x" : "");
      break;
    case EntryKind::kSymlink:
      os << " -> " << e.symlink_target;
      break;
    default:
      break;
  }
}

}  // namespace

Result<Snapshot> SnapshotTree(const std::string& root, HashCache* cache) {
  Snapshot out;
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) return common::ErrnoStatus("stat " + root, errno);
  TESSERA_RETURN_IF_ERROR(Walk(root, "", out, cache));
  return out;
}

std::string DiffSnapshots(const Snapshot& a, const Snapshot& b) {
  std::ostringstream os;
  for (const auto& [path, ea] : a) {
    auto it = b.find(path);
    if (it == b.end()) {
      os << "  only in A: " << path << " (";
      Describe(os, ea);
      os << ")\n";
    } else if (!(ea == it->second)) {
      os << "  differs: " << path << ": A ";
      Describe(os, ea);
      os << " / B ";
      Describe(os, it->second);
      os << "\n";
    }
  }
  for (const auto& [path, eb] : b) {
    if (a.count(path) == 0) {
      os << "  only in B: " << path << " (";
      Describe(os, eb);
      os << ")\n";
    }
  }
  return os.str();
}

std::string DescribeSnapshot(const Snapshot& s) {
  std::ostringstream os;
  for (const auto& [path, e] : s) {
    os << "  " << path << ": ";
    Describe(os, e);
    os << "\n";
  }
  return os.str();
}

Status WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                 std::string_view what, std::chrono::milliseconds poll) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return Status::Ok();
    if (Clock::now() >= deadline) {
      return common::Unavailable("timed out after " + std::to_string(timeout.count()) +
                                 " ms waiting for " + std::string(what));
    }
    ::poll(nullptr, 0, static_cast<int>(poll.count()));
  }
}

Status WaitForConvergenceAll(const std::vector<std::string>& roots,
                             std::chrono::milliseconds timeout, std::chrono::milliseconds poll) {
  std::string last_diff = "(never compared)";
  HashCache cache;
  const Status st = WaitUntil(
      [&] {
        std::vector<Snapshot> snaps;
        for (const std::string& r : roots) {
          auto s = SnapshotTree(r, &cache);
          if (!s.ok()) {
            last_diff = s.status().ToString();
            return false;
          }
          snaps.push_back(std::move(*s));
        }
        std::string diff;
        for (size_t i = 1; i < snaps.size(); ++i) {
          if (snaps[i] != snaps[0]) {
            diff += "A=" + roots[0] + " B=" + roots[i] + "\n" + DiffSnapshots(snaps[0], snaps[i]);
          }
        }
        last_diff = diff;
        return diff.empty();
      },
      timeout, "convergence", poll);
  if (st.ok()) return st;
  return common::Unavailable(st.message() + "; still differing:\n" + last_diff);
}

Status WaitForConvergence(const std::string& a, const std::string& b,
                          std::chrono::milliseconds timeout, std::chrono::milliseconds poll) {
  return WaitForConvergenceAll({a, b}, timeout, poll);
}

std::vector<std::string> FindTempFiles(const std::string& root) {
  std::vector<std::string> found;
  std::vector<std::string> stack = {""};
  while (!stack.empty()) {
    const std::string rel = stack.back();
    stack.pop_back();
    const std::string dir_path = rel.empty() ? root : root + "/" + rel;
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) continue;
    while (dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string child = rel.empty() ? name : rel + "/" + name;
      if (name.rfind(kTempPrefix, 0) == 0) found.push_back(child);
      struct stat st;
      if (::lstat((root + "/" + child).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        stack.push_back(child);
      }
    }
    ::closedir(dir);
  }
  return found;
}

namespace {
Status WriteWithFlags(const std::string& path, std::string_view content, int flags) {
  common::UniqueFd fd(::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return common::ErrnoStatus("open " + path, errno);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::ErrnoStatus("write " + path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}
}  // namespace

Status WriteFile(const std::string& path, std::string_view content) {
  return WriteWithFlags(path, content, O_TRUNC);
}

Status AppendFile(const std::string& path, std::string_view content) {
  return WriteWithFlags(path, content, O_APPEND);
}

Result<std::string> ReadFile(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return common::ErrnoStatus("open " + path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::ErrnoStatus("read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return common::BlockId::Of(data).ToHex(); }

}  // namespace tessera::integration
