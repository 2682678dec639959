// splitmix64 seeding xoshiro256** (both public-domain algorithms by Vigna): a fixed, portable stream, so
// a seed names the same scenes on every machine. std:: distributions are avoided on purpose: their
// output is implementation-defined.
#include "world/random.h"

#include <cmath>

namespace jl::world {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  // splitmix64 spreads any seed (0 included) over the whole state; xoshiro must never start all-zero.
  for (auto& word : s_) word = splitmix64(seed);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// The top 53 bits fill a double's mantissa exactly, so every value is a multiple of 2^-53 below 1.
double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

int Rng::below(int n) {
  if (n <= 1) return 0;
  // Multiply-shift keeps the result in range; the bias (n / 2^32) is far below anything we measure.
  return static_cast<int>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
}

bool Rng::chance(double p) { return uniform() < p; }

// Box-Muller, one value per call (the partner value is dropped so the stream position stays simple).
double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace jl::world
