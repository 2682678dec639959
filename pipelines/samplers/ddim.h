// DDIM (Song et al. 2021): x_prev = a' x0 + sqrt(1 - a'^2 - std^2) eps + std z, with
// std = eta sqrt((1 - a'^2)/(1 - a^2)) sqrt(1 - a^2/a'^2). eta 0 is deterministic (the probability-flow
// path, so few steps suffice); eta 1 is DDPM's posterior.
#pragma once

#include "pipelines/samplers/sampler.h"

namespace jl::samplers {

class DdimSampler : public Sampler {
 public:
  DdimSampler(NoiseSchedule schedule, double eta);
  SamplerKind kind() const override { return SamplerKind::Ddim; }
  bool stochastic() const override { return eta_ > 0; }

 protected:
  torch::Tensor advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) override;

 private:
  double eta_;
};

}  // namespace jl::samplers
