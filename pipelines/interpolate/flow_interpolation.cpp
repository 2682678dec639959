#include "pipelines/interpolate/flow_interpolation.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/error.h"

namespace jl {

namespace {

// A pixel that fails the forward-backward check still lands somewhere at time t; it counts this much
// against a pixel seen in both frames landing on the same spot.
constexpr float kOccludedWeight = 0.05f;

// Grey-level gradient (Sobel on 0..1 levels, blurred) from which a pixel's acceleration is trusted.
constexpr double kTexturedGradient = 0.3;

// The neighbours' time gaps (in units of the pair's interval) that a parabola is fitted through.
constexpr double kMinNeighbourGap = 0.25, kMaxNeighbourGap = 4;

cv::Mat grey(const cv::Mat& rgb8) {
  cv::Mat g;
  cv::cvtColor(rgb8, g, cv::COLOR_RGB2GRAY);
  return g;
}

cv::Mat dis_flow(const cv::Mat& from, const cv::Mat& to) {
  // The "fast" preset's search, carried down to half resolution (it stops at a quarter). Measured on
  // the eval videos and ShapeWorld: better than "medium" everywhere and 1.5-2x faster; the preset as
  // it is loses small moving objects (a 16-pixel square moving 8: 28 dB against 34).
  cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST);
  dis->setFinestScale(1);
  cv::Mat flow;
  dis->calc(from, to, flow);
  return flow;
}

// The sampling map x + flow(x) for cv::remap.
cv::Mat sampling_map(const cv::Mat& flow) {
  cv::Mat map(flow.size(), CV_32FC2);
  for (int y = 0; y < flow.rows; ++y) {
    const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
    cv::Vec2f* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < flow.cols; ++x) m[x] = cv::Vec2f(float(x) + f[x][0], float(y) + f[x][1]);
  }
  return map;
}

// Forward-backward consistency (Sundaram, Brox and Keutzer 2010): the flow there and the flow back
// should cancel, up to a tolerance that grows with the motion.
cv::Mat occlusions(const cv::Mat& forward, const cv::Mat& backward) {
  const cv::Mat back = backward_warp(backward, forward);
  cv::Mat occluded(forward.size(), CV_32F);
  for (int y = 0; y < forward.rows; ++y) {
    const cv::Vec2f* f = forward.ptr<cv::Vec2f>(y);
    const cv::Vec2f* b = back.ptr<cv::Vec2f>(y);
    float* o = occluded.ptr<float>(y);
    for (int x = 0; x < forward.cols; ++x) {
      const cv::Vec2f sum = f[x] + b[x];
      const float tolerance = 0.01f * (f[x].dot(f[x]) + b[x].dot(b[x])) + 0.5f;
      o[x] = sum.dot(sum) > tolerance ? 1.0f : 0.0f;
    }
  }
  return occluded;
}

// Accumulates flows splatted to time t: each source pixel lands at its position at t, bilinearly.
struct Splat {
  cv::Mat to_a, to_b, weight;  // sums
  explicit Splat(cv::Size size)
      : to_a(cv::Mat::zeros(size, CV_32FC2)), to_b(cv::Mat::zeros(size, CV_32FC2)), weight(cv::Mat::zeros(size, CV_32F)) {}

