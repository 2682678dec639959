#include "pipelines/samplers/ddpm.h"

#include <cmath>

namespace jl::samplers {

torch::Tensor DdpmSampler::advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) {
  const double s = sigma(i), s_next = sigma(i + 1);
  const double alpha_bar = 1 / (1 + s * s), alpha_bar_prev = 1 / (1 + s_next * s_next);
  const double beta = 1 - alpha_bar / alpha_bar_prev;  // of the step from the previous time to this one
  // Posterior mean and variance (Ho et al., eq. 6-7).
  const double x0_coef = std::sqrt(alpha_bar_prev) * beta / (1 - alpha_bar);
  const double sample_coef = std::sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar);
  const double variance = beta * (1 - alpha_bar_prev) / (1 - alpha_bar);
  torch::Tensor prev = estimate.x0 * x0_coef + sample * sample_coef;
  if (variance > 0) prev = prev + noise * std::sqrt(variance);
  return prev;
}

}  // namespace jl::samplers
