#include "tests/testutil/random.h"

#include <cstdlib>
#include <ostream>
#include <random>

namespace tessera::testutil {

namespace {

uint64_t DrawSeed() {
  if (const char* s = std::getenv("TESSERA_TEST_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 0);
  }
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

uint64_t TestSeed() {
  // Drawn once: every Random of the run derives from it, so one value replays them all.
  static const uint64_t seed = DrawSeed();
  return seed;
}

Random::Random(uint64_t stream)
    : seed_(TestSeed() + stream), state_(seed_), fixed_(false), stream_(stream) {}

Random::Random(Fixed fixed) : seed_(fixed.seed), state_(fixed.seed), fixed_(true), stream_(0) {}

Random::~Random() { destroy(); }

void Random::stringify(std::ostream* out) const {
  if (fixed_) {
    *out << "random seed " << seed_ << " (fixed)";
  } else {
    *out << "TESSERA_TEST_SEED=" << TestSeed() << " (stream " << stream_ << ")";
  }
}

std::string RandomBytes(Random& rnd, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rnd.Next();
    for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<char>(v >> (8 * k));
  }
  return out;
}

}  // namespace tessera::testutil
