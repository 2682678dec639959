#include "pipelines/interpolate/learned_interpolation.h"

#include <opencv2/core.hpp>

#include "media_io/tensor_image.h"
#include "models/runtime.h"

namespace jl {

namespace F = torch::nn::functional;

namespace {

constexpr double kFlowScale = 16;  // flows reach the network in units of 16 pixels
// The colour residual counts fully only where the two frames, warped to t, disagree by well over this
// (0..1 units): where they agree the in-between is known, and a network's small residual there is
// pure error — on Megamind, whose classic in-betweens are within a few levels, ungated residuals cost
// 0.3 dB; this gate, applied to a network trained without it, gave back 0.23 of them, and 3,000 steps
// trained with it left 0.2 (docs/benchmarks.md, "The learned method on real footage").
constexpr double kResidualGate = 0.03;
constexpr double kMaxFarWeight = 0.5;

// The network redraws a tile of the frame (with a margin of context it reads too) only where the
// frames' samples at t disagree by over kDoubt at more than kDoubtfulShare of its pixels: A's with
// B's, or A's and B's with the frames before and after where known. Elsewhere the classic blend
// stands: there the in-between is known, and on the evaluation videos the network's output there
// changed nothing (vtest 30.86 dB, tree 28.19 -> 28.18, Megamind 40.07 -> 40.08 with tiles redrawn
// at doubts over 0.2; over 0.05 or 0.1 the same), while a still camera's frame needs a twentieth or
// a tenth of its tiles redrawn (docs/benchmarks.md, "The learned method's speed").
constexpr int kTile = 64;
constexpr int kTileMargin = 16;  // (a network whose inputs must be multiples of more runs on whole frames)
constexpr float kDoubt = 0.2f;
constexpr double kDoubtfulShare = 0.01;

torch::Tensor from_mat(const cv::Mat& m) {  // CV_32FC{1,2,3} -> [1, C, H, W]
  return torch::from_blob(const_cast<float*>(m.ptr<float>()), {1, m.rows, m.cols, m.channels()}, torch::kFloat32)
      .permute({0, 3, 1, 2})
      .clone();
}

// Per pixel, the largest disagreement between the samples at t (0..1 units).
cv::Mat doubt(const WarpedAt& w) {
  auto apart = [](const cv::Mat& x, const cv::Mat& y) {
    cv::Mat d, most;
    cv::absdiff(x, y, d);
    cv::reduce(d.reshape(1, int(d.total())), most, 1, cv::REDUCE_MAX);
    return most.reshape(1, x.rows);
  };
  cv::Mat out = apart(w.from_a, w.from_b);
  if (!w.from_before.empty()) out = cv::max(out, apart(w.from_before, w.from_a));
  if (!w.from_after.empty()) out = cv::max(out, apart(w.from_after, w.from_b));
  return out;
}

// The kTile tiles (clipped to the frame) the network must redraw.
std::vector<cv::Rect> tiles_in_doubt(const WarpedAt& w) {
  const cv::Mat doubtful = doubt(w) > kDoubt;
  std::vector<cv::Rect> tiles;
  for (int y = 0; y < doubtful.rows; y += kTile)
    for (int x = 0; x < doubtful.cols; x += kTile) {
      const cv::Rect tile = cv::Rect(x, y, kTile, kTile) & cv::Rect(0, 0, doubtful.cols, doubtful.rows);
      if (cv::countNonZero(doubtful(tile)) > kDoubtfulShare * tile.area()) tiles.push_back(tile);
    }
  return tiles;
}

// The tiles' windows (kTileMargin more on every side; beyond the frame its edges repeated) as a batch,
// cut from the pictures before they become tensors: only the windows are converted.
InterpolationInputs windows_of(const PairFlows& pair, const FlowsAt& flows, const WarpedAt& warped, double t,
                               const std::vector<cv::Rect>& tiles) {
  const int window = kTile + 2 * kTileMargin;
  const cv::Rect whole(0, 0, pair.a.cols, pair.a.rows);
  std::vector<InterpolationInputs> items;
  for (const cv::Rect& tile : tiles) {
    const cv::Rect wanted(tile.x - kTileMargin, tile.y - kTileMargin, window, window), inside = wanted & whole;
    auto cut = [&](const cv::Mat& m) {
      if (m.empty()) return cv::Mat();
      cv::Mat out;
      const int left = inside.x - wanted.x, top = inside.y - wanted.y;
      cv::copyMakeBorder(m(inside), out, top, window - inside.height - top, left, window - inside.width - left, cv::BORDER_REPLICATE);
      return out;
    };
    PairFlows frames;
    frames.a = cut(pair.a);
    frames.b = cut(pair.b);
    const WarpedAt w{cut(warped.from_a), cut(warped.from_b), cut(warped.a_unseen), cut(warped.b_unseen), cut(warped.from_before), cut(warped.from_after)};
    items.push_back(interpolation_inputs(frames, {cut(flows.to_a), cut(flows.to_b)}, w, t));
  }
  InterpolationInputs out = concatenate(items);
  // The warps read the whole frames, as they are (no copy: they outlive the synthesis).
  auto view = [](const cv::Mat& m) {
    CV_Assert(m.type() == CV_32FC3 && m.isContinuous());
    return torch::from_blob(const_cast<float*>(m.ptr<float>()), {1, m.rows, m.cols, 3}, torch::kFloat32).permute({0, 3, 1, 2});
  };
  out.frame_a = view(pair.a);
  out.frame_b = view(pair.b);
  out.origin = torch::empty({int64_t(tiles.size()), 2});
  for (size_t i = 0; i < tiles.size(); ++i) {
    out.origin[int64_t(i)][0] = tiles[i].x - kTileMargin;
    out.origin[int64_t(i)][1] = tiles[i].y - kTileMargin;
  }
  return out;
}

class LearnedPair : public FlowPair {
 public:
  LearnedPair(std::shared_ptr<models::InterpolationNetImpl> net, PairFlows flows) : FlowPair(std::move(flows)), net_(std::move(net)) {}
  cv::Mat at(double t) const override {
    if (t <= 0 || t >= 1) {
      cv::Mat out;
      (t <= 0 ? flows_.a : flows_.b).convertTo(out, CV_8UC3, 255.0);
      return out;
    }
    torch::NoGradGuard no_grad;  // not InferenceMode: a network in training is evaluated between its steps
    // bfloat16 convolutions where the CPU multiplies them natively: 1.5-2x faster, and the same
    // figures on the evaluation videos to 0.01 dB.
    const BFloat16Autocast autocast(cpu_has_bfloat16());
    const FlowsAt flows = flows_at(flows_, t);
    const WarpedAt warped = warp_with_neighbours_to(flows_, flows);
    const std::vector<cv::Rect> tiles = tiles_in_doubt(warped);
    const int window = kTile + 2 * kTileMargin, multiple = net_->config.multiple();
    if (kTileMargin % multiple || tiles.size() * window * window >= size_t(flows_.a.total()))  // windows cost more than the frame
      return media::tensor_to_image(synthesize(*net_, interpolation_inputs(flows_, flows, warped, t))[0]);
    cv::Mat fused = blend_warped(warped, t), out;
    if (!tiles.empty()) {
      const torch::Tensor redrawn = synthesize(*net_, windows_of(flows_, flows, warped, t, tiles)).permute({0, 2, 3, 1}).contiguous();
      for (size_t i = 0; i < tiles.size(); ++i) {
        const torch::Tensor centre = redrawn[int64_t(i)].narrow(0, kTileMargin, tiles[i].height).narrow(1, kTileMargin, tiles[i].width).contiguous();
        cv::Mat(tiles[i].height, tiles[i].width, CV_32FC3, centre.data_ptr<float>()).copyTo(fused(tiles[i]));
      }
    }
    fused.convertTo(out, CV_8UC3, 255.0);
    return out;
  }

