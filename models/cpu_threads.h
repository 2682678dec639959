// Thread settings that hold with or without libtorch: OpenCV's thread pool (which runs the NHWC
// convolutions of models/nhwc_ops.h and OpenCV's own image operations) and OpenBLAS's.
#pragma once

namespace jl {

// n threads for OpenCV's pool (n <= 0: one per core); OpenBLAS's own pool stays at one thread.
void set_cpu_threads(int n);

}  // namespace jl