  // Every pixel x of one frame moves by `flow` (to the other frame); at t it is displaced by
  // `moved`. Its flows back to the source frame and on to the other are -moved and flow - moved;
  // `from_a` says which of A and B the source is.
  void add(const cv::Mat& flow, const cv::Mat& moved, const cv::Mat& occluded, bool from_a) {
    for (int y = 0; y < flow.rows; ++y) {
      const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
      const cv::Vec2f* m = moved.ptr<cv::Vec2f>(y);
      const float* o = occluded.ptr<float>(y);
      for (int x = 0; x < flow.cols; ++x) {
        const float px = float(x) + m[x][0], py = float(y) + m[x][1];
        const cv::Vec2f to_source = -m[x], to_other = f[x] - m[x];
        const cv::Vec2f& va = from_a ? to_source : to_other;
        const cv::Vec2f& vb = from_a ? to_other : to_source;
        const float w = o[x] > 0.5f ? kOccludedWeight : 1.0f;
        const int x0 = int(std::floor(px)), y0 = int(std::floor(py));
        const float fx = px - float(x0), fy = py - float(y0);
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) {
            const int xx = x0 + dx, yy = y0 + dy;
            if (xx < 0 || yy < 0 || xx >= flow.cols || yy >= flow.rows) continue;
            const float share = w * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
            to_a.at<cv::Vec2f>(yy, xx) += share * va;
            to_b.at<cv::Vec2f>(yy, xx) += share * vb;
            weight.at<float>(yy, xx) += share;
          }
      }
    }
  }
};

// Normalises the splatted sums; where nothing landed, the flows come from ever coarser levels of
// their pyramid (normalised convolution: sums and weights are averaged alike), and as a last resort
// the pixel stays put. Holes are few, so only they look into the pyramid.
FlowsAt resolve(const Splat& s) {
  constexpr float kEnough = 1e-3f;
  constexpr int kLevels = 6;
  FlowsAt out{cv::Mat::zeros(s.weight.size(), CV_32FC2), cv::Mat::zeros(s.weight.size(), CV_32FC2)};
  std::vector<cv::Mat> to_a{s.to_a}, to_b{s.to_b}, weight{s.weight};
  for (int y = 0; y < s.weight.rows; ++y)
    for (int x = 0; x < s.weight.cols; ++x) {
      for (int level = 0; level < kLevels; ++level) {
        if (level == int(weight.size())) {
          if (weight.back().rows < 2 || weight.back().cols < 2) break;
          for (auto* pyramid : {&to_a, &to_b, &weight}) {
            cv::Mat down;
            cv::pyrDown(pyramid->back(), down);
            pyramid->push_back(down);
          }
        }
        const int ly = std::min(y >> level, weight[size_t(level)].rows - 1), lx = std::min(x >> level, weight[size_t(level)].cols - 1);
        const float w = weight[size_t(level)].at<float>(ly, lx);
        if (w < kEnough) continue;
        out.to_a.at<cv::Vec2f>(y, x) = to_a[size_t(level)].at<cv::Vec2f>(ly, lx) / w;
        out.to_b.at<cv::Vec2f>(y, x) = to_b[size_t(level)].at<cv::Vec2f>(ly, lx) / w;
        break;
      }
    }
  return out;
}

// Half the acceleration c of each pixel of `frame` (CV_32FC3) on the parabola x(s) = v s + c s^2
// through its flow to the other frame (s = 1) and its flow to a frame `gap` intervals on the far side
// (s = -gap); empty without the latter.
cv::Mat half_acceleration(const cv::Mat& frame, const cv::Mat& flow, const cv::Mat& flow_back, double gap) {
  if (flow_back.empty()) return cv::Mat();
  // x(s) = v s + c s^2 with x(1) = flow and x(-gap) = flow_back: c = (flow_back + gap flow) / (gap (1 + gap)).
  const cv::Mat c = (flow_back + flow * gap) * (1.0 / (gap * (1 + gap)));
  // Where the frame is flat, DIS's flow is filled in from around, and what changes in it between
  // frames is not motion: the acceleration counts in proportion to the local gradient, fully from
  // kTexturedGradient up. (Measured: ShapeWorld's flat shapes, 50.17 dB along straight lines, fell to
  // 47.28 on parabolas everywhere, 48.76 with this; Megamind 40.21 -> 40.16.)
  cv::Mat levels, gx, gy, gradient;
  cv::cvtColor(frame, levels, cv::COLOR_RGB2GRAY);
  cv::Sobel(levels, gx, CV_32F, 1, 0);
  cv::Sobel(levels, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, gradient);
  cv::GaussianBlur(gradient, gradient, cv::Size(0, 0), 2);
  cv::Mat weight = cv::min(gradient * (1.0 / kTexturedGradient), 1.0);
  cv::Mat weight2;
  cv::merge(std::vector<cv::Mat>{weight, weight}, weight2);
  return c.mul(weight2);
}

