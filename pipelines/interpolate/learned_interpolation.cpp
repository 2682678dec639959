#include "pipelines/interpolate/learned_interpolation.h"

#include "media_io/tensor_image.h"

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

torch::Tensor from_mat(const cv::Mat& m) {  // CV_32FC{1,2,3} -> [1, C, H, W]
  return torch::from_blob(const_cast<float*>(m.ptr<float>()), {1, m.rows, m.cols, m.channels()}, torch::kFloat32)
      .permute({0, 3, 1, 2})
      .clone();
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
    const FlowsAt flows = flows_at(flows_, t);
    return media::tensor_to_image(synthesize(*net_, interpolation_inputs(flows_, flows, warp_with_neighbours_to(flows_, flows), t))[0]);
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
                     &InterpolationInputs::a_unseen, &InterpolationInputs::b_unseen, &InterpolationInputs::before_at_t,
                     &InterpolationInputs::after_at_t, &InterpolationInputs::has_before, &InterpolationInputs::has_after,
                     &InterpolationInputs::t})
    cat(field);
  return out;
}

torch::Tensor warp_tensor(const torch::Tensor& image, const torch::Tensor& flow) {
  const int64_t h = image.size(2), w = image.size(3);
  const torch::Tensor xs = torch::arange(w, torch::kFloat32).view({1, w}).expand({h, w});
  const torch::Tensor ys = torch::arange(h, torch::kFloat32).view({h, 1}).expand({h, w});
  // Normalised sampling positions (align_corners: -1 and 1 are the centres of the edge pixels).
  const torch::Tensor gx = (xs + flow.select(1, 0)) * (2.0 / std::max<int64_t>(w - 1, 1)) - 1;
  const torch::Tensor gy = (ys + flow.select(1, 1)) * (2.0 / std::max<int64_t>(h - 1, 1)) - 1;
  return F::grid_sample(image, torch::stack({gx, gy}, 3),
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(true));
}

torch::Tensor synthesize(models::InterpolationNetImpl& net, const InterpolationInputs& x) {
  const int64_t h = x.a.size(2), w = x.a.size(3), m = net.config.multiple();
  const int64_t ph = (m - h % m) % m, pw = (m - w % m) % m;
  auto pad = [&](const torch::Tensor& v) {
    return ph || pw ? F::pad(v, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate)) : v;
  };
  const torch::Tensor a = pad(x.a), b = pad(x.b), to_a = pad(x.to_a), to_b = pad(x.to_b);
  const torch::Tensor a_unseen = pad(x.a_unseen), b_unseen = pad(x.b_unseen);
  const torch::Tensor before_at_t = pad(x.before_at_t), after_at_t = pad(x.after_at_t);
  auto plane = [&](const torch::Tensor& per_item) {
    return per_item.to(torch::kFloat32).view({-1, 1, 1, 1}).expand({a.size(0), 1, a.size(2), a.size(3)});
  };
  const torch::Tensor t = x.t.to(torch::kFloat32).view({-1, 1, 1, 1});
  const torch::Tensor has_before = plane(x.has_before), has_after = plane(x.has_after);
  const torch::Tensor a_at_t = warp_tensor(a, to_a), b_at_t = warp_tensor(b, to_b);
  const torch::Tensor features = torch::cat({a, b, a_at_t, b_at_t, to_a / kFlowScale, to_b / kFlowScale, a_unseen, b_unseen, plane(x.t),
                                             before_at_t, after_at_t, has_before, has_after},
                                            1);
  const torch::Tensor out = net.forward(features);
  const torch::Tensor from_a = warp_tensor(a, to_a + out.narrow(1, 0, 2)), from_b = warp_tensor(b, to_b + out.narrow(1, 2, 2));
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
