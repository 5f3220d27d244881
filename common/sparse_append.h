// common/sparse_append.h
//
// AppendSparse: appends data to a WritableFile, leaving holes where it is all zeros, so a sparse
// file written back (a disk image, a database with free pages) stays sparse: every
// kHoleBlock-sized, kHoleBlock-aligned (in the file) run of zero bytes goes through
// WritableFile::AppendHole instead of being written; the rest is written as it is. Reading the
// file gives the same bytes either way. Stateless; thread safety is the file's (one owner).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace tessera::common {

// The smallest hole made: one block of the usual file systems (ext4, xfs, btrfs, tmpfs).
inline constexpr size_t kHoleBlock = 4096;

// Appends `data` to `file` as above. Adjacent zero blocks make one hole.
Status AppendSparse(WritableFile& file, std::string_view data);

}  // namespace tessera::common