// Where each pixel of a frame is at `travelled` (0..1) of its way to the other frame: on the parabola
// with that half acceleration, or on a straight line where it is empty. CV_32FC2 displacements.
cv::Mat displacement_at(const cv::Mat& flow, const cv::Mat& half_acc, double travelled) {
  const float s = float(travelled);
  if (half_acc.empty()) return flow * s;
  return flow * s + half_acc * (s * s - s);
}

// Sets the accelerations from the neighbours' flows and gaps (both ways of adding neighbours end here).
void follow_neighbours(PairFlows& pair) {
  pair.acceleration_a = half_acceleration(pair.a, pair.flow_ab, pair.flow_a_before, pair.before_gap);
  pair.acceleration_b = half_acceleration(pair.b, pair.flow_ba, pair.flow_b_after, pair.after_gap);
}

cv::Mat endpoint(const PairFlows& pair, double t) {  // exactly A or B, as given
  cv::Mat out;
  (t <= 0 ? pair.a : pair.b).convertTo(out, CV_8UC3, 255.0);
  return out;
}

class ClassicPair : public FlowPair {
 public:
  using FlowPair::FlowPair;
  cv::Mat at(double t) const override {
    if (t <= 0 || t >= 1) return endpoint(flows_, t);
    cv::Mat out;
    blend_warped(warp_to(flows_, flows_at(flows_, t)), t).convertTo(out, CV_8UC3, 255.0);
    return out;
  }
};

class ClassicInterpolator : public FrameInterpolator {
 public:
  std::unique_ptr<FramePair> pair(const cv::Mat& a, const cv::Mat& b) const override {
    check_frame_pair(a, b);
    return std::make_unique<ClassicPair>(estimate_pair_flows(a, b));
  }
  std::string name() const override { return "classic"; }
};

}  // namespace

void add_neighbours(PairFlows& pair, const cv::Mat& before_rgb8, const cv::Mat& after_rgb8) {
  auto add = [&](const cv::Mat& frame8, const cv::Mat& near, cv::Mat& frame, cv::Mat& flow) {
    if (frame8.empty()) return;
    if (frame8.type() != CV_8UC3 || frame8.size() != near.size()) throw Error("a neighbouring frame must be 8-bit RGB of the pair's size");
    cv::Mat near8;
    near.convertTo(near8, CV_8UC3, 255.0);
    frame8.convertTo(frame, CV_32FC3, 1.0 / 255);
    flow = dis_flow(grey(near8), grey(frame8));
  };
  add(before_rgb8, pair.a, pair.before, pair.flow_a_before);
  add(after_rgb8, pair.b, pair.after, pair.flow_b_after);
  follow_neighbours(pair);
}

PairFlows estimate_pair_flows(const cv::Mat& a_rgb8, const cv::Mat& b_rgb8) {
  PairFlows p;
  a_rgb8.convertTo(p.a, CV_32FC3, 1.0 / 255);
  b_rgb8.convertTo(p.b, CV_32FC3, 1.0 / 255);
  const cv::Mat ga = grey(a_rgb8), gb = grey(b_rgb8);
  p.flow_ab = dis_flow(ga, gb);
  p.flow_ba = dis_flow(gb, ga);
  p.occluded_a = occlusions(p.flow_ab, p.flow_ba);
  p.occluded_b = occlusions(p.flow_ba, p.flow_ab);
  return p;
}

