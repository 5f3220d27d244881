// End-to-end: two real daemons syncing through a real metaserver and blockserver. Each test
// changes daemon A's root (index 0) and waits for daemon B's root (index 1) to match, then
// checks the exact expected state (convergence alone would also accept a change undone).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr size_t kA = 0;
constexpr size_t kB = 1;

bool HasContentSomewhere(const std::string& dir, const std::string& sha256) {
  auto snap = SnapshotTree(dir);
  if (!snap.ok()) return false;
  for (const auto& [path, e] : *snap) {
    if (e.kind == EntryKind::kFile && e.sha256 == sha256) return true;
  }
  return false;
}

TEST_CASE("e2e: a file created on A appears on B, and both report a quiet, connected state") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);

  Write(cluster->Path(kA, "hello.txt"), "hello, world\n");
  RequireContentSoon(cluster->Path(kB, "hello.txt"), "hello, world\n");
  RequireConverged(*cluster);

  for (size_t i : {kA, kB}) {
    DaemonStatus last;
    const common::Status st = WaitUntil(
        [&] {
          auto s = cluster->StatusOf(i);
          if (!s.ok()) return false;
          last = *s;
          return s->running && s->connected && s->upload_pending_files == 0 &&
                 s->download_pending_files == 0 && s->upload_pending_bytes == 0 &&
                 s->download_pending_bytes == 0 && s->cursor > 0;
        },
        kConverge, "a quiet, connected status");
    CHECK_MESSAGE(st.ok(), "daemon " << i << ": " << last.raw);
    CHECK(last.conflicts == 0);
  }
}

TEST_CASE("e2e: editing one line, adding a line and removing a line on A reach B") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  const std::string a = cluster->Path(kA, "notes.txt");
  const std::string b = cluster->Path(kB, "notes.txt");

  std::string text = TextLines(2000);
  Write(a, text);
  RequireContentSoon(b, text);

  // Edit one line in the middle.
  const std::string old_line = "line 1000 of a text file \n";
  const size_t at = text.find(old_line);
  REQUIRE(at != std::string::npos);
  text.replace(at, old_line.size(), "line 1000 was EDITED\n");
  Write(a, text);
  RequireContentSoon(b, text);

  // Add a line near the top.
  text.insert(text.find("line 10 "), "an inserted line\n");
  Write(a, text);
  RequireContentSoon(b, text);

  // Remove a line near the end.
  const std::string gone = "line 1990 of a text file \n";
  text.erase(text.find(gone), gone.size());
  Write(a, text);
  RequireContentSoon(b, text);
  RequireConverged(*cluster);
}

TEST_CASE("e2e: a deleted file disappears on B into its trash, and an empty file is synced") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  const std::string content = "precious content, to be found in the trash\n";
  Write(cluster->Path(kA, "doomed.txt"), content);
  Write(cluster->Path(kA, "empty.txt"), "");
  RequireContentSoon(cluster->Path(kB, "doomed.txt"), content);
  RequireContentSoon(cluster->Path(kB, "empty.txt"), "");
  RequireConverged(*cluster);

  REQUIRE(::unlink(cluster->Path(kA, "doomed.txt").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "doomed.txt")));
  // The empty file is a file, not a deletion.
  CHECK(Exists(cluster->Path(kB, "empty.txt")));
  CHECK(Read(cluster->Path(kB, "empty.txt")).empty());
  // B's copy went to the trash in its state dir, not into oblivion.
  CHECK_MESSAGE(HasContentSomewhere(cluster->daemon(kB).state, Sha256Hex(content)),
                "deleted content not found under " << cluster->daemon(kB).state);

  // Emptying a file is an edit, not a delete.
  Write(cluster->Path(kA, "was-full.txt"), "some bytes\n");
  RequireContentSoon(cluster->Path(kB, "was-full.txt"), "some bytes\n");
  Write(cluster->Path(kA, "was-full.txt"), "");
  RequireContentSoon(cluster->Path(kB, "was-full.txt"), "");
  RequireConverged(*cluster);
}

