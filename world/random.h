// The world's random stream: a fixed algorithm (splitmix64 seeding a xoshiro256**), so that a seed
// gives the same scenes on every machine and compiler (std:: distributions do not promise that).
#pragma once

#include <cstdint>

namespace jl::world {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();                        // [0, 1)
  double uniform(double lo, double hi);    // [lo, hi)
  int below(int n);                        // 0 .. n-1
  bool chance(double p);
  double normal();                         // standard normal

 private:
  uint64_t s_[4];
};

}  // namespace jl::world
