// End-to-end: a directory of 1,000 files renamed on daemon A arrives renamed on daemon B as ONE
// journal move (POST move, list?moves=1; docs/sync.md "Renamed directories"), byte-identical,
// with nothing uploaded or downloaded again.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/http/client.h"
#include "common/wire/journal_messages.h"
#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr size_t kA = 0;
constexpr size_t kB = 1;

std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits until both daemons have nothing queued.
void RequireQuiet(const Cluster& cluster) {
  for (size_t i : {kA, kB}) {
    DaemonStatus last;
    const common::Status st = WaitUntil(
        [&] {
          auto s = cluster.StatusOf(i);
          if (!s.ok()) return false;
          last = *s;
          return s->running && s->connected && s->upload_pending_files == 0 &&
                 s->download_pending_files == 0;
        },
        kConvergeLarge, "a quiet status");
    REQUIRE_MESSAGE(st.ok(), "daemon " << i << ": " << last.raw);
  }
}

TEST_CASE("e2e moves: a renamed directory of 1000 files is one move, applied on B as a rename") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);

  // 10 subdirectories of 100 small files each, and a file at the top.
  MakeDir(cluster->Path(kA, "project"));
  for (int d = 0; d < 10; ++d) {
    const std::string sub = "project/part" + std::to_string(d);
    MakeDir(cluster->Path(kA, sub));
    for (int f = 0; f < 100; ++f) {
      Write(cluster->Path(kA, sub + "/file" + std::to_string(f) + ".txt"),
            "file " + std::to_string(f) + " of part " + std::to_string(d) + "\n");
    }
  }
  Write(cluster->Path(kA, "project/README"), "the project\n");
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  RequireQuiet(*cluster);
  auto before = SnapshotTree(cluster->root(kB));
  REQUIRE(before.ok());
  REQUIRE(before->size() == 1 + 10 + 1000 + 1);

  auto client = common::http::HttpClient::Create(cluster->metaserver_url());
  REQUIRE(client.ok());
  auto list = [&](uint64_t cursor, bool moves) {
    auto r = (*client)->Get("/v1/ns/default/list?limit=10000&cursor=" + std::to_string(cursor) +
                            (moves ? "&moves=1" : ""));
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    REQUIRE(r->status == 200);
    return *r;
  };
  auto head0 = common::wire::DecodeListResponse(list(0, false).body);
  REQUIRE(head0.ok());
  const uint64_t h0 = head0->head;

  REQUIRE(::rename(cluster->Path(kA, "project").c_str(), cluster->Path(kA, "renamed").c_str()) ==
          0);
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  RequireQuiet(*cluster);
  RequireConverged(*cluster, kA, kB, kConverge);

  // B holds exactly the old tree under the new name; nothing is left of the old one.
  auto after = SnapshotTree(cluster->root(kB));
  REQUIRE(after.ok());
  Snapshot expected;
  for (const auto& [path, entry] : *before) {
    expected[path == "project" ? "renamed" : "renamed" + path.substr(7)] = entry;
  }
  CHECK(DiffSnapshots(expected, *after) == "");
  CHECK_FALSE(Exists(cluster->Path(kB, "project")));

  // The journal: one move entry stands for everything (2 * 1011 + 1 entries).
  const auto folded_body = list(h0, true).body;
  auto folded = common::wire::DecodeListResponse(folded_body);
  REQUIRE(folded.ok());
  std::string listed;  // named in the failure message
  for (const auto& e : folded->entries) listed += e.meta.path + "@" + std::to_string(e.jid) + " ";
  REQUIRE_MESSAGE(folded->entries.size() == 1, listed);
  CHECK(folded->entries[0].meta.path == "renamed");
  CHECK(folded->entries[0].moved_from == "project");
  CHECK(folded->entries[0].covers == 2 * 1011 + 1);
  CHECK(folded->cursor == folded->head);
  const auto plain_body = list(h0, false).body;
  MESSAGE("the move listed with moves=1: " << folded_body.size() << " bytes (without: "
                                           << plain_body.size() << " bytes)");
  CHECK(folded_body.size() < 1024);

  // A committed one move; B renamed, downloading nothing.
  const std::string log_a = FileText(cluster->daemon(kA).log_path);
  const std::string log_b = FileText(cluster->daemon(kB).log_path);
  CHECK(log_a.find("moved project -> renamed on the server (1011 paths") != std::string::npos);
  CHECK(log_b.find("moved project -> renamed (jid") != std::string::npos);
  CHECK(log_b.find("downloaded renamed/") == std::string::npos);
  CHECK(log_a.find("uploaded renamed/") == std::string::npos);
}

TEST_CASE("e2e moves: a rename on A while B edited a file inside still loses nothing") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  MakeDir(cluster->Path(kA, "docs"));
  for (int f = 0; f < 20; ++f) {
    Write(cluster->Path(kA, "docs/f" + std::to_string(f)), "v1 " + std::to_string(f) + "\n");
  }
  RequireConverged(*cluster);
  RequireQuiet(*cluster);
  // B's daemon stops; B edits a file; A renames the directory; B comes back.
  RequireOk(cluster->StopDaemon(kB), "stop B");
  Write(cluster->Path(kB, "docs/f3"), "edited on B\n");
  REQUIRE(::rename(cluster->Path(kA, "docs").c_str(), cluster->Path(kA, "papers").c_str()) == 0);
  RequireOk(WaitUntil(
                [&] {
                  // The status alone can read "nothing to upload" before A has seen the
                  // rename; its log says when the move is on the server.
                  auto s = cluster->StatusOf(kA);
                  return s.ok() && s->upload_pending_files == 0 &&
                         !Exists(cluster->Path(kA, "docs")) &&
                         FileText(cluster->daemon(kA).log_path)
                                 .find("moved docs -> papers on the server") != std::string::npos;
                },
                kConverge, "A committed the rename"),
            "A");
  RequireOk(cluster->StartDaemon(kB), "start B");
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  // B's edit survives (under the new name, or as a file B brings back).
  bool found = false;
  auto snap = SnapshotTree(cluster->root(kB));
  REQUIRE(snap.ok());
  for (const auto& [path, entry] : *snap) {
    if (entry.kind == EntryKind::kFile && Read(cluster->Path(kB, path)) == "edited on B\n") {
      found = true;
    }
  }
  CHECK(found);
  CHECK(Read(cluster->Path(kB, "papers/f0")) == "v1 0\n");
}

}  // namespace
}  // namespace tessera::integration
