#include "pipelines/samplers/noise_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace jl::samplers {

Prediction parse_prediction(const std::string& name) {
  if (name == "eps") return Prediction::Epsilon;
  if (name == "v") return Prediction::Velocity;
  throw Error("unknown prediction type '" + name + "' (expected eps or v)");
}

NoiseSchedule::NoiseSchedule(std::vector<double> sigmas, Prediction prediction)
    : sigmas_(std::move(sigmas)), prediction_(prediction) {}

NoiseSchedule NoiseSchedule::cosine(int train_steps, Prediction prediction) {
  if (train_steps < 2) throw Error("noise schedule: at least 2 training steps, got " + std::to_string(train_steps));
  const double s = 0.008;
  auto f = [&](double t) {
    const double c = std::cos((t / train_steps + s) / (1 + s) * M_PI / 2);
    return c * c;
  };
  std::vector<double> sigmas;
  double alpha_bar = 1;
  for (int t = 0; t < train_steps; ++t) {
    const double beta = std::min(1 - f(t + 1) / f(t), 0.999);
    alpha_bar *= 1 - beta;
    sigmas.push_back(std::sqrt((1 - alpha_bar) / alpha_bar));
  }
  return NoiseSchedule(std::move(sigmas), prediction);
}

double NoiseSchedule::sigma_at(int t) const {
  if (t < 0 || t >= train_steps())
    throw Error("noise schedule: time " + std::to_string(t) + " outside 0.." + std::to_string(train_steps() - 1));
  return sigmas_[size_t(t)];
}

double NoiseSchedule::time_of(double sigma) const {
  if (sigma <= sigmas_.front()) return 0;
  if (sigma >= sigmas_.back()) return train_steps() - 1;
  const auto upper = std::upper_bound(sigmas_.begin(), sigmas_.end(), sigma);
  const size_t hi = size_t(upper - sigmas_.begin()), lo = hi - 1;
  const double w = (std::log(sigma) - std::log(sigmas_[lo])) / (std::log(sigmas_[hi]) - std::log(sigmas_[lo]));
  return double(lo) + w;
}

Estimate NoiseSchedule::estimate(const torch::Tensor& output, const torch::Tensor& x, double sigma) const {
  const double a = 1 / std::sqrt(1 + sigma * sigma), b = sigma * a;
  if (prediction_ == Prediction::Velocity) return {x * a - output * b, x * b + output * a};
  return {(x - output * b) / a, output};
}

torch::Tensor NoiseSchedule::noised(const torch::Tensor& x0, const torch::Tensor& noise, double sigma) {
  const double a = 1 / std::sqrt(1 + sigma * sigma);
  return x0 * a + noise * (sigma * a);
}

torch::Tensor NoiseSchedule::target(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigmas) const {
  if (prediction_ == Prediction::Epsilon) return noise;
  const torch::Tensor shape_sigmas = sigmas.view({-1, 1, 1, 1});
  const torch::Tensor a = (1 + shape_sigmas * shape_sigmas).rsqrt();
  return noise * a - x0 * (shape_sigmas * a);
}

torch::Tensor NoiseSchedule::loss_weight(const torch::Tensor& sigmas, double snr_floor, double snr_cap) const {
  const torch::Tensor snr = 1 / (sigmas * sigmas);
  const torch::Tensor x0_weight = snr.clamp(snr_floor, snr_cap);
  return prediction_ == Prediction::Velocity ? x0_weight / (snr + 1) : x0_weight / snr;
}

}  // namespace jl::samplers
