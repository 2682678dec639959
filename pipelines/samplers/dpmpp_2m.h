// DPM-Solver++(2M) (Lu et al. 2022) on Karras et al.'s noise levels (rho 7): a second-order multistep
// solver of the probability-flow ODE in log-sigma, reusing the previous step's x0 estimate, so it costs
// one model evaluation per step. Deterministic. Karras levels run from the schedule's smallest sigma to
// min(largest, 80): beyond 80 (under 0.02% of the signal left) steps would be spent on pure noise.
#pragma once

#include "pipelines/samplers/sampler.h"

namespace jl::samplers {

class DpmPP2MSampler : public Sampler {
 public:
  using Sampler::Sampler;
  SamplerKind kind() const override { return SamplerKind::DpmPP2M; }
  bool stochastic() const override { return false; }

  static constexpr double kRho = 7;
  static constexpr double kSigmaCap = 80;

 protected:
  std::vector<double> make_sigmas(int steps) const override;
  torch::Tensor advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) override;
  void forget() override { previous_x0_ = torch::Tensor(); }

 private:
  torch::Tensor previous_x0_;  // x0 estimate of step i - 1 (undefined at the first step)
};

}  // namespace jl::samplers
