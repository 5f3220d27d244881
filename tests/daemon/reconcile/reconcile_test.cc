// Tests for daemon/reconcile/reconcile.h: a table of named cases, a seeded randomized property
// check (prints its seed; TESSERA_TEST_SEED replays one), and ConflictedCopyPath names.
#include "daemon/reconcile/reconcile.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "tests/testutil/random.h"

namespace tessera::daemon {
namespace {

using common::BlockId;
using common::wire::BlockRef;
using common::wire::FileKind;
using V = std::optional<FileVersion>;

constexpr std::nullopt_t kAbsent = std::nullopt;

FileVersion File(std::string_view content, bool executable = false, int64_t mtime_ns = 1) {
  FileVersion v;
  v.kind = FileKind::kFile;
  v.size = content.size();
  v.executable = executable;
  v.mtime_ns = mtime_ns;
  if (!content.empty()) {
    v.blocks.push_back(BlockRef{BlockId::Of(content), static_cast<uint32_t>(content.size())});
  }
  return v;
}

FileVersion Dir(bool executable = true, int64_t mtime_ns = 1) {
  FileVersion v;
  v.kind = FileKind::kDir;
  v.executable = executable;
  v.mtime_ns = mtime_ns;
  return v;
}

FileVersion Link(std::string target, int64_t mtime_ns = 1) {
  FileVersion v;
  v.kind = FileKind::kSymlink;
  v.symlink_target = std::move(target);
  v.size = v.symlink_target.size();
  v.mtime_ns = mtime_ns;
  return v;
}

FileVersion WithMtime(FileVersion v, int64_t mtime_ns) {
  v.mtime_ns = mtime_ns;
  return v;
}

struct Case {
  const char* name;
  V base, local, remote;
  SyncAction want;
};

TEST_CASE("reconcile: the table of base/local/remote combinations gives the documented action") {
  const FileVersion a = File("line one\nline two\n");
  const FileVersion b = File("line one\nline 2\n");
  const FileVersion c = File("something else\n");
  const FileVersion ax = File("line one\nline two\n", /*executable=*/true);
  const FileVersion empty = File("");
  const FileVersion d = Dir();
  const FileVersion l1 = Link("target-one");
  const FileVersion l2 = Link("../../outside");

  const std::vector<Case> cases = {
      // Nothing changed anywhere.
      {"all absent", kAbsent, kAbsent, kAbsent, SyncAction::kNothing},
      {"all the same file", a, a, a, SyncAction::kNothing},
      {"only mtimes differ", a, WithMtime(a, 99), WithMtime(a, 7), SyncAction::kNothing},
      {"all the same dir", d, d, d, SyncAction::kNothing},
      {"all the same symlink", l1, l1, l1, SyncAction::kNothing},
      {"all the same empty file", empty, empty, empty, SyncAction::kNothing},

      // Only local changed.
      {"local created a file", kAbsent, a, kAbsent, SyncAction::kUpload},
      {"local created an empty file", kAbsent, empty, kAbsent, SyncAction::kUpload},
      {"local emptied a file (not a delete)", a, empty, a, SyncAction::kUpload},
      {"local edited a file", a, b, a, SyncAction::kUpload},
      {"local set only the exec bit", a, ax, a, SyncAction::kUpload},
      {"local cleared only the exec bit", ax, a, ax, SyncAction::kUpload},
      {"local deleted a file", a, kAbsent, a, SyncAction::kDeleteRemote},
      {"local deleted an empty file", empty, kAbsent, empty, SyncAction::kDeleteRemote},
      {"local created a dir", kAbsent, d, kAbsent, SyncAction::kUpload},
      {"local removed a dir", d, kAbsent, d, SyncAction::kDeleteRemote},
      {"local created a symlink", kAbsent, l1, kAbsent, SyncAction::kUpload},
      {"local retargeted a symlink", l1, l2, l1, SyncAction::kUpload},
      {"local deleted a symlink", l1, kAbsent, l1, SyncAction::kDeleteRemote},
      {"local file became a dir", a, d, a, SyncAction::kUpload},
      {"local dir became a file", d, a, d, SyncAction::kUpload},
      {"local file became a symlink", a, l1, a, SyncAction::kUpload},
      {"local symlink became a file", l1, a, l1, SyncAction::kUpload},

      // Only remote changed (the mirror images).
      {"remote created a file", kAbsent, kAbsent, a, SyncAction::kDownload},
      {"remote created an empty file", kAbsent, kAbsent, empty, SyncAction::kDownload},
      {"remote edited a file", a, a, b, SyncAction::kDownload},
      {"remote set only the exec bit", a, a, ax, SyncAction::kDownload},
      {"remote deleted a file", a, a, kAbsent, SyncAction::kDeleteLocal},
      {"remote created a dir", kAbsent, kAbsent, d, SyncAction::kDownload},
      {"remote removed a dir", d, d, kAbsent, SyncAction::kDeleteLocal},
      {"remote created a symlink", kAbsent, kAbsent, l2, SyncAction::kDownload},
      {"remote retargeted a symlink", l1, l1, l2, SyncAction::kDownload},
      {"remote file became a symlink", a, a, l1, SyncAction::kDownload},
      {"remote dir became a file", d, d, a, SyncAction::kDownload},

      // Both changed to the same thing: the base is stale.
      {"both created the same file", kAbsent, a, a, SyncAction::kRecordSynced},
      {"both made the same edit", a, b, b, SyncAction::kRecordSynced},
      {"both made the same edit, other mtimes", a, WithMtime(b, 5), WithMtime(b, 6),
       SyncAction::kRecordSynced},
      {"both deleted", a, kAbsent, kAbsent, SyncAction::kRecordSynced},
      {"both deleted a dir", d, kAbsent, kAbsent, SyncAction::kRecordSynced},
      {"both set the exec bit", a, ax, ax, SyncAction::kRecordSynced},
      {"both created the same symlink", kAbsent, l1, l1, SyncAction::kRecordSynced},
      {"both created a dir", kAbsent, d, d, SyncAction::kRecordSynced},
      {"both turned a file into a dir", a, d, d, SyncAction::kRecordSynced},
      {"both created dirs with other exec bits", kAbsent, Dir(true), Dir(false),
       SyncAction::kRecordSynced},

      // Delete vs edit: the edit wins.
      {"local deleted, remote edited", a, kAbsent, b, SyncAction::kDownload},
      {"local edited, remote deleted", a, b, kAbsent, SyncAction::kUpload},
      {"local deleted, remote set exec bit", a, kAbsent, ax, SyncAction::kDownload},
      {"local set exec bit, remote deleted", a, ax, kAbsent, SyncAction::kUpload},
      {"local deleted, remote retargeted the link", l1, kAbsent, l2, SyncAction::kDownload},
      {"local deleted, remote turned it into a dir", a, kAbsent, d, SyncAction::kDownload},
      {"local emptied, remote deleted", a, empty, kAbsent, SyncAction::kUpload},

      // Both changed differently: conflict.
      {"both created different files", kAbsent, a, b, SyncAction::kConflict},
      {"both edited differently", a, b, c, SyncAction::kConflict},
      {"one edited, other set exec bit", a, b, ax, SyncAction::kConflict},
      {"one emptied, other edited", a, empty, b, SyncAction::kConflict},
      {"both created different symlinks", kAbsent, l1, l2, SyncAction::kConflict},
      {"local made a file, remote a dir", kAbsent, a, d, SyncAction::kConflict},
      {"local made a dir, remote a file", kAbsent, d, a, SyncAction::kConflict},
      {"local made a symlink, remote a file", kAbsent, l1, a, SyncAction::kConflict},
      {"file became a dir here and a symlink there", a, d, l1, SyncAction::kConflict},
      {"dir became a file here and a symlink there", d, a, l1, SyncAction::kConflict},
      {"local edited, remote turned it into a dir", a, b, d, SyncAction::kConflict},
  };

  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(SyncActionName(Reconcile(c.base, c.local, c.remote)) == SyncActionName(c.want));
  }
}

TEST_CASE("reconcile: SameContent ignores mtime but not kind, blocks, target or exec bit") {
  CHECK(File("x", false, 1).SameContent(File("x", false, 2)));
  CHECK_FALSE(File("x").SameContent(File("y")));
  CHECK_FALSE(File("x").SameContent(File("x", true)));
  CHECK_FALSE(File("").SameContent(Dir()));
  CHECK_FALSE(Link("t").SameContent(Link("u")));
  CHECK(Link("t", 1).SameContent(Link("t", 5)));
  CHECK_FALSE(Link("").SameContent(File("")));
  CHECK(Dir(true).SameContent(Dir(false)));  // a directory's exec bit is not content
}

// ----- Randomized properties -----

// A small universe so that equal versions come up often; mtimes are random so they must never
// matter.
V RandomVersion(testutil::Random& rng) {
  const int64_t mtime = static_cast<int64_t>(rng() % 4);
  switch (rng() % 9) {
    case 0:
    case 1:
      return kAbsent;
    case 2:
      return File("alpha\n", false, mtime);
    case 3:
      return File("beta\n", false, mtime);
    case 4:
      return File("alpha\n", true, mtime);
    case 5:
      return File("", false, mtime);
    case 6:
      return Dir(rng() % 2 == 0, mtime);
    case 7:
      return Link("t1", mtime);
    default:
      return Link("/outside/root", mtime);
  }
}

bool Same(const V& a, const V& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || a->SameContent(*b);
}

SyncAction Mirror(SyncAction a) {
  switch (a) {
    case SyncAction::kUpload:
      return SyncAction::kDownload;
    case SyncAction::kDownload:
      return SyncAction::kUpload;
    case SyncAction::kDeleteRemote:
      return SyncAction::kDeleteLocal;
    case SyncAction::kDeleteLocal:
      return SyncAction::kDeleteRemote;
    default:
      return a;
  }
}

// Whether acting on `action` throws away the content one side holds. A side's content may be
// replaced only when it is what the base already was (nothing new there) or it is a delete.
bool DropsLocal(SyncAction action, const V& base, const V& local) {
  const bool replaceable = !local.has_value() || Same(base, local);
  const bool replaced = action == SyncAction::kDownload || action == SyncAction::kDeleteLocal;
  return replaced && !replaceable;
}
bool DropsRemote(SyncAction action, const V& base, const V& remote) {
  const bool replaceable = !remote.has_value() || Same(base, remote);
  const bool replaced = action == SyncAction::kUpload || action == SyncAction::kDeleteRemote;
  return replaced && !replaceable;
}

bool IsDir(const V& v) { return v.has_value() && v->kind == FileKind::kDir; }

TEST_CASE("reconcile: random triples never drop a side, are symmetric and ignore mtimes") {
  testutil::Random rng;  // a failure prints TESSERA_TEST_SEED=..., which replays it
  std::printf("reconcile property test: TESSERA_TEST_SEED=%llu\n",
              static_cast<unsigned long long>(rng.seed()));
  std::fflush(stdout);

  for (int i = 0; i < 20'000; ++i) {
    const V base = RandomVersion(rng);
    const V local = RandomVersion(rng);
    const V remote = RandomVersion(rng);
    CAPTURE(i);
    const SyncAction got = Reconcile(base, local, remote);
    CAPTURE(SyncActionName(got));

    const bool local_changed = !Same(base, local);
    const bool remote_changed = !Same(base, remote);

    // Never drop a side.
    REQUIRE_FALSE(DropsLocal(got, base, local));
    REQUIRE_FALSE(DropsRemote(got, base, remote));

    // The exact rule for each situation.
    if (!local_changed && !remote_changed) {
      REQUIRE(got == SyncAction::kNothing);
    } else if (local_changed && !remote_changed) {
      REQUIRE(got == (local ? SyncAction::kUpload : SyncAction::kDeleteRemote));
    } else if (!local_changed && remote_changed) {
      REQUIRE(got == (remote ? SyncAction::kDownload : SyncAction::kDeleteLocal));
    } else if (Same(local, remote)) {
      REQUIRE(got == SyncAction::kRecordSynced);
    } else if (!local.has_value()) {
      REQUIRE(got == SyncAction::kDownload);  // delete vs edit: the edit wins
    } else if (!remote.has_value()) {
      REQUIRE(got == SyncAction::kUpload);
    } else if (IsDir(local) && IsDir(remote)) {
      REQUIRE(got == SyncAction::kRecordSynced);
    } else {
      REQUIRE(got == SyncAction::kConflict);
    }

    // A conflict is only ever declared when both sides hold new, different content.
    if (got == SyncAction::kConflict) {
      REQUIRE(local.has_value());
      REQUIRE(remote.has_value());
      REQUIRE(local_changed);
      REQUIRE(remote_changed);
      REQUIRE_FALSE(Same(local, remote));
    }

    // Swapping local and remote swaps upload/download and the two deletes.
    REQUIRE(Reconcile(base, remote, local) == Mirror(got));

    // mtimes never decide.
    auto bump = [](V v) {
      if (v) v->mtime_ns += 1'000'000'007;
      return v;
    };
    REQUIRE(Reconcile(bump(base), bump(local), remote) == got);
    REQUIRE(Reconcile(base, local, bump(remote)) == got);
  }
}

TEST_CASE("reconcile: every action has a distinct name") {
  const std::vector<SyncAction> all = {SyncAction::kNothing,  SyncAction::kRecordSynced,
                                       SyncAction::kUpload,   SyncAction::kDeleteRemote,
                                       SyncAction::kDownload, SyncAction::kDeleteLocal,
                                       SyncAction::kConflict};
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      CHECK(SyncActionName(all[i]) != SyncActionName(all[j]));
    }
  }
  CHECK(SyncActionName(SyncAction::kConflict) == "conflict");
}

