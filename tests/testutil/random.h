// tests/testutil/random.h
//
// Seeded randomness for every test, one convention: a run's seed is $TESSERA_TEST_SEED when it
// is set (to replay a failure) and a fresh one otherwise. A Random adds itself to doctest's
// failure context, so any failing check in its scope prints "TESSERA_TEST_SEED=<seed>" (and
// which stream), and running again with that variable replays the same values.
//
//   testutil::Random rnd;                          // the run's seed
//   testutil::Random round_rnd(round);             // one stream per round, same replay seed
//   testutil::Random golden(Random::Fixed{42});    // never changes: golden data
//   const std::string data = testutil::RandomBytes(rnd, 4096);
//
// The generator is splitmix64 (small, fast, the same on every platform) and a
// UniformRandomBitGenerator, so <random> distributions and std::shuffle take it.
// Not thread-safe, and not movable: doctest's context is a stack, so create a Random where it
// is used (on the test's thread) and let it die in reverse order of creation.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace tessera::testutil {

// The run's seed: $TESSERA_TEST_SEED (decimal or 0x-hex), or one drawn once per process.
uint64_t TestSeed();

class Random : private doctest::detail::ContextScopeBase {
 public:
  struct Fixed {
    uint64_t seed;
  };

  // Seeded with TestSeed() + stream.
  explicit Random(uint64_t stream = 0);
  // Seeded with exactly `fixed.seed`, whatever TESSERA_TEST_SEED says.
  explicit Random(Fixed fixed);
  ~Random() override;
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

  // This generator's own seed.
  uint64_t seed() const { return seed_; }

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

  using result_type = uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return Next(); }

 private:
  void stringify(std::ostream* out) const override;

  uint64_t seed_;
  uint64_t state_;
  bool fixed_;
  uint64_t stream_;
};

// `n` random bytes.
std::string RandomBytes(Random& rnd, size_t n);

}  // namespace tessera::testutil
