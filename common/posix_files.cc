#include "common/posix_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace tessera::common::posix {

timespec TimespecOf(int64_t ns) {
  // Floor division, so times before the epoch keep 0 <= tv_nsec < 1e9.
  int64_t secs = ns / 1'000'000'000;
  int64_t rest = ns % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --secs;
  }
  return timespec{static_cast<time_t>(secs), static_cast<long>(rest)};
}

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, UniqueFd fd, uint64_t size, bool full_sync)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), full_sync_(full_sync) {}

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
  Status AppendHole(uint64_t n) override {
    // ftruncate makes the hole (and the size right even if the file ends in it); the next
    // write goes after it.
    const auto end = static_cast<off_t>(size_ + n);
    if (::ftruncate(fd_.get(), end) != 0) return ErrnoStatus("ftruncate " + path_, errno);
    if (::lseek(fd_.get(), end, SEEK_SET) < 0) return ErrnoStatus("lseek " + path_, errno);
    size_ += n;
    return Status::Ok();
  }
  Status Sync() override {
    if (full_sync_) {
      if (::fsync(fd_.get()) != 0) return ErrnoStatus("fsync " + path_, errno);
    } else if (::fdatasync(fd_.get()) != 0) {
      return ErrnoStatus("fdatasync " + path_, errno);
    }
    return Status::Ok();
  }
  Status Close() override {
    if (!fd_.valid()) return Status::Ok();
    if (::close(fd_.release()) != 0) return ErrnoStatus("close " + path_, errno);
    return Status::Ok();
  }
  uint64_t Size() const override { return size_; }
  Status Chmod(uint32_t mode) override {
    if (::fchmod(fd_.get(), static_cast<mode_t>(mode & 07777)) != 0) {
      return ErrnoStatus("fchmod " + path_, errno);
    }
    return Status::Ok();
  }
  Status SetMtime(int64_t mtime_ns) override {
    const timespec times[2] = {{0, UTIME_OMIT}, TimespecOf(mtime_ns)};
    if (::futimens(fd_.get(), times) != 0) return ErrnoStatus("futimens " + path_, errno);
    return Status::Ok();
  }
  Result<FileStat> Stat() const override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return ErrnoStatus("fstat " + path_, errno);
    return StatFrom(st);
  }

 private:
  std::string path_;
  UniqueFd fd_;
  uint64_t size_;
  const bool full_sync_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, UniqueFd fd, uint64_t size)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size) {}

  Result<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r =
          ::pread(fd_.get(), scratch + done, n - done, static_cast<off_t>(offset + done));
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

}  // namespace

std::unique_ptr<WritableFile> MakeWritableFile(std::string path, UniqueFd fd, uint64_t size,
                                               bool full_sync) {
  return std::make_unique<PosixWritableFile>(std::move(path), std::move(fd), size, full_sync);
}

std::unique_ptr<RandomAccessFile> MakeRandomAccessFile(std::string path, UniqueFd fd,
                                                       uint64_t size) {
  return std::make_unique<PosixRandomAccessFile>(std::move(path), std::move(fd), size);
}

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kFile;
  if (S_ISDIR(mode)) return FileType::kDir;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileStat StatFrom(const struct stat& st) {
  FileStat out;
  out.type = TypeOf(st.st_mode);
  out.size = static_cast<uint64_t>(st.st_size);
  out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  out.inode = static_cast<uint64_t>(st.st_ino);
  out.device = static_cast<uint64_t>(st.st_dev);
  out.nlink = static_cast<uint64_t>(st.st_nlink);
  out.mode = static_cast<uint32_t>(st.st_mode & 07777);
  return out;
}

}  // namespace tessera::common::posix
