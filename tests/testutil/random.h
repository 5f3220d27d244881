// tests/testutil/random.h
//
// Seeded randomness for every test, one convention: a run's seed is $TESSERA_TEST_SEED when it
// is set (to replay a failure) and otherwise a fresh one, or for Stable generators a fixed
// default. A Random adds itself to doctest's failure context, so any failing check in its scope
// prints "TESSERA_TEST_SEED=<seed>" (and which stream), and running again with that variable
// replays the same values.
//
//   testutil::Random rnd;                          // the run's seed: new inputs every run
//   testutil::Random round_rnd(round);             // one stream per round, same replay seed
//   testutil::Random stable(Random::Stable{s});    // same inputs every run unless the variable
//                                                  // is set: properties that hold for almost
//                                                  // every input (chunks changed by an edit)
//   testutil::Random golden(Random::Fixed{42});    // never changes: golden data
//   const std::string data = testutil::RandomBytes(rnd, 4096);
//
// The generator is SplitMix64 (splitmix.h), a UniformRandomBitGenerator, so <random>
// distributions and std::shuffle take it.
// Not thread-safe, and not movable: doctest's context is a stack, so create a Random where it
// is used (on the test's thread) and let it die in reverse order of creation.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>

#include "tests/testutil/splitmix.h"

namespace tessera::testutil {

// The run's seed: $TESSERA_TEST_SEED (decimal or 0x-hex), or one drawn once per process.
uint64_t TestSeed();
// $TESSERA_TEST_SEED, or kStableSeed.
uint64_t StableSeed();
inline constexpr uint64_t kStableSeed = 20240601;

class Random : public SplitMix64, private doctest::detail::ContextScopeBase {
 public:
  struct Fixed {
    uint64_t seed;
  };
  struct Stable {
    uint64_t stream = 0;
  };

  // Seeded with TestSeed() + stream.
  explicit Random(uint64_t stream = 0);
  // Seeded with StableSeed() + stream.
  explicit Random(Stable stable);
  // Seeded with exactly `fixed.seed`, whatever TESSERA_TEST_SEED says.
  explicit Random(Fixed fixed);
  ~Random() override;
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

  // This generator's own seed.
  uint64_t seed() const { return seed_; }

 private:
  void stringify(std::ostream* out) const override;

  uint64_t seed_;
  bool fixed_;
  uint64_t stream_;
};

}  // namespace tessera::testutil
