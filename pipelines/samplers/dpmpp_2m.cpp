#include "pipelines/samplers/dpmpp_2m.h"

#include <algorithm>
#include <cmath>

namespace jl::samplers {

std::vector<double> DpmPP2MSampler::make_sigmas(int steps) const {
  const double lo = std::pow(schedule_.sigma_min(), 1 / kRho);
  const double hi = std::pow(std::min(schedule_.sigma_max(), kSigmaCap), 1 / kRho);
  std::vector<double> sigmas;
  for (int i = 0; i < steps; ++i) {
    const double w = steps == 1 ? 0.0 : double(i) / (steps - 1);
    sigmas.push_back(std::pow(hi + w * (lo - hi), kRho));
  }
  sigmas.push_back(0);
  return sigmas;
}

torch::Tensor DpmPP2MSampler::advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor&) {
  const double s = sigma(i), s_next = sigma(i + 1);
  torch::Tensor x0 = estimate.x0;
  if (previous_x0_.defined() && s_next > 0) {
    // Second order: extrapolate x0 along log-sigma from the last two estimates.
    const double h = std::log(s / s_next), h_last = std::log(sigma(i - 1) / s);
    const double r = h_last / h;
    x0 = estimate.x0 * (1 + 1 / (2 * r)) - previous_x0_ * (1 / (2 * r));
  }
  previous_x0_ = estimate.x0;
  // In sigma space X' = (s'/s) X + (1 - s'/s) x0 (exact for a constant x0); back to the VP form.
  const torch::Tensor ve = sample * std::sqrt(1 + s * s);
  const torch::Tensor next = ve * (s_next / s) + x0 * (1 - s_next / s);
  return next / std::sqrt(1 + s_next * s_next);
}

}  // namespace jl::samplers
