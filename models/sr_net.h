// SuperResolutionNet: the studio's own upscalers (`photo` for photographs, `world` for ShapeWorld
// generations), sized for a CPU. All the work happens at the input's resolution — a convolution into
// features, residual blocks, a convolution to scale^2 sub-pixel outputs per colour, pixel shuffle —
// and the network only adds detail to a bicubic upscale (its last convolution starts at zero, so an
// untrained network is exactly bicubic and training starts from the baseline it must beat).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace jl::models {

struct SuperResolutionNetConfig {
  int scale = 4;      // 2, 3, 4 or 8
  int channels = 48;  // features, at the input's resolution
  int blocks = 8;     // residual blocks (3x3 conv, ReLU, 3x3 conv, plus the input)
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SuperResolutionNetConfig, scale, channels, blocks)

class SuperResolutionNetImpl : public torch::nn::Module {
 public:
  explicit SuperResolutionNetImpl(const SuperResolutionNetConfig& config);
  // x: [B, 3, H, W] in 0..1 -> [B, 3, H * scale, W * scale], about 0..1 (not clamped).
  torch::Tensor forward(const torch::Tensor& x);
  // Floating-point operations of the convolutions per input pixel (a multiply and an add per weight use).
  double flops_per_pixel() const;
  // The bicubic upscale the network adds its detail to (also the trainer's baseline).
  static torch::Tensor bicubic(const torch::Tensor& x, int scale);

  SuperResolutionNetConfig config;

 private:
  torch::nn::Conv2d input{nullptr}, output{nullptr};
  torch::nn::ModuleList body{nullptr};  // pairs of convolutions
};
TORCH_MODULE(SuperResolutionNet);

inline constexpr const char* kSuperResolutionNetModel = "super_resolution_net";

// Builds the model a checkpoint describes and loads it strictly (eval mode).
SuperResolutionNet load_super_resolution_net(const std::filesystem::path& path);

}  // namespace jl::models