void FlowPair::set_neighbours(const FramePair* before, const FramePair* after, double before_gap, double after_gap) {
  // The pair (P, A) holds A -> P as its flow_ba, the pair (B, N) holds B -> N as its flow_ab: each
  // flow of a video is found once. A neighbour much nearer or farther in time than the pair's own
  // interval is left out: the parabola's acceleration divides by the gap (a repeated timestamp would
  // make it infinite) and a far one says little about the motion between A and B.
  auto usable = [](double gap) { return gap >= kMinNeighbourGap && gap <= kMaxNeighbourGap; };
  const auto* b = usable(before_gap) ? dynamic_cast<const FlowPair*>(before) : nullptr;
  const auto* n = usable(after_gap) ? dynamic_cast<const FlowPair*>(after) : nullptr;
  flows_.before = b ? b->flows().a : cv::Mat();
  flows_.after = n ? n->flows().b : cv::Mat();
  flows_.flow_a_before = b ? b->flows().flow_ba : cv::Mat();
  flows_.flow_b_after = n ? n->flows().flow_ab : cv::Mat();
  flows_.before_gap = before_gap;
  flows_.after_gap = after_gap;
  follow_neighbours(flows_);
}

FlowsAt flows_at(const PairFlows& pair, double t) {
  Splat splat(pair.flow_ab.size());
  splat.add(pair.flow_ab, displacement_at(pair.flow_ab, pair.acceleration_a, t), pair.occluded_a, /*from_a=*/true);
  splat.add(pair.flow_ba, displacement_at(pair.flow_ba, pair.acceleration_b, 1 - t), pair.occluded_b, /*from_a=*/false);
  return resolve(splat);
}

cv::Mat backward_warp(const cv::Mat& image, const cv::Mat& flow) {
  cv::Mat out;
  cv::remap(image, out, sampling_map(flow), cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

WarpedAt warp_to(const PairFlows& pair, const FlowsAt& flows) {
  return {backward_warp(pair.a, flows.to_a), backward_warp(pair.b, flows.to_b), backward_warp(pair.occluded_a, flows.to_a),
          backward_warp(pair.occluded_b, flows.to_b), cv::Mat(), cv::Mat()};
}

WarpedAt warp_with_neighbours_to(const PairFlows& pair, const FlowsAt& flows) {
  // A sample at t comes from A at x + to_a(x), which came from the frame before at that point plus
  // its flow there.
  auto beyond = [](const cv::Mat& frame, const cv::Mat& to_near, const cv::Mat& near_to_far) {
    return frame.empty() ? cv::Mat() : backward_warp(frame, to_near + backward_warp(near_to_far, to_near));
  };
  WarpedAt warped = warp_to(pair, flows);
  warped.from_before = beyond(pair.before, flows.to_a, pair.flow_a_before);
  warped.from_after = beyond(pair.after, flows.to_b, pair.flow_b_after);
  return warped;
}

cv::Mat blend_warped(const WarpedAt& w, double t) {
  // A sample of A that B does not see must not be averaged with B's sample there, and the other way.
  cv::Mat out(w.from_a.size(), CV_32FC3);
  for (int y = 0; y < out.rows; ++y) {
    const cv::Vec3f *fa = w.from_a.ptr<cv::Vec3f>(y), *fb = w.from_b.ptr<cv::Vec3f>(y);
    const float *ua = w.a_unseen.ptr<float>(y), *ub = w.b_unseen.ptr<float>(y);
    cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
    for (int x = 0; x < out.cols; ++x) {
      const float wa = float(1 - t) * (1 - kOcclusionTrust * ub[x]), wb = float(t) * (1 - kOcclusionTrust * ua[x]);
      o[x] = (wa * fa[x] + wb * fb[x]) / std::max(wa + wb, 1e-6f);
    }
  }
  return out;
}

std::shared_ptr<const FrameInterpolator> classic_interpolator() { return std::make_shared<ClassicInterpolator>(); }

}  // namespace jl
