#include "media_io/frame_rate.h"

#include <cmath>

#include "core/error.h"

namespace jl::media {

FrameRateConverter::FrameRateConverter(double output_fps, std::function<void(const cv::Mat&)> emit)
    : fps_(output_fps), emit_(std::move(emit)) {
  if (!(output_fps > 0) || !std::isfinite(output_fps)) throw Error("frame rate must be a positive number");
}

void FrameRateConverter::emit_until(double time) {
  if (held_.empty()) return;
  // Output frame k is due at k / fps. The tolerance (a hundredth of an output frame) absorbs the
  // rounding of container timestamps so that equal rates map exactly 1:1.
  const double tolerance = 0.01 / fps_;
  while (emitted_ / fps_ < time - tolerance) {
    emit_(held_);
    ++emitted_;
  }
}

void FrameRateConverter::push(const cv::Mat& frame, double time) {
  emit_until(time);
  held_ = frame.clone();
}

void FrameRateConverter::finish(double end_time) {
  emit_until(end_time);
  held_.release();
}

}  // namespace jl::media
