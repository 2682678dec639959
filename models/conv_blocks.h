// Convolutional building blocks shared by the image models (the patch tokenizer now, the diffusion
// denoiser and the upscalers later).
#pragma once

#include <torch/torch.h>

namespace jl::models {

// GroupNorm with as many groups (up to 8) as divide the channels: small models keep per-group
// statistics meaningful without a channel-count constraint.
torch::nn::GroupNorm group_norm(int64_t channels);

// GroupNorm has no bfloat16 autocast rule on the CPU in libtorch 1.13 (it fails on bfloat16 input):
// blocks hand it float32, a no-op outside mixed precision.
torch::Tensor float32(const torch::Tensor& x);

// Pre-activation residual block: norm -> SiLU -> conv3x3 -> norm -> SiLU -> conv3x3, plus the input
// (through a 1x1 conv when the channel count changes). The second conv starts at zero, so a fresh
// block is the identity and deep stacks train from the first step. With `embedding_dim` > 0 the block
// is conditioned (the diffusion denoiser's time and text): a linear map of the embedding scales and
// shifts the second norm's output.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim = 0);
  // embedding: [B, embedding_dim] when the block has one.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding = {});

 protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())})  // inside a Sequential: no embedding

 private:
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  torch::nn::Linear modulation{nullptr};
};
TORCH_MODULE(ResBlock);

torch::nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels);

}  // namespace jl::models
