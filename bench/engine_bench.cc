// engine_bench: the block engine next to RocksDB and SQLite on the same workloads, same run.
// See scripts/bench-engine and docs/engine.md. Each store runs in its own child process so its
// peak RSS and I/O counters are its own.
//
//   1. --n1 random 32-byte keys with --v1-byte values, batches of --batch, durable per batch
//   2. --n2 values of --v2 bytes, the same way (separate data directory)
//   3. --reads random point reads of existing keys from (1): cold (store reopened, page cache
//      of its files dropped with posix_fadvise), warm (same keys again), and of missing keys
//   4. --mixed ops on 2 threads: 90% reads of existing keys, 10% durable single-key writes
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/stores.h"

namespace tessera::bench {
namespace {

struct Flags {
  uint64_t n1 = 1'000'000, v1 = 1024, n2 = 100'000, v2 = 256 * 1024, batch = 100;
  uint64_t reads = 200'000, mixed = 100'000;
  std::string dir = "bench-data";
  std::vector<std::string> stores = {"tessera", "rocksdb", "sqlite"};
  bool skip2 = false;
};

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// /proc/self/io wchar: bytes this process (all threads) passed to write(2) and friends.
uint64_t BytesWritten() {
  std::ifstream io("/proc/self/io");
  std::string name;
  uint64_t v;
  while (io >> name >> v) {
    if (name == "wchar:") return v;
  }
  return 0;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// Evicts the store's files from the page cache (clean pages only; we sync first).
void DropPageCache(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// Deterministic keys and incompressible values shared by every store.
class Data {
 public:
  explicit Data(uint64_t seed) : pool_(64u << 20, '\0') {
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i + 8 <= pool_.size(); i += 8) {
      const uint64_t x = rng();
      std::memcpy(&pool_[i], &x, 8);
    }
  }
  // splitmix64 over (space, i): cheap, so key generation does not dominate read timings.
  static std::string Key(uint64_t space, uint64_t i) {
    std::string k(32, '\0');
    uint64_t x = space * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull;
    for (int j = 0; j < 4; ++j) {
      x += 0x9e3779b97f4a7c15ull;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      std::memcpy(&k[j * 8], &z, 8);
    }
    return k;
  }
  std::string_view Value(uint64_t i, size_t size) const {
    const size_t off = (i * 4099) % (pool_.size() - size);
    return std::string_view(pool_).substr(off, size);
  }

 private:
  std::string pool_;
};

using Results = std::vector<std::pair<std::string, double>>;

bool Load(Store& s, const Data& d, uint64_t space, uint64_t n, uint64_t vsize, uint64_t batch) {
  std::vector<std::string> keys;
  std::vector<KV> kv;
  for (uint64_t i = 0; i < n; i += batch) {
    keys.clear();
    kv.clear();
    for (uint64_t j = i; j < std::min(n, i + batch); ++j) keys.push_back(Data::Key(space, j));
    for (uint64_t j = i; j < std::min(n, i + batch); ++j) {
      kv.emplace_back(keys[j - i], d.Value(j, vsize));
    }
    if (!s.PutBatch(kv)) return false;
  }
  return true;
}

bool Reads(Store& s, uint64_t space, uint64_t n_keys, uint64_t reads, uint64_t seed,
           bool expect_found, double* ops_per_s) {
  std::mt19937_64 rng(seed);
  const auto t0 = Clock::now();
  for (uint64_t r = 0; r < reads; ++r) {
    const std::string key = Data::Key(space, rng() % n_keys);
    bool found;
    size_t size;
    if (!s.Get(key, &found, &size)) return false;
    if (found != expect_found) {
      std::fprintf(stderr, "read: found=%d, expected %d\n", found, expect_found);
      return false;
    }
  }
  *ops_per_s = static_cast<double>(reads) / Seconds(t0);
  return true;
}

// Workloads 1, 3, 4 on one store. Writes results as "name value" lines.
bool RunSmall(const std::string& kind, const Flags& f, const Data& d, Results& out) {
  const std::string dir = f.dir + "/" + kind + "-1";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const uint64_t w0 = BytesWritten();
  {
    auto s = OpenStore(kind, dir);
    if (!s) return false;
    const auto t0 = Clock::now();
    if (!Load(*s, d, 1, f.n1, f.v1, f.batch)) return false;
    const double secs = Seconds(t0);
    out.emplace_back("w1_puts_per_s", static_cast<double>(f.n1) / secs);
    out.emplace_back("w1_MB_per_s", static_cast<double>(f.n1 * f.v1) / secs / 1e6);
  }  // closed: pending flushes done
  const double user = static_cast<double>(f.n1 * f.v1);
  out.emplace_back("w1_write_amp", static_cast<double>(BytesWritten() - w0) / user);
  out.emplace_back("w1_space_amp", static_cast<double>(DirBytes(dir)) / user);

  DropPageCache(dir);
  auto s = OpenStore(kind, dir);
  if (!s) return false;
  double ops;
  if (!Reads(*s, 1, f.n1, f.reads, 11, true, &ops)) return false;
  out.emplace_back("w3_cold_reads_per_s", ops);
  if (!Reads(*s, 1, f.n1, f.reads, 11, true, &ops)) return false;
  out.emplace_back("w3_warm_reads_per_s", ops);
  if (!Reads(*s, 99, f.n1, f.reads, 12, false, &ops)) return false;
  out.emplace_back("w3_missing_reads_per_s", ops);

  // 4: two threads, 90% reads / 10% durable writes of new keys.
  std::atomic<bool> ok{true};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (uint64_t i = 0; i < f.mixed / 2 && ok; ++i) {
        if (rng() % 10 == 0) {
          const std::string key = Data::Key(1000 + t, i);
          if (!s->PutBatch({KV(key, d.Value(i, f.v1))})) ok = false;
        } else {
          bool found;
          size_t size;
          if (!s->Get(Data::Key(1, rng() % f.n1), &found, &size) || !found) ok = false;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!ok) return false;
  out.emplace_back("w4_mixed_ops_per_s", static_cast<double>(f.mixed) / Seconds(t0));
  return true;
}

bool RunLarge(const std::string& kind, const Flags& f, const Data& d, Results& out) {
  const std::string dir = f.dir + "/" + kind + "-2";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const uint64_t w0 = BytesWritten();
  {
    auto s = OpenStore(kind, dir);
    if (!s) return false;
    const auto t0 = Clock::now();
    if (!Load(*s, d, 2, f.n2, f.v2, f.batch)) return false;
    const double secs = Seconds(t0);
    out.emplace_back("w2_puts_per_s", static_cast<double>(f.n2) / secs);
    out.emplace_back("w2_MB_per_s", static_cast<double>(f.n2 * f.v2) / secs / 1e6);
  }
  const double user = static_cast<double>(f.n2 * f.v2);
  out.emplace_back("w2_write_amp", static_cast<double>(BytesWritten() - w0) / user);
  out.emplace_back("w2_space_amp", static_cast<double>(DirBytes(dir)) / user);
  std::filesystem::remove_all(dir);  // tens of GB at full size
  return true;
}

// Runs `fn` in a child process; returns its results plus its peak RSS.
Results InChild(const std::string& name,
                bool (*fn)(const std::string&, const Flags&, const Data&, Results&),
                const std::string& kind, const Flags& f, const Data& d) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    Results r;
    const bool ok = fn(kind, f, d, r);
    rusage ru;
    ::getrusage(RUSAGE_SELF, &ru);
    r.emplace_back(name + "_peak_rss_MB", static_cast<double>(ru.ru_maxrss) / 1024.0);
    std::ostringstream text;
    for (const auto& [k, v] : r) text << k << " " << v << "\n";
    const std::string s = text.str();
    if (ok) (void)!::write(fds[1], s.data(), s.size());
    ::close(fds[1]);
    std::_Exit(ok ? 0 : 1);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s on %s failed\n", name.c_str(), kind.c_str());
    return {};
  }
  Results r;
  std::istringstream in(text);
  std::string k;
  double v;
  while (in >> k >> v) r.emplace_back(k, v);
  return r;
}

int Main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--n1")
      f.n1 = std::stoull(next());
    else if (a == "--v1")
      f.v1 = std::stoull(next());
    else if (a == "--n2")
      f.n2 = std::stoull(next());
    else if (a == "--v2")
      f.v2 = std::stoull(next());
    else if (a == "--batch")
      f.batch = std::stoull(next());
    else if (a == "--reads")
      f.reads = std::stoull(next());
    else if (a == "--mixed")
      f.mixed = std::stoull(next());
    else if (a == "--dir")
      f.dir = next();
    else if (a == "--skip2")
      f.skip2 = true;
    else if (a == "--stores") {
      f.stores.clear();
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) f.stores.push_back(s);
    } else {
      std::fprintf(stderr,
                   "usage: engine_bench [--n1 N] [--v1 BYTES] [--n2 N] [--v2 BYTES] [--batch N]\n"
                   "  [--reads N] [--mixed N] [--dir DIR] [--stores tessera,rocksdb,sqlite,"
                   "rocksdb-blob] [--skip2]\n");
      return 2;
    }
  }
  std::printf(
      "engine_bench: n1=%llu x %llu B, n2=%llu x %llu B, batch=%llu, reads=%llu, "
      "mixed=%llu, dir=%s\n",
      (unsigned long long)f.n1, (unsigned long long)f.v1, (unsigned long long)f.n2,
      (unsigned long long)f.v2, (unsigned long long)f.batch, (unsigned long long)f.reads,
      (unsigned long long)f.mixed, f.dir.c_str());
  const Data d(42);
  std::map<std::string, std::map<std::string, double>> table;  // metric -> store -> value
  std::vector<std::string> metrics;
  for (const std::string& kind : f.stores) {
    Results r = InChild("w1", RunSmall, kind, f, d);
    if (!f.skip2) {
      Results r2 = InChild("w2", RunLarge, kind, f, d);
      r.insert(r.end(), r2.begin(), r2.end());
    }
    for (const auto& [k, v] : r) {
      if (!table.count(k)) metrics.push_back(k);
      table[k][kind] = v;
    }
    std::printf("  %s done\n", kind.c_str());
    std::fflush(stdout);
  }
  std::printf("\n%-24s", "metric");
  for (const auto& s : f.stores) std::printf(" %14s", s.c_str());
  const bool ratio = table.size() && f.stores.size() > 1 && f.stores[0] == "tessera";
  if (ratio) std::printf(" %18s", "tessera/rocksdb");
  std::printf("\n");
  for (const auto& m : metrics) {
    std::printf("%-24s", m.c_str());
    for (const auto& s : f.stores) {
      auto it = table[m].find(s);
      if (it == table[m].end())
        std::printf(" %14s", "-");
      else
        std::printf(" %14.2f", it->second);
    }
    if (ratio && table[m].count("rocksdb") && table[m]["rocksdb"] != 0) {
      std::printf(" %17.2fx", table[m]["tessera"] / table[m]["rocksdb"]);
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) { return tessera::bench::Main(argc, argv); }
