#include "tests/testutil/random.h"

#include <cstdlib>
#include <optional>
#include <ostream>
#include <random>

namespace tessera::testutil {

namespace {

std::optional<uint64_t> SeedFromEnvironment() {
  if (const char* s = std::getenv("TESSERA_TEST_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 0);
  }
  return std::nullopt;
}

uint64_t DrawSeed() {
  if (const auto seed = SeedFromEnvironment()) return *seed;
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

uint64_t TestSeed() {
  // Drawn once: every Random of the run derives from it, so one value replays them all.
  static const uint64_t seed = DrawSeed();
  return seed;
}

uint64_t StableSeed() { return SeedFromEnvironment().value_or(kStableSeed); }

Random::Random(uint64_t stream)
    : SplitMix64(TestSeed() + stream), seed_(TestSeed() + stream), fixed_(false), stream_(stream) {}

Random::Random(Stable stable)
    : SplitMix64(StableSeed() + stable.stream),
      seed_(StableSeed() + stable.stream),
      fixed_(false),
      stream_(stable.stream) {}

Random::Random(Fixed fixed) : SplitMix64(fixed.seed), seed_(fixed.seed), fixed_(true), stream_(0) {}

Random::~Random() { destroy(); }

void Random::stringify(std::ostream* out) const {
  if (fixed_) {
    *out << "random seed " << seed_ << " (fixed)";
  } else {
    *out << "TESSERA_TEST_SEED=" << seed_ - stream_ << " (stream " << stream_ << ")";
  }
}

}  // namespace tessera::testutil
