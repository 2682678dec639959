#include "models/runtime.h"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "models/cpu_threads.h"

namespace jl {

void set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  set_cpu_threads(n);  // OpenCV's pool to n, OpenBLAS's to one: libtorch's pool uses the cores
}

int threads() { return at::get_num_threads(); }

std::string torch_version() { return TORCH_VERSION; }

std::string blas_library() {
  torch::NoGradGuard no_grad;
  (void)torch::mm(torch::ones({64, 64}), torch::ones({64, 64}));  // loads and exercises the BLAS
  // sgemm_ is what libtorch calls for float matmul; ask the dynamic linker which object provides it
  // in this process (the same lookup libtorch's own call resolves through).
  void* symbol = ::dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (!symbol || !::dladdr(symbol, &info) || !info.dli_fname) return "unknown";
  char real[4096];
  if (::realpath(info.dli_fname, real)) return real;
  return info.dli_fname;
}

bool blas_is_openblas() { return blas_library().find("openblas") != std::string::npos; }

bool cpu_has_bfloat16() {
  static const bool has = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line);
      std::string flag;
      while (flags >> flag)
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      return false;
    }
    return false;
  }();
  return has;
}

BFloat16Autocast::BFloat16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
}

BFloat16Autocast::~BFloat16Autocast() {
  if (!enabled_) return;
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
}

double matmul_gflops(int n) {
  torch::NoGradGuard no_grad;
  const auto a = torch::rand({n, n}), b = torch::rand({n, n});
  (void)torch::mm(a, b);  // warm-up: thread pool and BLAS buffers
  const int reps = 5;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) (void)torch::mm(a, b);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reps * 2.0 * n * n * double(n) / seconds / 1e9;
}

}  // namespace jl
