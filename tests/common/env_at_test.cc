// The file-system door's PathAt calls (common/env.h) against the real file system: plain paths
// and paths beneath a RootDir.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common {
namespace {

void Write(Env& env, const std::string& path, std::string_view data) {
  auto f = env.NewWritableFile(path);
  REQUIRE(f.ok());
  REQUIRE((*f)->Append(data).ok());
  REQUIRE((*f)->Close().ok());
}

std::vector<DirEntry> Sorted(std::vector<DirEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

TEST_CASE("env: lstat reports type, size, mtime, inode, mode and device, and never follows") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("f"), "12345");
  REQUIRE(::chmod(dir.Sub("f").c_str(), 0640) == 0);
  REQUIRE(::symlink("f", dir.Sub("link").c_str()) == 0);
  struct stat want {};
  REQUIRE(::lstat(dir.Sub("f").c_str(), &want) == 0);

  auto st = env.Lstat(dir.Sub("f"));
  REQUIRE(st.ok());
  CHECK(st->type == FileType::kFile);
  CHECK(st->size == 5);
  CHECK(st->mode == 0640);
  CHECK(st->inode == want.st_ino);
  CHECK(st->device == want.st_dev);
  CHECK(st->mtime_ns == int64_t{want.st_mtim.tv_sec} * 1'000'000'000 + want.st_mtim.tv_nsec);
  CHECK(st->ctime_ns == int64_t{want.st_ctim.tv_sec} * 1'000'000'000 + want.st_ctim.tv_nsec);

  auto link = env.Lstat(dir.Sub("link"));
  REQUIRE(link.ok());
  CHECK(link->type == FileType::kSymlink);
  CHECK(link->size == 1);
  CHECK(env.Lstat(dir.path())->type == FileType::kDir);
  CHECK(env.Lstat(dir.Sub("missing")).status().code() == Code::kNotFound);
  CHECK(env.Lstat(dir.Sub("f/under-a-file")).status().code() == Code::kNotFound);
}

TEST_CASE("env: mkdir and rmdir say Conflict for a taken name and a directory not empty") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(env.Mkdir(dir.Sub("d"), 0750).ok());
  CHECK(env.Lstat(dir.Sub("d"))->type == FileType::kDir);
  CHECK(env.Mkdir(dir.Sub("d"), 0755).code() == Code::kConflict);
  CHECK(env.Mkdir(dir.Sub("missing/d"), 0755).code() == Code::kNotFound);
  Write(env, dir.Sub("d/f"), "x");
  CHECK(env.Rmdir(dir.Sub("d")).code() == Code::kConflict);
  CHECK(env.RemoveFileAt(dir.Sub("d")).code() == Code::kInvalidArgument);
  REQUIRE(env.RemoveFileAt(dir.Sub("d/f")).ok());
  CHECK(env.RemoveFileAt(dir.Sub("d/f")).code() == Code::kNotFound);
  REQUIRE(env.Rmdir(dir.Sub("d")).ok());
  CHECK(env.Rmdir(dir.Sub("d")).code() == Code::kNotFound);
}

TEST_CASE("env: symlinks are made and read back whole, and removed as links") {
  testutil::TempDir dir;
  PosixEnv env;
  const std::string long_target = std::string(1000, 'a') + "/" + std::string(200, 'b');
  REQUIRE(env.Symlink(long_target, dir.Sub("long")).ok());
  CHECK(*env.ReadLink(dir.Sub("long")) == long_target);
  REQUIRE(env.Symlink("../elsewhere", dir.Sub("l")).ok());
  CHECK(env.Symlink("x", dir.Sub("l")).code() == Code::kConflict);
  CHECK(*env.ReadLink(dir.Sub("l")) == "../elsewhere");
  Write(env, dir.Sub("f"), "x");
  CHECK(env.ReadLink(dir.Sub("f")).status().code() == Code::kInvalidArgument);
  CHECK(env.ReadLink(dir.Sub("none")).status().code() == Code::kNotFound);
  REQUIRE(env.RemoveFileAt(dir.Sub("l")).ok());
  CHECK(env.Lstat(dir.Sub("l")).status().code() == Code::kNotFound);
}

TEST_CASE("env: chmod and set mtime change what lstat reads; a symlink is not chmodded") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("f"), "x");
  REQUIRE(env.Chmod(dir.Sub("f"), 0751).ok());
  CHECK(env.Lstat(dir.Sub("f"))->mode == 0751);
  const int64_t when = 1'600'000'000'123'456'789;
  REQUIRE(env.SetMtime(dir.Sub("f"), when).ok());
  CHECK(env.Lstat(dir.Sub("f"))->mtime_ns == when);
  REQUIRE(env.SetMtime(dir.Sub("f"), -1'500'000'000).ok());  // before the epoch
  CHECK(env.Lstat(dir.Sub("f"))->mtime_ns == -1'500'000'000);

  REQUIRE(env.Symlink("f", dir.Sub("l")).ok());
  CHECK(env.Chmod(dir.Sub("l"), 0600).code() == Code::kInvalidArgument);
  CHECK(env.Lstat(dir.Sub("f"))->mode == 0751);  // the target was not touched either
  REQUIRE(env.SetMtime(dir.Sub("l"), when + 7).ok());
  CHECK(env.Lstat(dir.Sub("l"))->mtime_ns == when + 7);
  CHECK(env.Lstat(dir.Sub("f"))->mtime_ns == -1'500'000'000);
  CHECK(env.Chmod(dir.Sub("none"), 0600).code() == Code::kNotFound);
}

TEST_CASE("env: rename replaces, and without replacing is Conflict leaving both names") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("a"), "A");
  Write(env, dir.Sub("b"), "B");
  CHECK(env.RenameAt(dir.Sub("a"), dir.Sub("b"), RenameMode::kNoReplace).code() == Code::kConflict);
  CHECK(*env.ReadFileToString(dir.Sub("a")) == "A");
  CHECK(*env.ReadFileToString(dir.Sub("b")) == "B");
  REQUIRE(env.RenameAt(dir.Sub("a"), dir.Sub("c"), RenameMode::kNoReplace).ok());
  REQUIRE(env.RenameAt(dir.Sub("c"), dir.Sub("b"), RenameMode::kReplace).ok());
  CHECK(*env.ReadFileToString(dir.Sub("b")) == "A");
  CHECK(env.RenameAt(dir.Sub("c"), dir.Sub("d"), RenameMode::kReplace).code() == Code::kNotFound);
  // Directories too; a symlink is moved as a link.
  REQUIRE(env.Mkdir(dir.Sub("d1"), 0755).ok());
  REQUIRE(env.RenameAt(dir.Sub("b"), dir.Sub("d1/b"), RenameMode::kNoReplace).ok());
  REQUIRE(env.RenameAt(dir.Sub("d1"), dir.Sub("d2"), RenameMode::kNoReplace).ok());
  CHECK(*env.ReadFileToString(dir.Sub("d2/b")) == "A");
  REQUIRE(env.Symlink("d2", dir.Sub("l")).ok());
  REQUIRE(env.RenameAt(dir.Sub("l"), dir.Sub("l2"), RenameMode::kNoReplace).ok());
  CHECK(*env.ReadLink(dir.Sub("l2")) == "d2");
  REQUIRE(env.SyncDirAt(dir.path()).ok());
}

TEST_CASE("env: an exclusive create refuses any existing name; its handle does the rest") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("taken"), "old");
  CHECK(env.CreateExclusive(dir.Sub("taken"), 0600).status().code() == Code::kConflict);
  REQUIRE(::symlink(dir.Sub("nowhere").c_str(), dir.Sub("dangling").c_str()) == 0);
  CHECK(env.CreateExclusive(dir.Sub("dangling"), 0600).status().code() == Code::kConflict);
  CHECK(!env.FileExists(dir.Sub("nowhere")));  // not created through the link
  CHECK(env.CreateExclusive(dir.Sub("no/dir"), 0600).status().code() == Code::kNotFound);

  auto f = env.CreateExclusive(dir.Sub("new"), 0600);
  REQUIRE(f.ok());
  REQUIRE((*f)->Append("hello").ok());
  REQUIRE((*f)->Chmod(0755).ok());
  REQUIRE((*f)->SetMtime(1'234'567'890'000'000'001).ok());
  REQUIRE((*f)->Sync().ok());
  auto st = (*f)->Stat();
  REQUIRE(st.ok());
  CHECK(st->type == FileType::kFile);
  CHECK(st->size == 5);
  CHECK(st->mode == 0755);
  CHECK(st->mtime_ns == 1'234'567'890'000'000'001);
  REQUIRE((*f)->Close().ok());
  CHECK(*env.Lstat(dir.Sub("new")) == *st);
  CHECK(*env.ReadFileToString(dir.Sub("new")) == "hello");
}