TEST_CASE("e2e: a rename and a move across directories on A are the same on B") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  MakeDir(cluster->Path(kA, "from"));
  MakeDir(cluster->Path(kA, "to"));
  Write(cluster->Path(kA, "from/old-name.txt"), TextLines(50, "rename"));
  Write(cluster->Path(kA, "from/mover.bin"), "moving bytes");
  RequireContentSoon(cluster->Path(kB, "from/mover.bin"), "moving bytes");
  RequireConverged(*cluster);

  REQUIRE(::rename(cluster->Path(kA, "from/old-name.txt").c_str(),
                   cluster->Path(kA, "from/new-name.txt").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "from/old-name.txt")));
  CHECK(Read(cluster->Path(kB, "from/new-name.txt")) == TextLines(50, "rename"));

  REQUIRE(::rename(cluster->Path(kA, "from/mover.bin").c_str(),
                   cluster->Path(kA, "to/mover.bin").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "from/mover.bin")));
  CHECK(Read(cluster->Path(kB, "to/mover.bin")) == "moving bytes");

  // A whole directory renamed.
  REQUIRE(::rename(cluster->Path(kA, "to").c_str(), cluster->Path(kA, "renamed-dir").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "to")));
  CHECK(Read(cluster->Path(kB, "renamed-dir/mover.bin")) == "moving bytes");
}

TEST_CASE("e2e: an empty directory made on A appears on B, and its removal too") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  MakeDir(cluster->Path(kA, "empty-dir"));
  MakeDir(cluster->Path(kA, "empty-dir/nested"));
  RequireConverged(*cluster);
  struct stat st;
  REQUIRE(::lstat(cluster->Path(kB, "empty-dir/nested").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));

  REQUIRE(::rmdir(cluster->Path(kA, "empty-dir/nested").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "empty-dir/nested")));
  CHECK(Exists(cluster->Path(kB, "empty-dir")));

  REQUIRE(::rmdir(cluster->Path(kA, "empty-dir").c_str()) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(Exists(cluster->Path(kB, "empty-dir")));
}

TEST_CASE("e2e: symlinks are synced as links, never followed, even pointing outside the root") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  // Something outside A's root that a follower would copy.
  Write(dir.Sub("outside-secret.txt"), "must never be uploaded\n");
  Write(cluster->Path(kA, "target.txt"), "the target\n");
  REQUIRE(::symlink("target.txt", cluster->Path(kA, "inside-link").c_str()) == 0);
  REQUIRE(::symlink(dir.Sub("outside-secret.txt").c_str(),
                    cluster->Path(kA, "outside-abs-link").c_str()) == 0);
  REQUIRE(::symlink("../../outside-secret.txt", cluster->Path(kA, "outside-rel-link").c_str()) ==
          0);
  REQUIRE(::symlink("does/not/exist", cluster->Path(kA, "dangling-link").c_str()) == 0);
  RequireConverged(*cluster);

  for (const char* name :
       {"inside-link", "outside-abs-link", "outside-rel-link", "dangling-link"}) {
    CAPTURE(name);
    struct stat st;
    REQUIRE(::lstat(cluster->Path(kB, name).c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
  }
  auto snap = SnapshotTree(cluster->root(kB));
  REQUIRE(snap.ok());
  CHECK(snap->at("outside-abs-link").symlink_target == dir.Sub("outside-secret.txt"));
  CHECK(snap->at("outside-rel-link").symlink_target == "../../outside-secret.txt");
  // The secret's bytes reached no other place: not B's root, not B's state (a daemon that
  // followed the link would have uploaded and downloaded them).
  CHECK_FALSE(
      HasContentSomewhere(cluster->daemon(kB).state, Sha256Hex("must never be uploaded\n")));

  // Retargeting a link is an edit of the link.
  REQUIRE(::unlink(cluster->Path(kA, "inside-link").c_str()) == 0);
  REQUIRE(::symlink("elsewhere.txt", cluster->Path(kA, "inside-link").c_str()) == 0);
  RequireConverged(*cluster);
  auto snap2 = SnapshotTree(cluster->root(kB));
  REQUIRE(snap2.ok());
  CHECK(snap2->at("inside-link").symlink_target == "elsewhere.txt");
}

TEST_CASE("e2e: chmod +x and chmod -x on A reach B") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  const std::string script = "#!/bin/sh\necho hi\n";
  Write(cluster->Path(kA, "run.sh"), script);
  RequireContentSoon(cluster->Path(kB, "run.sh"), script);
  RequireConverged(*cluster);

  auto exec_bit = [&](size_t i) {
    struct stat st;
    return ::stat(cluster->Path(i, "run.sh").c_str(), &st) == 0 && (st.st_mode & S_IXUSR) != 0;
  };
  CHECK_FALSE(exec_bit(kB));
  REQUIRE(::chmod(cluster->Path(kA, "run.sh").c_str(), 0755) == 0);
  RequireConverged(*cluster);
  CHECK(exec_bit(kB));
  CHECK(Read(cluster->Path(kB, "run.sh")) == script);

  REQUIRE(::chmod(cluster->Path(kA, "run.sh").c_str(), 0644) == 0);
  RequireConverged(*cluster);
  CHECK_FALSE(exec_bit(kB));
}

