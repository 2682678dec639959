#include <malloc.h>

#include <cstdio>

#include "core/error.h"
#include "studio/cli/commands.h"

namespace jl::cli {

void keep_frame_buffers_on_heap() {
  // Video and image pipelines allocate frame-sized buffers (megabytes) for every frame. glibc serves
  // those with fresh mmaps and returns them on free, so each frame paid for faulting in and zeroing
  // its pages again: a quarter of frame interpolation's time went to the kernel. Keeping them on the
  // heap lets freed frames be reused.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

int run_reporting_errors(const GlobalOptions& global, const std::function<void()>& run) {
  install_cancel_handlers();
  try {
    global.apply();
    run();
    return 0;
  } catch (const PartialFailure& e) {
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 3;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    if (cancel_requested()) {
      std::fprintf(stderr, "jielong: cancelled; nothing was left half-written\n");
      return 130;
    }
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // Anything else is a bug, but it still ends in one line, not a crash.
    std::fprintf(stderr, "jielong: internal error: %s (please report it)\n", e.what());
    return 1;
  }
}

}  // namespace jl::cli