TEST_CASE("env: a regular file opens for pread; a symlink, a directory or a fifo does not") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("f"), "0123456789");
  auto r = env.OpenRegularFile(dir.Sub("f"));
  REQUIRE(r.ok());
  CHECK((*r)->Size() == 10);
  char buf[8];
  CHECK(*(*r)->Read(3, 4, buf) == "3456");
  CHECK(*(*r)->Read(8, 8, buf) == "89");
  REQUIRE(::symlink("f", dir.Sub("l").c_str()) == 0);
  CHECK(env.OpenRegularFile(dir.Sub("l")).status().code() == Code::kNotFound);
  CHECK(env.OpenRegularFile(dir.Sub("none")).status().code() == Code::kNotFound);
  CHECK(env.OpenRegularFile(dir.path()).status().code() == Code::kInvalidArgument);
  REQUIRE(::mkfifo(dir.Sub("fifo").c_str(), 0600) == 0);
  CHECK(env.OpenRegularFile(dir.Sub("fifo")).status().code() == Code::kInvalidArgument);
}

TEST_CASE("env: a directory lists its entries with their types, not through a symlink") {
  testutil::TempDir dir;
  PosixEnv env;
  Write(env, dir.Sub("f"), "x");
  REQUIRE(env.Mkdir(dir.Sub("d"), 0755).ok());
  REQUIRE(env.Symlink("d", dir.Sub("l")).ok());
  REQUIRE(::mkfifo(dir.Sub("p").c_str(), 0600) == 0);
  auto entries = env.ListDirEntries(dir.path());
  REQUIRE(entries.ok());
  CHECK(Sorted(*entries) == std::vector<DirEntry>{{"d", FileType::kDir},
                                                  {"f", FileType::kFile},
                                                  {"l", FileType::kSymlink},
                                                  {"p", FileType::kOther}});
  CHECK(env.ListDirEntries(dir.Sub("d"))->empty());
  CHECK(env.ListDirEntries(dir.Sub("l")).status().code() == Code::kNotFound);
  CHECK(env.ListDirEntries(dir.Sub("none")).status().code() == Code::kNotFound);
}

