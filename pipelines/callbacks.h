// What a pipeline reports while it runs and how it is asked to stop. The CLI draws a progress bar
// from these calls, the GUI shows the preview, a batch run emits events; the pipeline does not know
// which.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <opencv2/core/mat.hpp>

#include "core/error.h"

namespace jl {

struct Callbacks {
  // step of total (total <= 0 when unknown); `preview` is a current picture when the pipeline has one
  // cheaply (nullptr otherwise).
  std::function<void(int64_t step, int64_t total, const cv::Mat* preview)> progress;
  const std::atomic<bool>* cancel = nullptr;
  // Whether `progress` wants previews: pipelines that must decode one (diffusion) skip that work
  // when nobody looks (a plain progress bar).
  bool wants_preview = false;

  void report(int64_t step, int64_t total, const cv::Mat* preview = nullptr) const {
    if (progress) progress(step, total, preview);
  }
  bool cancelled() const { return cancel && cancel->load(); }
  // Pipelines call this between steps; the partial output is discarded by the atomic writers.
  void throw_if_cancelled() const {
    if (cancelled()) throw Error("cancelled");
  }
};

}  // namespace jl
