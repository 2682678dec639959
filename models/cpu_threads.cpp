#include "models/cpu_threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <opencv2/core/utility.hpp>
#include <thread>

namespace jl {

void set_cpu_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cv::setNumThreads(n);
  // OpenBLAS keeps a thread pool of its own (one per core, busy-waiting between calls), and on some
  // CPUs (seen on AMD EPYC) its matrix products sum in another order with 2 threads than with 1 (up
  // to 3e-5 apart at our layers' sizes), so a one-core Slurm task would not draw the picture a
  // two-core run draws. It stays at one thread; the callers parallelise over independent products
  // (libtorch's pool, or OpenCV's for nhwc_ops' bands of rows). Looked up at run time: the BLAS that
  // libblas.so.3 resolves to need not be OpenBLAS.
  using SetBlasThreads = void (*)(int);
  if (auto set_blas = reinterpret_cast<SetBlasThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set_blas(1);
}

std::string openblas_core() {
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = core_name ? core_name() : nullptr;
  return name ? name : "";
}

}  // namespace jl
