// AppendSparse and WritableFile::AppendHole: zero blocks become holes, the bytes read back are
// the same, the size is right when the file ends in a hole, and a FaultEnv's power loss cuts it
// back like appended data.
#include "common/sparse_append.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common {
namespace {

uint64_t AllocatedBytes(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

TEST_CASE("sparse append: zero blocks are holes, other bytes written, read back the same") {
  testutil::TempDir dir;
  PosixEnv env;
  const std::string path = dir.Sub("f");
  std::string want;
  {
    auto w = env.NewWritableFile(path);
    REQUIRE(w.ok());
    // Not block-aligned pieces: zeros that do not fill an aligned block are written.
    const std::string head = "head" + std::string(100, '\0');
    REQUIRE(AppendSparse(**w, head).ok());
    want += head;
    const std::string mid(8 << 20, '\0');  // 8 MiB: a hole, but for the partial block first
    REQUIRE(AppendSparse(**w, mid).ok());
    want += mid;
    std::string data(5000, 'x');
    data[10] = '\0';
    REQUIRE(AppendSparse(**w, data).ok());
    want += data;
    const std::string tail(1 << 20, '\0');  // ends in a hole
    REQUIRE(AppendSparse(**w, tail).ok());
    want += tail;
    CHECK((*w)->Size() == want.size());
    REQUIRE((*w)->Sync().ok());
    REQUIRE((*w)->Close().ok());
  }
  CHECK(*env.GetFileSize(path) == want.size());
  CHECK(*env.ReadFileToString(path) == want);
  CHECK(AllocatedBytes(path) < 256 * 1024);
}

TEST_CASE("sparse append: a file that cannot skip writes zeros (the default AppendHole)") {
  // A WritableFile that only appends: the default AppendHole writes the zeros through it.
  struct Collect final : WritableFile {
    std::string data;
    Status Append(std::string_view d) override {
      data.append(d);
      return Status::Ok();
    }
    Status Sync() override { return Status::Ok(); }
    Status Close() override { return Status::Ok(); }
    uint64_t Size() const override { return data.size(); }
    Status Chmod(uint32_t) override { return Status::Ok(); }
    Status SetMtime(int64_t) override { return Status::Ok(); }
    Result<FileStat> Stat() const override { return FileStat{}; }
  } file;
  const std::string in = std::string(3, 'a') + std::string(3 * kHoleBlock, '\0') + "z";
  REQUIRE(AppendSparse(file, in).ok());
  CHECK(file.data == in);
}

TEST_CASE("sparse append: through a FaultEnv, a hole fails like a write and is cut back") {
  testutil::TempDir dir;
  PosixEnv base;
  testutil::FaultEnv env(base);
  const std::string path = dir.Sub("f");
  auto w = env.NewWritableFile(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->Append("data").ok());
  REQUIRE((*w)->Sync().ok());
  REQUIRE(env.SyncDir(dir.path()).ok());
  REQUIRE((*w)->AppendHole(1 << 20).ok());
  CHECK((*w)->Size() == 4 + (1 << 20));
  env.FailNthOperation(0, testutil::FaultEnv::kWrite);
  CHECK(!(*w)->AppendHole(kHoleBlock).ok());
  REQUIRE((*w)->Close().ok());
  env.DropUnsyncedData();  // the hole was never fsynced: gone with the power
  auto left = base.ReadFileToString(path);
  REQUIRE(left.ok());
  CHECK(*left == "data");
}

}  // namespace
}  // namespace tessera::common
