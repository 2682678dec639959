// The libtorch runtime as this machine runs it: thread count (libtorch starts with one intra-op thread
// here, so every entry point calls set_threads at start-up) and the BLAS library that matrix
// multiplies actually land in (Debian's libtorch falls back to reference BLAS, ~30x slower, unless
// OpenBLAS is installed).
#pragma once

#include <string>

namespace jl {

// Sets libtorch's intra-op threads; n <= 0 means one per core.
void set_threads(int n);
int threads();

std::string torch_version();

// Runs one small matrix multiply (so the BLAS is loaded and used), then names the shared library
// that provides sgemm_, resolved to its real path, e.g.
// "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3". "unknown" if it cannot be told.
std::string blas_library();
bool blas_is_openblas();

// True when this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX): there bfloat16 matmuls run
// about twice as fast as float32; elsewhere they are emulated and slower than float32.
bool cpu_has_bfloat16();

// While alive, matrix multiplies and convolutions on the CPU run in bfloat16 (weights stay float32:
// autocast converts at each op), with sums, norms and softmax kept in float32. Does nothing when
// `enabled` is false. Scope it to one forward pass: autocast keeps the bfloat16 copies of the weights
// until it ends, so one held across optimizer steps keeps computing with the first step's weights.
class BFloat16Autocast {
 public:
  explicit BFloat16Autocast(bool enabled);
  ~BFloat16Autocast();
  BFloat16Autocast(const BFloat16Autocast&) = delete;
  BFloat16Autocast& operator=(const BFloat16Autocast&) = delete;

 private:
  bool enabled_;
};

// Float32 matrix-multiply speed of an n x n x n product on the current threads, in GFLOP/s.
double matmul_gflops(int n = 512);

}  // namespace jl