 private:
  std::shared_ptr<models::InterpolationNetImpl> net_;
};

class LearnedInterpolator : public FrameInterpolator {
 public:
  explicit LearnedInterpolator(std::shared_ptr<models::InterpolationNetImpl> net) : net_(std::move(net)) {}
  std::unique_ptr<FramePair> pair(const cv::Mat& a, const cv::Mat& b) const override {
    check_frame_pair(a, b);
    return std::make_unique<LearnedPair>(net_, estimate_pair_flows(a, b));
  }
  std::string name() const override { return "learned"; }

 private:
  std::shared_ptr<models::InterpolationNetImpl> net_;
};

}  // namespace

InterpolationInputs interpolation_inputs(const PairFlows& pair, const FlowsAt& flows, const WarpedAt& warped, double t) {
  const bool has_before = !warped.from_before.empty(), has_after = !warped.from_after.empty();
  InterpolationInputs x;
  x.a = from_mat(pair.a);
  x.b = from_mat(pair.b);
  x.to_a = from_mat(flows.to_a);
  x.to_b = from_mat(flows.to_b);
  x.a_at_t = from_mat(warped.from_a);
  x.b_at_t = from_mat(warped.from_b);
  x.a_unseen = from_mat(warped.a_unseen);
  x.b_unseen = from_mat(warped.b_unseen);
  x.before_at_t = from_mat(has_before ? warped.from_before : warped.from_a);
  x.after_at_t = from_mat(has_after ? warped.from_after : warped.from_b);
  x.has_before = torch::full({1}, has_before ? 1.0f : 0.0f);
  x.has_after = torch::full({1}, has_after ? 1.0f : 0.0f);
  x.t = torch::full({1}, t);
  return x;
}

InterpolationInputs concatenate(const std::vector<InterpolationInputs>& items) {
  InterpolationInputs out;
  auto cat = [&](torch::Tensor InterpolationInputs::*field) {
    std::vector<torch::Tensor> parts;
    for (const InterpolationInputs& item : items) parts.push_back(item.*field);
    out.*field = torch::cat(parts);
  };
  for (auto field : {&InterpolationInputs::a, &InterpolationInputs::b, &InterpolationInputs::to_a, &InterpolationInputs::to_b,
                     &InterpolationInputs::a_at_t, &InterpolationInputs::b_at_t,
                     &InterpolationInputs::a_unseen, &InterpolationInputs::b_unseen, &InterpolationInputs::before_at_t,
                     &InterpolationInputs::after_at_t, &InterpolationInputs::has_before, &InterpolationInputs::has_after,
                     &InterpolationInputs::t})
    cat(field);
  return out;
}

torch::Tensor warp_tensor(const torch::Tensor& image, const torch::Tensor& flow, const torch::Tensor& origin) {
  const int64_t n = flow.size(0), fh = flow.size(2), fw = flow.size(3), h = image.size(2), w = image.size(3);
  torch::Tensor xs = torch::arange(fw, torch::kFloat32).view({1, 1, fw}).expand({n, fh, fw});
  torch::Tensor ys = torch::arange(fh, torch::kFloat32).view({1, fh, 1}).expand({n, fh, fw});
  if (origin.defined()) {
    xs = xs + origin.select(1, 0).view({n, 1, 1});
    ys = ys + origin.select(1, 1).view({n, 1, 1});
  }
  // Normalised sampling positions (align_corners: -1 and 1 are the centres of the edge pixels).
  const torch::Tensor gx = (xs + flow.select(1, 0)) * (2.0 / std::max<int64_t>(w - 1, 1)) - 1;
  const torch::Tensor gy = (ys + flow.select(1, 1)) * (2.0 / std::max<int64_t>(h - 1, 1)) - 1;
  return F::grid_sample(image.size(0) == n ? image : image.expand({n, -1, -1, -1}), torch::stack({gx, gy}, 3),
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(true));
}

torch::Tensor synthesize(models::InterpolationNetImpl& net, const InterpolationInputs& x) {
  const int64_t h = x.a.size(2), w = x.a.size(3), m = net.config.multiple();
  const int64_t ph = (m - h % m) % m, pw = (m - w % m) % m;
  auto pad = [&](const torch::Tensor& v) {
    return ph || pw ? F::pad(v, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate)) : v;
  };
  const torch::Tensor a = pad(x.a), b = pad(x.b), to_a = pad(x.to_a), to_b = pad(x.to_b);
  const torch::Tensor a_at_t = pad(x.a_at_t), b_at_t = pad(x.b_at_t);  // (the classic study's warps: no need to warp again)
  const torch::Tensor a_unseen = pad(x.a_unseen), b_unseen = pad(x.b_unseen);
  const torch::Tensor before_at_t = pad(x.before_at_t), after_at_t = pad(x.after_at_t);
  auto plane = [&](const torch::Tensor& per_item) {
    return per_item.to(torch::kFloat32).view({-1, 1, 1, 1}).expand({a.size(0), 1, a.size(2), a.size(3)});
  };
  const torch::Tensor t = x.t.to(torch::kFloat32).view({-1, 1, 1, 1});
  const torch::Tensor has_before = plane(x.has_before), has_after = plane(x.has_after);
  // The warps read whole frames: the given ones, or the items themselves.
  const torch::Tensor source_a = x.frame_a.defined() ? x.frame_a : a, source_b = x.frame_b.defined() ? x.frame_b : b;
  const torch::Tensor features = torch::cat({a, b, a_at_t, b_at_t, to_a / kFlowScale, to_b / kFlowScale, a_unseen, b_unseen, plane(x.t),
                                             before_at_t, after_at_t, has_before, has_after},
                                            1);
  // (channels last: oneDNN's convolutions run faster so; float32 back from mixed precision.)
  const torch::Tensor out = net.forward(features.contiguous(torch::MemoryFormat::ChannelsLast)).to(torch::kFloat32).contiguous();
  const torch::Tensor from_a = warp_tensor(source_a, to_a + out.narrow(1, 0, 2), x.origin);
  const torch::Tensor from_b = warp_tensor(source_b, to_b + out.narrow(1, 2, 2), x.origin);
  const torch::Tensor bias = out.narrow(1, 4, 1).clamp(-8, 8);
  // The classic blend's weights (blend_warped), tilted by the network's bias.
  const torch::Tensor wa = (1 - t) * (1 - kOcclusionTrust * b_unseen) * torch::exp(bias);
  const torch::Tensor wb = t * (1 - kOcclusionTrust * a_unseen) * torch::exp(-bias);
  const torch::Tensor near = (wa * from_a + wb * from_b) / (wa + wb).clamp_min(1e-6);
  // The frames one interval further out, where known, weighed in by up to kMaxFarWeight: two more
  // looks at what the pair sees, which averages away what changes at random from frame to frame
  // (noise, leaves). A fixed quarter gained tree.avi 0.2 dB and cost Megamind 0.4 (a prototype's
  // measurement, docs/benchmarks.md), so the network decides where.
  const torch::Tensor known = has_before + has_after;
  const torch::Tensor far = (has_before * before_at_t + has_after * after_at_t) / known.clamp_min(1);
  const torch::Tensor far_weight = out.narrow(1, 8, 1).clamp(0, kMaxFarWeight) * (known > 0);
  const torch::Tensor gate = 1 - torch::exp(-(a_at_t - b_at_t).abs().amax(1, true) / kResidualGate);
  const torch::Tensor fused = near + far_weight * (far - near) + gate * out.narrow(1, 5, 3);
  return fused.narrow(2, 0, h).narrow(3, 0, w);
}

std::shared_ptr<const FrameInterpolator> learned_interpolator(std::shared_ptr<models::InterpolationNetImpl> net) {
  return std::make_shared<LearnedInterpolator>(std::move(net));
}

}  // namespace jl
