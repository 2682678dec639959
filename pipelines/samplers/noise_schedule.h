// The noising process a denoiser was trained with, in the two forms the samplers use:
// variance-preserving, x = a x0 + b eps with a^2 + b^2 = 1 (what the model sees; DDPM and DDIM step
// here), and variance-exploding, X = x / a = x0 + sigma eps with sigma = b / a (Euler and DPM-Solver
// step here). Training draws integer times t in [0, T-1]; samplers may ask for any sigma in between,
// which maps back to a fractional time (the model's time embedding is continuous).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace jl::samplers {

// What the network predicts: the noise (eps) or the velocity v = a eps - b x0 (v works across the whole
// range, including t near T where the signal is gone and eps says nothing about x0).
enum class Prediction { Epsilon, Velocity };
Prediction parse_prediction(const std::string& name);  // "eps" | "v"; jl::Error otherwise

struct Estimate {
  torch::Tensor x0;   // the clean sample the model expects
  torch::Tensor eps;  // the noise it sees in x
};

class NoiseSchedule {
 public:
  // The cosine schedule of improved DDPM (alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) pi/2), s = 0.008,
  // betas capped at 0.999) over T training steps.
  static NoiseSchedule cosine(int train_steps, Prediction prediction);

  int train_steps() const { return int(sigmas_.size()); }
  Prediction prediction() const { return prediction_; }
  double sigma_at(int t) const;          // t in [0, T-1]
  double time_of(double sigma) const;    // fractional t (log-sigma interpolation), clamped to [0, T-1]
  double sigma_min() const { return sigmas_.front(); }
  double sigma_max() const { return sigmas_.back(); }

  // x0 and eps from the model's output on the VP sample x at noise level sigma.
  Estimate estimate(const torch::Tensor& output, const torch::Tensor& x, double sigma) const;
  // The VP sample at noise level sigma: a x0 + b noise.
  static torch::Tensor noised(const torch::Tensor& x0, const torch::Tensor& noise, double sigma);
  // The training target for `prediction` (eps itself, or v = a eps - b x0).
  torch::Tensor target(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigmas) const;
  // The weight of each sample's squared target() error in the training loss: Min-SNR (Hang et al.
  // 2023) weighs the clean sample's error by SNR = 1/sigma^2 clamped to [snr_floor, snr_cap], here
  // carried over to the target (v's error is x0's times sqrt(SNR + 1), eps's times sqrt(SNR)).
  torch::Tensor loss_weight(const torch::Tensor& sigmas, double snr_floor, double snr_cap) const;

 private:
  NoiseSchedule(std::vector<double> sigmas, Prediction prediction);
  std::vector<double> sigmas_;  // sigma at t = 0 .. T-1, increasing
  Prediction prediction_;
};

}  // namespace jl::samplers
