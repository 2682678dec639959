// CPU settings that hold with or without libtorch: OpenCV's thread pool (which runs the NHWC
// convolutions of models/nhwc_ops.h and OpenCV's own image operations), and OpenBLAS's threads and
// kernels.
#pragma once

#include <string>

namespace jl {

// n threads for OpenCV's pool (n <= 0: one per core); OpenBLAS's own pool stays at one thread.
void set_cpu_threads(int n);

// The kernels OpenBLAS runs ("Haswell", "SkylakeX", ...: its choice for this CPU, or the
// environment's OPENBLAS_CORETYPE); "" when the BLAS in this process is not OpenBLAS.
std::string openblas_core();

}  // namespace jl
