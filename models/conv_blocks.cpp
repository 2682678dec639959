#include "models/conv_blocks.h"

#include "core/error.h"

namespace jl::models {

torch::nn::GroupNorm group_norm(int64_t channels) {
  int64_t groups = 8;
  while (channels % groups) groups /= 2;
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(1e-6));
}

torch::nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 3).padding(1));
}

torch::Tensor float32(const torch::Tensor& x) { return x.to(torch::kFloat); }

namespace {

// A 1x1 convolution as one matrix product over channels-last pixels. libtorch's own 1x1 conv path
// sums in an order that depends on the thread count (up to 4e-5 apart between 1 and 2 threads), which
// broke "same seed, same picture" between a one-core Slurm task and a two-core run; the matrix product
// sums the same way at any thread count.
torch::Tensor pointwise(const torch::nn::Conv2d& conv, const torch::Tensor& x) {
  const torch::Tensor y = torch::linear(x.permute({0, 2, 3, 1}), conv->weight.flatten(1), conv->bias);
  return y.permute({0, 3, 1, 2}).contiguous();  // contiguous: the next convolutions keep their usual layout
}

}  // namespace

ResBlockImpl::ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim) {
  norm1 = register_module("norm1", group_norm(in_channels));
  conv1 = register_module("conv1", conv3x3(in_channels, out_channels));
  norm2 = register_module("norm2", group_norm(out_channels));
  conv2 = register_module("conv2", conv3x3(out_channels, out_channels));
  if (in_channels != out_channels)
    skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1)));
  if (embedding_dim > 0) modulation = register_module("modulation", torch::nn::Linear(embedding_dim, 2 * out_channels));
  torch::NoGradGuard no_grad;
  conv2->weight.zero_();
  conv2->bias.zero_();
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& embedding) {
  torch::Tensor h = norm2(float32(conv1(torch::silu(norm1(float32(x))))));
  if (modulation) {
    if (!embedding.defined()) throw Error("ResBlock: this block needs its conditioning embedding");
    const auto scale_shift = modulation(torch::silu(embedding)).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
    h = h * (1 + scale_shift[0]) + scale_shift[1];
  }
  h = conv2(torch::silu(h));
  return float32(skip ? pointwise(skip, x) : x) + h;
}

}  // namespace jl::models
