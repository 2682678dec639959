// The runtime settings jielong applies at start-up, measured against what libtorch does by default on
// this machine: float32 matmul and conv2d speed on one intra-op thread (libtorch's default here) vs
// one per core (what set_threads(0) gives), and the BLAS that the matmuls land in.
#include <torch/torch.h>

#include <cstdio>

#include "bench/bench_util.h"
#include "models/runtime.h"

using jl::bench::seconds_per_call;

int main() {
  torch::NoGradGuard no_grad;
  const auto a = torch::rand({1024, 1024}), b = torch::rand({1024, 1024});
  const double matmul_flop = 2.0 * 1024 * 1024 * 1024;

  std::printf("BLAS: %s\n", jl::blas_library().c_str());
  std::printf("%-28s %12s %12s %8s\n", "benchmark", "1 thread", "all cores", "ratio");
  double mm[2], cv[2];
  for (int i = 0; i < 2; ++i) {
    jl::set_threads(i == 0 ? 1 : 0);
    mm[i] = matmul_flop / seconds_per_call([&] { (void)torch::mm(a, b); }, 10) / 1e9;
    cv[i] = jl::bench::conv3x3_gflops();
  }
  std::printf("%-28s %9.1f GF %9.1f GF %7.2fx   (%d threads)\n", "matmul 1024^3 float32", mm[0], mm[1], mm[1] / mm[0],
              jl::threads());
  std::printf("%-28s %9.1f GF %9.1f GF %7.2fx\n", "conv2d 3x3 64->64, 8x64x64", cv[0], cv[1], cv[1] / cv[0]);
  return 0;
}
