// tests/integration/e2e_helpers.h
//
// Shared pieces of the end-to-end test files: deadlines, starting a Cluster or failing the
// test with its logs, random content (testutil::Random, testutil::RandomBytes), and small
// file-system actions that REQUIRE success. Test-only; used from the doctest main thread.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "tests/integration/cluster.h"
#include "tests/integration/tree.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::integration {

using namespace std::chrono_literals;
using testutil::RandomBytes;

// Generous: a healthy cluster converges within seconds; these only bound a broken one.
inline constexpr std::chrono::milliseconds kConverge = 20s;
inline constexpr std::chrono::milliseconds kConvergeLarge = 90s;  // 64 MiB, hundreds of files

inline std::unique_ptr<Cluster> StartClusterOrFail(const testutil::TempDir& dir,
                                                   ClusterOptions options = {}) {
  auto cluster = Cluster::Start(dir.path(), options);
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString() << "\nlogs under " << dir.path());
  return std::move(*cluster);
}

inline void RequireOk(const common::Status& st, std::string_view what) {
  REQUIRE_MESSAGE(st.ok(), what << ": " << st.ToString());
}

// Waits until the roots of daemons `a` and `b` hold the same tree; fails with the difference.
inline void RequireConverged(const Cluster& cluster, size_t a = 0, size_t b = 1,
                             std::chrono::milliseconds timeout = kConverge) {
  const common::Status st = WaitForConvergence(cluster.root(a), cluster.root(b), timeout);
  REQUIRE_MESSAGE(st.ok(), st.message());
}

// Numbered text lines "line 1 ...\n" .. "line n ...\n".
inline std::string TextLines(int n, std::string_view tag = "") {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    out += "line " + std::to_string(i) + " of a text file " + std::string(tag) + "\n";
  }
  return out;
}

inline void Write(const std::string& path, std::string_view content) {
  RequireOk(WriteFile(path, content), "write " + path);
}

inline std::string Read(const std::string& path) {
  auto r = ReadFile(path);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

inline void MakeDir(const std::string& path) {
  REQUIRE_MESSAGE(::mkdir(path.c_str(), 0755) == 0, "mkdir " << path);
}

inline bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Polls until `path` holds exactly `content` (read as a regular file).
inline void RequireContentSoon(const std::string& path, const std::string& content,
                               std::chrono::milliseconds timeout = kConverge) {
  const common::Status st = WaitUntil(
      [&] {
        auto r = ReadFile(path);
        return r.ok() && *r == content;
      },
      timeout, "the expected content in " + path);
  REQUIRE_MESSAGE(st.ok(), st.message());
}

}  // namespace tessera::integration
