// How many tokens MaskGIT leaves masked after each of its steps (pipelines/tokens/maskgit.h). Kept
// free of libtorch so that parameter validation can check a schedule's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jl::tokens {

// f(x), the fraction of the unknown tokens still masked after a fraction x of the steps: the paper's
// cosine, cos(pi/2 x), or a power curve 1 - x^p. Our default, 1 - x^2.5, keeps more tokens masked for
// longer, so that fewer uncertain tokens are committed together at each step. Shipped maskgit, 8
// steps (docs/benchmarks.md): 87.2% of the 500 holdout prompts pass the judge against 79.0% with
// the cosine; p was chosen on the first 200 (linear 61.5%, p = 2 85%, 2.5 89%, 3 86.5%, 4 86%;
// cosine 81.5%) and the other 300 confirm it (86.0% against 77.3%).
struct MaskSchedule {
  bool cosine = false;
  double power = 2.5;

  // "cosine", "linear" (power 1) or "pow<P>" with P in 0.1..10, e.g. "pow2.5"; nullopt otherwise.
  static std::optional<MaskSchedule> parse(const std::string& name);
  std::string name() const;
  double masked_fraction(double progress) const;
};

std::string mask_schedule_error(const std::string& name);  // for a name parse() rejects

// Tokens still masked after each of the `steps` steps, for `unknown` masked tokens: strictly
// decreasing (every step commits at least one token while any remain) and ending at 0.
std::vector<int64_t> maskgit_schedule(int64_t unknown, int steps, const MaskSchedule& schedule = {});

}  // namespace jl::tokens
