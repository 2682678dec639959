// Frame interpolation: the picture between two frames A and B at any time t in [0, 1]. An
// interpolator first studies a pair (optical flow both ways, occlusions: the expensive part) and then
// draws any number of in-betweens from what it found, so that x8 or 24 -> 60 fps pays for the study
// once per pair. Methods: "classic" (optical flow, pipelines/interpolate/flow_interpolation.h),
// "learned" (the classic estimate refined by a trained network) and "blend" (a cross-fade, the
// baseline every method must beat).
#pragma once

#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace jl::models {
class ModelStore;
}

namespace jl {

class FramePair {
 public:
  virtual ~FramePair() = default;
  // The frame at time t (0: A, 1: B), CV_8UC3 like the inputs.
  virtual cv::Mat at(double t) const = 0;
  // In a video, the pairs either side, (P, A) and (B, N), made by the same interpolator (nullptr where
  // there is none, or across a scene cut), and the P-A and B-N intervals in units of A-B: a method
  // may follow motion through them (the flow methods leave out a neighbour whose interval is under a
  // quarter or over four times A-B's). Set before at().
  virtual void set_neighbours(const FramePair* /*before*/, const FramePair* /*after*/, double /*before_gap*/,
                              double /*after_gap*/) {}
};

class FrameInterpolator {
 public:
  virtual ~FrameInterpolator() = default;
  // A and B: CV_8UC3 of one size (jl::Error otherwise).
  virtual std::unique_ptr<FramePair> pair(const cv::Mat& a, const cv::Mat& b) const = 0;
  virtual std::string name() const = 0;
};

const std::vector<std::string>& interpolation_method_names();  // classic, learned, blend

// The learned method's checkpoint in the model store (`jielong train interpolator` writes it).
inline constexpr const char* kInterpolatorCheckpoint = "interpolator";

// UsageError listing the names for an unknown method.
void check_interpolation_method(const std::string& method);
// check_interpolation_method, then the interpolator; jl::Error when the learned model is missing.
std::shared_ptr<const FrameInterpolator> make_interpolator(const std::string& method, models::ModelStore& store);

// Checks a pair before any work: both present, CV_8UC3, the same size. jl::Error saying which.
void check_frame_pair(const cv::Mat& a, const cv::Mat& b);

}  // namespace jl