TEST_CASE("e2e: a binary file of random bytes arrives byte for byte") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  testutil::Random rng;
  const std::string bytes = RandomBytes(rng, (1 << 20) + 12345);
  Write(cluster->Path(kA, "random.bin"), bytes);
  RequireContentSoon(cluster->Path(kB, "random.bin"), bytes);

  // Flip one byte in the middle: B gets the new bytes.
  std::string edited = bytes;
  edited[edited.size() / 2] = static_cast<char>(edited[edited.size() / 2] ^ 0x5a);
  Write(cluster->Path(kA, "random.bin"), edited);
  RequireContentSoon(cluster->Path(kB, "random.bin"), edited);
  RequireConverged(*cluster);
}

TEST_CASE("e2e: a 64 MiB file arrives intact") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  testutil::Random rng;
  const std::string bytes = RandomBytes(rng, 64u << 20);
  Write(cluster->Path(kA, "large.bin"), bytes);
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  auto snap = SnapshotTree(cluster->root(kB));
  REQUIRE(snap.ok());
  CHECK(snap->at("large.bin").sha256 == Sha256Hex(bytes));
  CHECK(FindTempFiles(cluster->root(kB)).empty());
}

TEST_CASE("e2e: a file written in many small writes while the daemon scans ends up whole") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  testutil::Random rng;
  const std::string path = cluster->Path(kA, "growing.log");
  std::string expected;
  Write(path, "");
  // 4 MiB in 1024 appends, each flushed to the kernel: the watcher fires over and over and a
  // scan may read any prefix; only the final content may be the end state.
  for (int i = 0; i < 1024; ++i) {
    std::string chunk = "record " + std::to_string(i) + " ";
    chunk += RandomBytes(rng, 4096 - chunk.size() - 1);
    for (char& c : chunk) c = static_cast<char>('a' + (static_cast<unsigned char>(c) % 26));
    chunk += '\n';
    RequireOk(AppendFile(path, chunk), "append");
    expected += chunk;
  }
  RequireContentSoon(cluster->Path(kB, "growing.log"), expected, kConvergeLarge);
  RequireConverged(*cluster);
}

TEST_CASE("e2e: many files in nested directories all arrive, and B's edits flow back to A") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  MakeDir(cluster->Path(kA, "tree"));
  for (int d = 0; d < 5; ++d) {
    const std::string sub = "tree/d" + std::to_string(d);
    MakeDir(cluster->Path(kA, sub));
    for (int f = 0; f < 40; ++f) {
      Write(cluster->Path(kA, sub + "/f" + std::to_string(f) + ".txt"),
            TextLines(f + 1, sub + std::to_string(f)));
    }
  }
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  // The other direction.
  Write(cluster->Path(kB, "tree/d3/f7.txt"), "edited on B\n");
  RequireContentSoon(cluster->Path(kA, "tree/d3/f7.txt"), "edited on B\n");
  RequireConverged(*cluster);
}

}  // namespace
}  // namespace tessera::integration