TEST_CASE("env: beneath a root nothing is reached through a symlink or outside the root") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(env.CreateDirs(dir.Sub("root/sub")).ok());
  REQUIRE(env.CreateDirs(dir.Sub("outside")).ok());
  Write(env, dir.Sub("outside/secret"), "s");
  Write(env, dir.Sub("root/sub/f"), "f");
  REQUIRE(::symlink(dir.Sub("outside").c_str(), dir.Sub("root/link").c_str()) == 0);
  REQUIRE(::symlink("sub", dir.Sub("root/inner").c_str()) == 0);  // even one staying inside
  auto root = env.OpenRoot(dir.Sub("root"));
  REQUIRE(root.ok());
  CHECK(root->path() == dir.Sub("root"));

  CHECK(env.Lstat({*root, "sub/f"})->size == 1);
  CHECK(env.Lstat({*root, ""})->type == FileType::kDir);
  CHECK(env.Lstat({*root, "link"})->type == FileType::kSymlink);  // the link itself
  CHECK(env.Lstat({*root, "link/secret"}).status().code() == Code::kNotFound);
  CHECK(env.Lstat({*root, "inner/f"}).status().code() == Code::kNotFound);
  CHECK(env.OpenRegularFile({*root, "link/secret"}).status().code() == Code::kNotFound);
  CHECK(env.ListDirEntries({*root, "link"}).status().code() == Code::kNotFound);
  CHECK(env.CreateExclusive({*root, "link/planted"}, 0600).status().code() == Code::kNotFound);
  CHECK(env.Mkdir({*root, "link/d"}, 0755).code() == Code::kNotFound);
  CHECK(env.Symlink("x", {*root, "link/s"}).code() == Code::kNotFound);
  CHECK(env.RenameAt({*root, "sub/f"}, {*root, "link/f"}, RenameMode::kNoReplace).code() ==
        Code::kNotFound);
  CHECK(env.RemoveFileAt({*root, "link/secret"}).code() == Code::kNotFound);
  CHECK(env.ListDir(dir.Sub("outside")).value() == std::vector<std::string>{"secret"});
  for (const char* bad :
       {"../outside/secret", "sub/../sub/f", "./sub/f", "sub//f", "/etc", "sub/f/"}) {
    CAPTURE(bad);
    CHECK(env.Lstat({*root, bad}).status().code() == Code::kInvalidArgument);
  }

  // Everything else works beneath it, and across roots and plain paths.
  REQUIRE(env.Mkdir({*root, "sub/new"}, 0755).ok());
  auto f = env.CreateExclusive({*root, "sub/new/g"}, 0644);
  REQUIRE(f.ok());
  REQUIRE((*f)->Append("g").ok());
  REQUIRE((*f)->Close().ok());
  REQUIRE(env.RenameAt({*root, "sub/new/g"}, dir.Sub("outside/g"), RenameMode::kNoReplace).ok());
  CHECK(*env.ReadFileToString(dir.Sub("outside/g")) == "g");
  REQUIRE(env.SyncDirAt({*root, "sub"}).ok());
  REQUIRE(env.SyncDirAt({*root, ""}).ok());
  CHECK(env.SyncDirAt({*root, "link"}).code() != Code::kOk);
  CHECK(Sorted(*env.ListDirEntries({*root, ""})) ==
        std::vector<DirEntry>{
            {"inner", FileType::kSymlink}, {"link", FileType::kSymlink}, {"sub", FileType::kDir}});
}

TEST_CASE("env: a root opened through a symlink is the directory it points to") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(env.CreateDirs(dir.Sub("real")).ok());
  Write(env, dir.Sub("real/f"), "x");
  REQUIRE(::symlink(dir.Sub("real").c_str(), dir.Sub("alias").c_str()) == 0);
  auto root = env.OpenRoot(dir.Sub("alias") + "/");
  REQUIRE(root.ok());
  CHECK(root->path() == dir.Sub("alias"));
  CHECK(PathAt(*root, "f").ToString() == dir.Sub("alias/f"));
  CHECK(env.Lstat({*root, "f"})->size == 1);
  CHECK(env.OpenRoot(dir.Sub("real/f")).status().code() != Code::kOk);
  CHECK(env.OpenRoot(dir.Sub("none")).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace tessera::common
