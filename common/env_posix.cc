#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/env.h"
#include "common/unique_fd.h"

namespace tessera::common {

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, UniqueFd fd, uint64_t size)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size) {}
  ~PosixWritableFile() override = default;

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write " + path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (::fdatasync(fd_.get()) != 0) return ErrnoStatus("fdatasync " + path_, errno);
    return Status::Ok();
  }
  Status Close() override {
    if (!fd_.valid()) return Status::Ok();
    if (::close(fd_.release()) != 0) return ErrnoStatus("close " + path_, errno);
    return Status::Ok();
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  UniqueFd fd_;
  uint64_t size_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, UniqueFd fd, uint64_t size)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size) {}

  Result<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_.get(), scratch + done, n - done,
                                static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread " + path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return std::string_view(scratch, done);
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  UniqueFd fd_;
  uint64_t size_;
};

Result<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat " + path, errno);
  return std::unique_ptr<WritableFile>(
      std::make_unique<PosixWritableFile>(path, std::move(fd), static_cast<uint64_t>(st.st_size)));
}

}  // namespace

Result<std::unique_ptr<WritableFile>> PosixEnv::NewWritableFile(const std::string& path) {
  return OpenForWrite(path, O_TRUNC);
}

Result<std::unique_ptr<WritableFile>> PosixEnv::NewAppendableFile(const std::string& path) {
  return OpenForWrite(path, O_APPEND);
}

Result<std::unique_ptr<RandomAccessFile>> PosixEnv::NewRandomAccessFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat " + path, errno);
  return std::unique_ptr<RandomAccessFile>(std::make_unique<PosixRandomAccessFile>(
      path, std::move(fd), static_cast<uint64_t>(st.st_size)));
}

Result<std::string> PosixEnv::ReadFileToString(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool PosixEnv::FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<uint64_t> PosixEnv::GetFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<std::vector<std::string>> PosixEnv::ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir " + dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus("readdir " + dir, err);
  return names;
}

Status PosixEnv::CreateDirs(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    prefix = dir.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir " + prefix, errno);
    }
  }
  return Status::Ok();
}

Status PosixEnv::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink " + path, errno);
  return Status::Ok();
}

Status PosixEnv::RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus("rename " + from + " -> " + to, errno);
  }
  return Status::Ok();
}

Status PosixEnv::SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open dir " + dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync dir " + dir, errno);
  return Status::Ok();
}

std::chrono::system_clock::time_point PosixEnv::Now() { return std::chrono::system_clock::now(); }

}  // namespace tessera::common
