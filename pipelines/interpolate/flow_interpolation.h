// Classic frame interpolation by optical flow, in the steps the learned method builds on:
//  1. dense optical flow both ways (OpenCV's DIS, on grey levels): A -> B and B -> A;
//  2. occlusions by forward-backward consistency: a pixel of A whose flow, followed there and back,
//     does not return home is not visible in B (and the same for B);
//  3. the flows from the in-between frame at t back to A and to B, by splatting each frame's pixels
//     forward to where they are at t (a pixel visible in both frames outweighs one that is not, so a
//     moving object's flow wins over the background it covers); holes are filled from around them.
//     A pixel's path is a straight line from A to B, or, in a video whose frames before A and after B
//     are known, a parabola through them where the frame has texture to measure it (motion that
//     speeds up or slows down: animation eases in and out; measured: Megamind +1.3 dB, vtest and
//     tree +-0.05);
//  4. both frames warped backward to t, and blended with weights (1 - t, t), leaning towards the frame
//     that alone sees a sample where the other's is known not to exist.
#pragma once

#include <memory>
#include <opencv2/core/mat.hpp>

#include "pipelines/interpolate/frame_interpolator.h"

namespace jl {

// What steps 1 and 2 find for a pair.
struct PairFlows {
  cv::Mat a, b;                      // CV_32FC3, 0..1
  cv::Mat flow_ab, flow_ba;          // CV_32FC2: A(x) ~ B(x + flow_ab(x)), and the other way
  cv::Mat occluded_a, occluded_b;    // CV_32F, 1 where the pixel is not seen in the other frame
  // From the neighbouring pairs of a video, when known (empty otherwise): the frame before A and the
  // frame after B (CV_32FC3), A -> the one before and B -> the one after, and their distances in time
  // from A and from B in units of A to B.
  cv::Mat before, after;
  cv::Mat flow_a_before, flow_b_after;
  double before_gap = 1, after_gap = 1;
  // From those: half the acceleration of A's and of B's pixels on their parabolas, trusted where the
  // frame has texture; empty where the neighbour is not known (a straight path).
  cv::Mat acceleration_a, acceleration_b;
};
PairFlows estimate_pair_flows(const cv::Mat& a_rgb8, const cv::Mat& b_rgb8);
// The neighbours' part of a study found directly (the trainer's way; a video takes them from the
// neighbouring pairs, FlowPair::set_neighbours). Either frame may be empty: none on that side.
void add_neighbours(PairFlows& pair, const cv::Mat& before_rgb8, const cv::Mat& after_rgb8);

// A pair studied by optical flow (the classic and learned methods): the study, and its neighbours'.
class FlowPair : public FramePair {
 public:
  explicit FlowPair(PairFlows flows) : flows_(std::move(flows)) {}
  void set_neighbours(const FramePair* before, const FramePair* after, double before_gap, double after_gap) override;
  const PairFlows& flows() const { return flows_; }

 protected:
  PairFlows flows_;
};

// Step 3: from the frame at t, where each pixel comes from in A and in B (CV_32FC2 each).
struct FlowsAt {
  cv::Mat to_a, to_b;
};
FlowsAt flows_at(const PairFlows& pair, double t);

// image sampled at x + flow(x) (bilinear, edges repeated).
cv::Mat backward_warp(const cv::Mat& image, const cv::Mat& flow);

// Step 4: both frames warped to t, and where each sample is one the other frame is known not to see.
struct WarpedAt {
  cv::Mat from_a, from_b;          // CV_32FC3
  cv::Mat a_unseen, b_unseen;      // CV_32F: the sample of A (of B) is not seen in B (in A)
  // The frames before A and after B, when known, warped to t along A's and B's paths (CV_32FC3, or
  // empty; only from warp_with_neighbours_to): the learned method reads them, the classic one does not.
  cv::Mat from_before, from_after;
};
WarpedAt warp_to(const PairFlows& pair, const FlowsAt& flows);
WarpedAt warp_with_neighbours_to(const PairFlows& pair, const FlowsAt& flows);

// The in-between at t, CV_32FC3 0..1. A frame's weight is (1 - t) or t, times (1 - kOcclusionTrust)
// where the other frame alone sees the sample. The check also fires where the flow is merely wrong
// (leaves, noise): measured on the eval videos, full trust cost 0.1 dB against none, while on
// ShapeWorld's clean occlusions it gained 0.05 dB; half keeps most of both.
constexpr float kOcclusionTrust = 0.5f;
cv::Mat blend_warped(const WarpedAt& warped, double t);

std::shared_ptr<const FrameInterpolator> classic_interpolator();

}  // namespace jl
