// Frame-rate conversion by picking, for every output time k / fps, the source frame shown at that
// moment (the last frame whose timestamp is not after it). Equal rates give a 1:1 copy; 24 -> 60 fps
// repeats frames (frame interpolation synthesizes in-betweens instead). Works on variable frame rate
// input because it follows timestamps, not frame indices.
#pragma once

#include <cstdint>
#include <functional>
#include <opencv2/core/mat.hpp>

namespace jl::media {

class FrameRateConverter {
 public:
  // `emit` receives each output frame in order. `output_fps` > 0.
  FrameRateConverter(double output_fps, std::function<void(const cv::Mat&)> emit);

  // Feed source frames in presentation order; `time` is in seconds from the start of the clip.
  void push(const cv::Mat& frame, double time);

  // After the last frame: emit up to `end_time` (exclusive), usually the last frame's time plus its
  // duration, so that N frames at rate r become round(N * fps / r) frames.
  void finish(double end_time);

  int64_t emitted() const { return emitted_; }

 private:
  void emit_until(double time);  // emits pending output times < time with the held frame

  double fps_;
  std::function<void(const cv::Mat&)> emit_;
  cv::Mat held_;
  int64_t emitted_ = 0;
};

}  // namespace jl::media
