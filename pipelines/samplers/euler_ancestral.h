// Euler ancestral (Karras et al. 2022, k-diffusion's "Euler a"): in sigma space, an Euler step of the
// probability-flow ODE down to sigma_down, then fresh noise of sigma_up, with
// sigma_up = sqrt(s'^2 (s^2 - s'^2) / s^2) and sigma_down = sqrt(s'^2 - sigma_up^2). Noise is re-drawn at
// every step, so results keep changing with the step count (the behaviour its users know).
#pragma once

#include "pipelines/samplers/sampler.h"

namespace jl::samplers {

class EulerAncestralSampler : public Sampler {
 public:
  using Sampler::Sampler;
  SamplerKind kind() const override { return SamplerKind::EulerAncestral; }
  bool stochastic() const override { return true; }

 protected:
  torch::Tensor advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) override;
};

}  // namespace jl::samplers
