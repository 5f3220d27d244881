// common/posix_files.h
//
// The file objects PosixEnv hands out, over an owned descriptor, and the conversion of a
// struct stat. Internal to PosixEnv (env_posix.cc, env_posix_at.cc): others use common/env.h.
// The objects have the thread safety env.h states for their interfaces.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>

#include "common/env.h"
#include "common/unique_fd.h"

namespace tessera::common::posix {

// `path` names the file in errors; `size` is its current length. `full_sync`: Sync() is fsync
// (data and metadata) rather than fdatasync.
std::unique_ptr<WritableFile> MakeWritableFile(std::string path, UniqueFd fd, uint64_t size,
                                               bool full_sync);
std::unique_ptr<RandomAccessFile> MakeRandomAccessFile(std::string path, UniqueFd fd,
                                                       uint64_t size);

FileType TypeOf(mode_t mode);
// `ns` since the epoch as a timespec (0 <= tv_nsec < 1e9, also before the epoch).
timespec TimespecOf(int64_t ns);
FileStat StatFrom(const struct stat& st);

}  // namespace tessera::common::posix
