// DDPM (Ho et al. 2020): ancestral sampling from the posterior q(x_prev | x, x0) with the model's x0.
// With all T steps this is the original sampler; with fewer it steps between the chosen times using
// the betas those times imply.
#pragma once

#include "pipelines/samplers/sampler.h"

namespace jl::samplers {

class DdpmSampler : public Sampler {
 public:
  using Sampler::Sampler;
  SamplerKind kind() const override { return SamplerKind::Ddpm; }
  bool stochastic() const override { return true; }

 protected:
  torch::Tensor advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) override;
};

}  // namespace jl::samplers
