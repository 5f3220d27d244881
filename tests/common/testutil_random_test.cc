// tests/testutil/random.h and file_damage.h themselves: which seed each kind of Random takes,
// that it is in doctest's failure context while alive (what a failing check prints), that the
// generator is splitmix64, and that the damage helpers change exactly what they say.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "common/env.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::testutil {
namespace {

// What doctest would print for the innermost active context (the last one created).
std::string InnermostContext() {
  const int n = doctest::IReporter::get_num_active_contexts();
  REQUIRE(n > 0);
  std::ostringstream out;
  doctest::IReporter::get_active_contexts()[n - 1]->stringify(&out);
  return out.str();
}

TEST_CASE("random: a Random is in the failure context exactly while it lives") {
  const int before = doctest::IReporter::get_num_active_contexts();
  {
    Random rnd(3);
    CHECK(doctest::IReporter::get_num_active_contexts() == before + 1);
    CHECK(InnermostContext() == "TESSERA_TEST_SEED=" + std::to_string(TestSeed()) + " (stream 3)");
    {
      Random golden(Random::Fixed{42});
      CHECK(InnermostContext() == "random seed 42 (fixed)");
    }
    Random stable(Random::Stable{5});
    CHECK(InnermostContext() ==
          "TESSERA_TEST_SEED=" + std::to_string(StableSeed()) + " (stream 5)");
  }
  CHECK(doctest::IReporter::get_num_active_contexts() == before);
}

TEST_CASE("random: streams offset the run's seed; Stable and Fixed seeds do not follow the run") {
  CHECK(Random().seed() == TestSeed());
  CHECK(Random(7).seed() == TestSeed() + 7);
  CHECK(Random(Random::Fixed{42}).seed() == 42);
  CHECK(Random(Random::Stable{2}).seed() == StableSeed() + 2);
  const char* env = std::getenv("TESSERA_TEST_SEED");
  if (env == nullptr || *env == '\0') {
    CHECK(StableSeed() == kStableSeed);
  } else {
    CHECK(StableSeed() == TestSeed());  // a replay replays the stable inputs too
  }
  // Equal seeds give equal values.
  Random a(Random::Fixed{9}), b(Random::Fixed{9});
  for (int i = 0; i < 100; ++i) CHECK(a.Next() == b.Next());
}

TEST_CASE("random: the generator is splitmix64 and random bytes are its outputs, little-endian") {
  SplitMix64 rnd(0);  // the reference sequence from seed 0
  CHECK(rnd.Next() == 0xe220a8397b1dcdafull);
  CHECK(rnd.Next() == 0x6e789e6aa1b965f4ull);
  CHECK(rnd.Next() == 0x06c45d188009454full);

  SplitMix64 bytes_rnd(0);
  const std::string bytes = RandomBytes(bytes_rnd, 11);
  REQUIRE(bytes.size() == 11);
  CHECK(static_cast<unsigned char>(bytes[0]) == 0xaf);
  CHECK(static_cast<unsigned char>(bytes[7]) == 0xe2);
  CHECK(static_cast<unsigned char>(bytes[8]) == 0xf4);  // the second output's low byte
  SplitMix64 empty_rnd(0);
  CHECK(RandomBytes(empty_rnd, 0).empty());

  Random uniform(Random::Fixed{1});
  std::vector<int> seen(6, 0);
  for (int i = 0; i < 600; ++i) {
    const uint64_t v = uniform.Uniform(6);
    REQUIRE(v < 6);
    ++seen[v];
  }
  CHECK(*std::min_element(seen.begin(), seen.end()) > 0);
}

TEST_CASE("file damage: a flipped byte, a cut and an append change only what they say") {
  TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("f");
  REQUIRE(common::WriteFileAtomically(env, path, "abcdef").ok());
  CorruptBytes(path, 2);
  CHECK(*env.ReadFileToString(path) == std::string("ab") + static_cast<char>('c' ^ 0x5a) + "def");
  Truncate(path, 3);
  CHECK(env.ReadFileToString(path)->size() == 3);
  AppendBytes(path, "xyz");
  CHECK(env.ReadFileToString(path)->substr(3) == "xyz");
  Truncate(path, 8);
  CHECK(*env.ReadFileToString(path) ==
        std::string("ab") + static_cast<char>('c' ^ 0x5a) + "xyz" + std::string(2, '\0'));
}

}  // namespace
}  // namespace tessera::testutil
