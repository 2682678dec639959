// `--method learned`: the classic method's estimate (flow_interpolation.h) refined by an
// InterpolationNet (models/interpolation_net.h), which corrects both flows, biases the blend, mixes in
// the frames before A and after B where a video has them, and adds a colour residual. The same
// synthesis serves the pipeline and `jielong train interpolator`. The pipeline runs the network only
// on the tiles of a frame where the classic estimate is in doubt (learned_interpolation.cpp).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "models/interpolation_net.h"
#include "pipelines/interpolate/flow_interpolation.h"

namespace jl {

// The classic estimate of one or more in-betweens as tensors ([N, C, H, W], float32).
struct InterpolationInputs {
  torch::Tensor a, b;                // [N, 3]: the two frames, 0..1
  torch::Tensor to_a, to_b;          // [N, 2]: from the in-between to each frame, pixels (x, y)
  torch::Tensor a_at_t, b_at_t;      // [N, 3]: A and B warped to t along them (WarpedAt::from_a, from_b)
  torch::Tensor a_unseen, b_unseen;  // [N, 1]: warped to t
  // [N, 3]: the frames before A and after B warped to t (WarpedAt::from_before, from_after), and [N]:
  // 1 where that frame is known (0: the tensor is A's or B's own warp, and counts for nothing).
  torch::Tensor before_at_t, after_at_t;
  torch::Tensor has_before, has_after;
  torch::Tensor t;                   // [N]
  // Where the items are windows cut from one pair of frames (the pipeline redraws only some tiles of
  // a frame): the whole frames A and B ([1, 3, H, W]), which the warps read, since a flow may point
  // outside its window, and each window's top-left corner in them ([N, 2]: x, y, may be negative).
  // Undefined where each item is a whole pair.
  torch::Tensor frame_a, frame_b, origin;
};
InterpolationInputs interpolation_inputs(const PairFlows& pair, const FlowsAt& flows, const WarpedAt& warped, double t);
InterpolationInputs concatenate(const std::vector<InterpolationInputs>& items);

// image [N or 1, C, H, W] sampled at x + flow(x) (bilinear, edges repeated), differentiably. flow:
// [N, 2, h, w]; with `origin` ([N, 2]) the flow's pixel (0, 0) is the image's pixel origin[n].
torch::Tensor warp_tensor(const torch::Tensor& image, const torch::Tensor& flow, const torch::Tensor& origin = {});

// The refined in-between: [N, 3, H, W], about 0..1 (not clamped). Any size (padded inside).
torch::Tensor synthesize(models::InterpolationNetImpl& net, const InterpolationInputs& x);

std::shared_ptr<const FrameInterpolator> learned_interpolator(std::shared_ptr<models::InterpolationNetImpl> net);

}  // namespace jl