// ----- ConflictedCopyPath -----

TEST_CASE("reconcile: conflicted copy names keep the directory and the last extension") {
  const std::string_view host = "laptop";
  const std::string_view date = "2026-11-21";
  CHECK(ConflictedCopyPath("a/b.txt", host, date) ==
        "a/b (conflicted copy from laptop 2026-11-21).txt");
  CHECK(ConflictedCopyPath("noext", host, date) ==
        "noext (conflicted copy from laptop 2026-11-21)");
  // A leading '.' is part of the name, not an extension.
  CHECK(ConflictedCopyPath(".bashrc", host, date) ==
        ".bashrc (conflicted copy from laptop 2026-11-21)");
  CHECK(ConflictedCopyPath("home/.bashrc", host, date) ==
        "home/.bashrc (conflicted copy from laptop 2026-11-21)");
  // A '.' in a directory name is not an extension.
  CHECK(ConflictedCopyPath("dir.d/file", host, date) ==
        "dir.d/file (conflicted copy from laptop 2026-11-21)");
  // The extension is what follows the LAST '.' (header rule): "archive.tar" + ".gz".
  CHECK(ConflictedCopyPath("archive.tar.gz", host, date) ==
        "archive.tar (conflicted copy from laptop 2026-11-21).gz");
  CHECK(ConflictedCopyPath("x/y/z/.config.json", host, date) ==
        "x/y/z/.config (conflicted copy from laptop 2026-11-21).json");
}

}  // namespace
}  // namespace tessera::daemon
