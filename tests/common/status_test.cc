#include "common/status.h"

#include <doctest/doctest.h>

#include <cerrno>

#include "common/result.h"

namespace tessera::common {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  TESSERA_ASSIGN_OR_RETURN(const int h, Half(x));
  TESSERA_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST_CASE("status: codes print with their names and context") {
  CHECK(Status::Ok().ToString() == "OK");
  CHECK(NotFound("x").ToString() == "NotFound: x");
  CHECK(Corruption("crc").WithContext("wal 3").ToString() == "Corruption: wal 3: crc");
  CHECK(ErrnoStatus("write f", ENOSPC).code() == Code::kNoSpace);
  CHECK(ErrnoStatus("write f", EDQUOT).code() == Code::kNoSpace);
  CHECK(ErrnoStatus("open f", ENOENT).code() == Code::kNotFound);
  CHECK(ErrnoStatus("read f", EIO).code() == Code::kIOError);
}

TEST_CASE("result: values and errors propagate through the macros") {
  int out = 0;
  CHECK(Quarter(8, &out).ok());
  CHECK(out == 2);
  CHECK(Quarter(6, &out).code() == Code::kInvalidArgument);
  CHECK(Half(3).status().message() == "odd");
}

}  // namespace
}  // namespace tessera::common
