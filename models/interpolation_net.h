// InterpolationNet: the learned half of `jielong interpolate --method learned`. It does not find
// motion itself — the classic method's optical flow does (pipelines/interpolate/flow_interpolation.h) —
// it corrects it: given both frames, both frames warped to the in-between time, the flows that warped
// them, where each frame's samples are known not to exist in the other, t, and in a video the frames
// before A and after B warped to t, a small U-Net predicts a correction of the two flows, a bias of
// the blend towards one frame, how much of the frames before and after to mix in, and a colour residual
// (RIFE's flow refinement, fusion mask and refinement, in spirit). Its last convolution starts at
// zero, so an untrained network is the classic method exactly and training starts from the baseline
// it must beat.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace jl::models {

struct InterpolationNetConfig {
  std::vector<int> channels{16, 32, 48, 64};  // per level; the side halves between levels
  // The network reads its inputs shrunk by this factor and its outputs are enlarged back: a 768x576
  // video frame costs a quarter as much at 2. The warps and the blend themselves stay at full
  // resolution. 1 by default: what the network learns is mostly a colour residual at the edges of
  // what moves, which an enlarged residual blurs (on Megamind: -0.8 dB at 2, -0.3 at 1).
  int scale = 1;
  void validate() const;
  int multiple() const { return (1 << (channels.size() - 1)) * scale; }  // input sides are padded to this
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InterpolationNetConfig, channels, scale)

class InterpolationNetImpl : public torch::nn::Module {
 public:
  // What the network reads, per pixel: A, B, A and B warped to t (3 each), the flows to A and to B in
  // pixels / 16 (2 each), A's and B's samples unseen in the other frame (1 each), t, the frames
  // before A and after B warped to t (3 each), whether each is known (1 each).
  static constexpr int kInputs = 27;
  // What it writes: corrections of the flows to A and to B (pixels), the blend's bias towards A
  // (log weight), a colour residual, the weight of the frames before and after.
  static constexpr int kOutputs = 9;

  explicit InterpolationNetImpl(const InterpolationNetConfig& config);
  // x: [B, kInputs, H, W], H and W multiples of config.multiple() -> [B, kOutputs, H, W] (computed at
  // H / scale x W / scale and enlarged bilinearly).
  torch::Tensor forward(const torch::Tensor& x);

  InterpolationNetConfig config;

 private:
  torch::nn::ModuleList down{nullptr}, up{nullptr};
  torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(InterpolationNet);

inline constexpr const char* kInterpolationNetModel = "interpolation_net";

// Builds the model a checkpoint describes and loads it strictly (eval mode).
InterpolationNet load_interpolation_net(const std::filesystem::path& path);

}  // namespace jl::models
