#include "common/sparse_append.h"

#include <algorithm>
#include <cstring>

namespace tessera::common {

namespace {

bool AllZero(std::string_view s) {
  return s.empty() || (s[0] == '\0' && std::memcmp(s.data(), s.data() + 1, s.size() - 1) == 0);
}

}  // namespace

Status AppendSparse(WritableFile& file, std::string_view data) {
  const uint64_t start = file.Size();
  size_t pending = 0;    // data[pending, pos) is gathered, not appended yet
  bool in_hole = false;  // ... and is whole zero blocks (a hole) rather than data
  size_t pos = 0;
  auto emit = [&]() -> Status {
    if (pos > pending) {
      TESSERA_RETURN_IF_ERROR(in_hole ? file.AppendHole(pos - pending)
                                      : file.Append(data.substr(pending, pos - pending)));
    }
    pending = pos;
    return Status::Ok();
  };
  while (pos < data.size()) {
    // One piece: up to the file's next block boundary.
    const auto in_block = static_cast<size_t>((start + pos) % kHoleBlock);
    const size_t n = std::min(kHoleBlock - in_block, data.size() - pos);
    const bool zero = in_block == 0 && n == kHoleBlock && AllZero(data.substr(pos, n));
    if (zero != in_hole) {
      TESSERA_RETURN_IF_ERROR(emit());
      in_hole = zero;
    }
    pos += n;
  }
  return emit();
}

}  // namespace tessera::common
