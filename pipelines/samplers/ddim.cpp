#include "pipelines/samplers/ddim.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace jl::samplers {

DdimSampler::DdimSampler(NoiseSchedule schedule, double eta) : Sampler(std::move(schedule)), eta_(eta) {
  if (!(eta >= 0 && eta <= 1)) throw UsageError("--eta must be in 0..1, got " + std::to_string(eta));
}

torch::Tensor DdimSampler::advance(const Estimate& estimate, int i, const torch::Tensor&, const torch::Tensor& noise) {
  const double s = sigma(i), s_next = sigma(i + 1);
  const double alpha_bar = 1 / (1 + s * s), alpha_bar_prev = 1 / (1 + s_next * s_next);
  const double std_dev =
      eta_ * std::sqrt((1 - alpha_bar_prev) / (1 - alpha_bar)) * std::sqrt(1 - alpha_bar / alpha_bar_prev);
  const double eps_coef = std::sqrt(std::max(0.0, 1 - alpha_bar_prev - std_dev * std_dev));
  torch::Tensor prev = estimate.x0 * std::sqrt(alpha_bar_prev) + estimate.eps * eps_coef;
  if (std_dev > 0) prev = prev + noise * std_dev;
  return prev;
}

}  // namespace jl::samplers
