// Tests of the end-to-end harness itself (process spawning, tree snapshots), with ordinary
// system programs: they run even before the Tessera programs exist.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "tests/integration/process.h"
#include "tests/integration/tree.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::integration {
namespace {

using namespace std::chrono_literals;

TEST_CASE("harness: a child's stdout line is read and its exit status reported") {
  testutil::TempDir dir;
  auto p = Process::Spawn({"/bin/sh", "-c",
                           "echo noise; echo 'listening on http://127.0.0.1:4242'; "
                           "echo to-stderr >&2; exit 3"},
                          dir.Sub("sh.log"));
  REQUIRE(p.ok());
  auto url = (*p)->WaitForListening(10s);
  REQUIRE(url.ok());
  CHECK(*url == "http://127.0.0.1:4242");
  auto st = (*p)->Wait(10s);
  REQUIRE(st.ok());
  CHECK(st->exited);
  CHECK(st->code == 3);
  CHECK((*p)->LogTail() == "to-stderr\n");
  CHECK((*p)->StdoutSoFar().find("noise\n") == 0);
}

TEST_CASE("harness: a child that exits without the line fails fast, not at the deadline") {
  testutil::TempDir dir;
  auto p = Process::Spawn({"/bin/sh", "-c", "echo nope"}, dir.Sub("sh.log"));
  REQUIRE(p.ok());
  const auto start = std::chrono::steady_clock::now();
  auto url = (*p)->WaitForListening(60s);
  CHECK(url.status().code() == common::Code::kNotFound);
  CHECK(std::chrono::steady_clock::now() - start < 30s);
}

TEST_CASE("harness: waiting for a line that never comes times out") {
  testutil::TempDir dir;
  auto p = Process::Spawn({"/bin/sleep", "30"}, dir.Sub("sleep.log"));
  REQUIRE(p.ok());
  auto url = (*p)->WaitForListening(200ms);
  CHECK(url.status().code() == common::Code::kUnavailable);
  CHECK((*p)->Running());
}

TEST_CASE("harness: Terminate stops a child with SIGTERM and reports the signal") {
  testutil::TempDir dir;
  auto p = Process::Spawn({"/bin/sleep", "30"}, dir.Sub("sleep.log"));
  REQUIRE(p.ok());
  auto st = (*p)->Terminate(10s);
  REQUIRE(st.ok());
  CHECK_FALSE(st->exited);
  CHECK(st->signal == SIGTERM);
  CHECK_FALSE((*p)->Running());
}

TEST_CASE("harness: Terminate falls back to SIGKILL when SIGTERM is ignored") {
  testutil::TempDir dir;
  auto p = Process::Spawn({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
                          dir.Sub("sh.log"));
  REQUIRE(p.ok());
  REQUIRE((*p)->WaitForLine("ready", 10s).ok());  // the trap is installed
  auto st = (*p)->Terminate(300ms);
  REQUIRE(st.ok());
  CHECK(st->signal == SIGKILL);
}

TEST_CASE("harness: a destroyed Process leaves no child behind") {
  testutil::TempDir dir;
  pid_t pid = -1;
  {
    auto p = Process::Spawn({"/bin/sleep", "30"}, dir.Sub("sleep.log"));
    REQUIRE(p.ok());
    pid = (*p)->pid();
    REQUIRE(::kill(pid, 0) == 0);
  }
  // Reaped: the pid no longer names a process of ours (or was reused by another, unrelated
  // one, which waitpid would not report as our child).
  errno = 0;
  CHECK(::waitpid(pid, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("harness: a missing program is an error from Spawn, not a zombie") {
  testutil::TempDir dir;
  auto p = Process::Spawn({dir.Sub("no-such-program")}, dir.Sub("x.log"));
  CHECK_FALSE(p.ok());
}

TEST_CASE("harness: RunToCompletion captures the whole stdout") {
  testutil::TempDir dir;
  auto r = RunToCompletion({"/bin/sh", "-c", "printf '{\"a\":1}'"}, dir.Sub("x.log"), 10s);
  REQUIRE(r.ok());
  CHECK(r->status.Success());
  CHECK(r->stdout_text == "{\"a\":1}\n");
}

TEST_CASE("harness: snapshots see kinds, content, exec bits and links, and skip temp files") {
  testutil::TempDir a, b;
  for (const auto* t : {&a, &b}) {
    REQUIRE(WriteFile(t->Sub("f.txt"), "hello\n").ok());
    REQUIRE(::mkdir(t->Sub("d").c_str(), 0755) == 0);
    REQUIRE(WriteFile(t->Sub("d/empty"), "").ok());
    REQUIRE(::symlink("../outside", t->Sub("link").c_str()) == 0);
  }
  REQUIRE(WriteFile(b.Sub(".tessera-tmp-123"), "partial").ok());
  auto sa = SnapshotTree(a.path());
  auto sb = SnapshotTree(b.path());
  REQUIRE(sa.ok());
  REQUIRE(sb.ok());
  CHECK(*sa == *sb);
  CHECK(sa->size() == 4);
  CHECK(sa->at("link").kind == EntryKind::kSymlink);
  CHECK(sa->at("link").symlink_target == "../outside");
  CHECK(sa->at("d/empty").kind == EntryKind::kFile);
  CHECK(FindTempFiles(b.path()) == std::vector<std::string>{".tessera-tmp-123"});
  CHECK(WaitForConvergence(a.path(), b.path(), 1s).ok());

  SUBCASE("the exec bit is a difference") { REQUIRE(::chmod(b.Sub("f.txt").c_str(), 0755) == 0); }
  SUBCASE("content is a difference") { REQUIRE(WriteFile(b.Sub("f.txt"), "hellO\n").ok()); }
  SUBCASE("a retargeted link is a difference") {
    REQUIRE(::unlink(b.Sub("link").c_str()) == 0);
    REQUIRE(::symlink("elsewhere", b.Sub("link").c_str()) == 0);
  }
  SUBCASE("an extra empty directory is a difference") {
    REQUIRE(::mkdir(b.Sub("d/sub").c_str(), 0755) == 0);
  }
  const common::Status st = WaitForConvergence(a.path(), b.path(), 200ms);
  CHECK(st.code() == common::Code::kUnavailable);
  CHECK(st.message().find("still differing") != std::string::npos);
}

}  // namespace
}  // namespace tessera::integration
