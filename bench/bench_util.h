// Small helpers the benchmark programs share.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>

namespace jl::bench {

// Mean seconds of one call over `reps` calls, after one warm-up call.
inline double seconds_per_call(const std::function<void()>& fn, int reps) {
  fn();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
}

// The best seconds of one call over `reps` calls, after one warm-up call.
inline double best_seconds_per_call(const std::function<void()>& fn, int reps) {
  fn();
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// The machine's float32 convolution throughput on the current threads: a 3x3, 64 -> 64 channel
// convolution over 8 pictures of 64x64, in GFLOP/s (a multiply and an add per weight use).
inline double conv3x3_gflops() {
  torch::NoGradGuard no_grad;
  const auto image = torch::rand({8, 64, 64, 64});
  auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 3).padding(1));
  const double flop = 2.0 * 8 * 64 * 64 * 64 * 64 * 9;
  return flop / seconds_per_call([&] { (void)conv->forward(image); }, 5) / 1e9;
}

}  // namespace jl::bench
