#include "pipelines/tokens/mask_schedule.h"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace jl::tokens {

std::optional<MaskSchedule> MaskSchedule::parse(const std::string& name) {
  if (name == "cosine") return MaskSchedule{true, 0.0};
  if (name == "linear") return MaskSchedule{false, 1.0};
  if (name.rfind("pow", 0) != 0 || name.size() == 3 || !(std::isdigit(static_cast<unsigned char>(name[3])) || name[3] == '.')) return std::nullopt;
  char* end = nullptr;
  const double power = std::strtod(name.c_str() + 3, &end);
  if (*end != '\0' || !(power >= 0.1 && power <= 10)) return std::nullopt;
  return MaskSchedule{false, power};
}

std::string MaskSchedule::name() const {
  if (cosine) return "cosine";
  if (power == 1.0) return "linear";
  char text[32];
  std::snprintf(text, sizeof text, "pow%g", power);
  return text;
}

double MaskSchedule::masked_fraction(double progress) const {
  return cosine ? std::cos(M_PI / 2 * progress) : 1.0 - std::pow(progress, power);
}

std::string mask_schedule_error(const std::string& name) {
  return "--mask-schedule must be cosine, linear or pow<P> with P in 0.1..10 (e.g. pow2.5), got '" + name + "'";
}

std::vector<int64_t> maskgit_schedule(int64_t unknown, int steps, const MaskSchedule& schedule) {
  if (steps < 1) throw Error("MaskGIT needs at least 1 step");
  std::vector<int64_t> left;
  int64_t previous = unknown;
  for (int t = 1; t <= steps; ++t) {
    int64_t m = int64_t(std::floor(double(unknown) * schedule.masked_fraction(double(t) / steps)));
    if (t == steps) m = 0;
    m = std::max<int64_t>(0, std::min(m, previous - 1));  // at least one token per step while any remain
    left.push_back(m);
    previous = m;
  }
  return left;
}

}  // namespace jl::tokens
