#include "pipelines/samplers/euler_ancestral.h"

#include <algorithm>
#include <cmath>

namespace jl::samplers {

torch::Tensor EulerAncestralSampler::advance(const Estimate& estimate, int i, const torch::Tensor& sample,
                                             const torch::Tensor& noise) {
  const double s = sigma(i), s_next = sigma(i + 1);
  const double sigma_up = std::min(s_next, std::sqrt(s_next * s_next * (s * s - s_next * s_next) / (s * s)));
  const double sigma_down = std::sqrt(s_next * s_next - sigma_up * sigma_up);
  // X = x0 + s eps in sigma space; the Euler step to sigma_down keeps x0 and scales the noise part.
  const torch::Tensor ve = sample * std::sqrt(1 + s * s);
  torch::Tensor next = estimate.x0 + (ve - estimate.x0) * (sigma_down / s);
  if (sigma_up > 0) next = next + noise * sigma_up;
  return next / std::sqrt(1 + s_next * s_next);
}

}  // namespace jl::samplers
