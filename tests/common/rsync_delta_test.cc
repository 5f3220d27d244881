#include "common/rsync_delta.h"

#include <doctest/doctest.h>
#include <librsync.h>

#include <cstdio>
#include <string>

#include "common/zstd.h"
#include "tests/testutil/random.h"

namespace tessera::common::rsync {
namespace {

// About 4 KiB of source-like text: numbered lines of varied words.
std::string TextBlock(uint32_t seed, size_t bytes = 4096) {
  static const char* kWords[] = {"static", "int", "return", "struct", "const", "void", "if",
                                 "else",   "for", "while",  "buffer", "len",   "ptr",  "node"};
  testutil::Random rng(testutil::Random::Fixed{seed});
  std::string out;
  for (int line = 0; out.size() < bytes; ++line) {
    std::string l = "\t" + std::to_string(line) + ":";
    const int n = 4 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) l += std::string(" ") + kWords[rng() % 14];
    out += l + ";\n";
  }
  out.resize(bytes);
  return out;
}

std::string EditMiddleLine(std::string text) {
  const size_t mid = text.find('\n', text.size() / 2) + 1;
  const size_t end = text.find('\n', mid);
  text.replace(mid, end - mid, "\tchanged = compute(changed, 42);");
  return text;
}

TEST_CASE("rsync: a one-line edit of a 4 KiB text block is a delta far smaller than zstd") {
  const std::string base = TextBlock(1);
  const std::string target = EditMiddleLine(base);
  REQUIRE(base != target);
  auto delta = MakeDelta(base, target);
  REQUIRE(delta.ok());
  auto back = Patch(base, *delta, target.size());
  REQUIRE(back.ok());
  CHECK(*back == target);
  const size_t zstd_bytes = zstd::Compress(target).size();
  MESSAGE("4 KiB block, one line changed: zstd " << zstd_bytes << " bytes, delta " << delta->size()
                                                 << " bytes (block_len "
                                                 << ChooseBlockLen(base.size()) << ")");
  for (size_t block_len : {16, 32, 64, 128, 256, 512, 1024, 2048}) {
    auto sig = Signature(base, block_len);
    REQUIRE(sig.ok());
    auto d = Delta(*sig, target);
    REQUIRE(d.ok());
    MESSAGE("  block_len " << block_len << ": delta " << d->size() << " bytes");
    CHECK(*Patch(base, *d, target.size()) == target);
  }
  CHECK(delta->size() < 120);
  CHECK(delta->size() * 4 < zstd_bytes);
}

TEST_CASE("rsync: deltas round trip for identical, empty, unrelated and grown targets") {
  const std::string base = TextBlock(2, 20000);
  for (const std::string& target :
       {base, std::string(), TextBlock(3, 5000), base + TextBlock(4, 3000), base.substr(7000, 9000),
        std::string(1, 'x')}) {
    auto delta = MakeDelta(base, target);
    REQUIRE(delta.ok());
    auto back = Patch(base, *delta, target.size());
    REQUIRE(back.ok());
    CHECK(*back == target);
  }
  // An empty base: the delta is all literal.
  auto delta = MakeDelta("", "hello");
  REQUIRE(delta.ok());
  CHECK(*Patch("", *delta, 5) == "hello");
}

TEST_CASE("rsync: a delta inflating past the bound is ResourceExhausted") {
  testutil::Random rng(testutil::Random::Fixed{11});
  std::string base(64 << 10, '\0');
  for (char& c : base) c = static_cast<char>(rng());
  std::string target;
  for (int i = 0; i < 16; ++i) target += base;  // 1 MiB from a few copy commands
  auto delta = MakeDelta(base, target);
  REQUIRE(delta.ok());
  CHECK(delta->size() < 1000);
  CHECK(Patch(base, *delta, (1 << 20) - 1).status().code() == Code::kResourceExhausted);
  CHECK(Patch(base, *delta, 1 << 20).ok());
}

TEST_CASE("rsync: a delta against the wrong base copies other bytes or fails, never crashes") {
  const std::string base = TextBlock(5, 8000);
  const std::string target = EditMiddleLine(base);
  auto delta = MakeDelta(base, target);
  REQUIRE(delta.ok());
  // A shorter base: copies reach past its end.
  CHECK(!Patch(base.substr(0, 100), *delta, 1 << 20).ok());
  // A same-length different base: patches "fine" into different bytes (the caller hashes).
  auto other = Patch(TextBlock(6, 8000), *delta, 1 << 20);
  REQUIRE(other.ok());
  CHECK(*other != target);
}

TEST_CASE("rsync: garbage, truncated and bit-flipped deltas are errors, never crashes") {
  // librsync logs every refused delta to stderr; thousands of them here say nothing.
  rs_trace_set_level(RS_LOG_CRIT);
  const std::string base = TextBlock(7, 6000);
  const std::string target = EditMiddleLine(base) + TextBlock(8, 500);
  auto delta = MakeDelta(base, target);
  REQUIRE(delta.ok());
  CHECK(Patch(base, "", 1 << 20).status().code() == Code::kInvalidArgument);
  CHECK(Patch(base, "garbage!", 1 << 20).status().code() == Code::kInvalidArgument);
  for (size_t n = 0; n < delta->size(); ++n) {
    auto r = Patch(base, delta->substr(0, n), 1 << 20);
    CHECK_MESSAGE(!r.ok(), n);
  }
  testutil::Random rng;
  size_t ok = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bad = *delta;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bad[rng() % bad.size()] = static_cast<char>(rng());
    }
    auto r = Patch(base, bad, 1 << 16);
    if (r.ok()) {
      ++ok;
      CHECK(r->size() <= (1u << 16));
    } else {
      CHECK((r.status().code() == Code::kInvalidArgument ||
             r.status().code() == Code::kResourceExhausted));
    }
  }
  // Random bytes after a valid magic.
  for (int round = 0; round < 2000; ++round) {
    std::string bad = delta->substr(0, 4);
    const size_t n = rng() % 64;
    for (size_t i = 0; i < n; ++i) bad.push_back(static_cast<char>(rng()));
    auto r = Patch(base, bad, 1 << 16);
    if (r.ok()) CHECK(r->size() <= (1u << 16));
  }
  MESSAGE(ok << " of 3000 mangled deltas still patched (into some bytes; the hash decides)");
}

TEST_CASE("rsync: block lengths follow the square root, clamped") {
  CHECK(ChooseBlockLen(0) == kMinBlockLen);
  CHECK(ChooseBlockLen(4096) == kMinBlockLen);
  CHECK(ChooseBlockLen(1 << 20) == 512);
  CHECK(ChooseBlockLen(1ull << 30) == kMaxBlockLen);
  CHECK(Signature("abc", 1).ok());
  CHECK(!Delta("not a signature", "x").ok());
}

}  // namespace
}  // namespace tessera::common::rsync
