#include "pipelines/interpolate/frame_interpolator.h"

#include "core/error.h"
#include <algorithm>
#include <opencv2/core.hpp>

#include "models/model_store.h"
#include "pipelines/interpolate/flow_interpolation.h"
#include "pipelines/interpolate/learned_interpolation.h"

namespace jl {

namespace {

// The cross-fade: what a video editor's dissolve does, and the floor every method must beat.
class BlendPair : public FramePair {
 public:
  BlendPair(const cv::Mat& a, const cv::Mat& b) : a_(a.clone()), b_(b.clone()) {}
  cv::Mat at(double t) const override {
    cv::Mat out;
    cv::addWeighted(a_, 1 - t, b_, t, 0, out);
    return out;
  }

 private:
  cv::Mat a_, b_;
};

class BlendInterpolator : public FrameInterpolator {
 public:
  std::unique_ptr<FramePair> pair(const cv::Mat& a, const cv::Mat& b) const override {
    check_frame_pair(a, b);
    return std::make_unique<BlendPair>(a, b);
  }
  std::string name() const override { return "blend"; }
};

}  // namespace

const std::vector<std::string>& interpolation_method_names() {
  static const std::vector<std::string> names = {"classic", "learned", "blend"};
  return names;
}

std::shared_ptr<const FrameInterpolator> make_interpolator(const std::string& method, models::ModelStore& store) {
  check_interpolation_method(method);
  if (method == "classic") return classic_interpolator();
  if (method == "learned")
    return learned_interpolator(store.get<models::InterpolationNetImpl>(
        kInterpolatorCheckpoint, [](const std::filesystem::path& path) { return models::load_interpolation_net(path).ptr(); }));
  return std::make_shared<BlendInterpolator>();
}

void check_interpolation_method(const std::string& method) {
  const auto& names = interpolation_method_names();
  if (std::find(names.begin(), names.end(), method) != names.end()) return;
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown interpolation method '" + method + "' (choose one of: " + known + ")");
}

void check_frame_pair(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty() || b.empty()) throw Error("frame interpolation needs two frames; got an empty one");
  if (a.type() != CV_8UC3 || b.type() != CV_8UC3) throw Error("frame interpolation works on 8-bit RGB frames");
  if (a.size() != b.size())
    throw Error("the two frames differ in size (" + std::to_string(a.cols) + "x" + std::to_string(a.rows) + " and " +
                std::to_string(b.cols) + "x" + std::to_string(b.rows) + "); resize one first (jielong convert --width W --height H)");
}

}  // namespace jl
