#include "models/sr_net.h"

#include "core/error.h"
#include "models/checkpoint.h"
#include "models/conv_blocks.h"

namespace jl::models {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

void SuperResolutionNetConfig::validate() const {
  if (scale != 2 && scale != 3 && scale != 4 && scale != 8) throw Error("super-resolution net: scale must be 2, 3, 4 or 8");
  if (channels < 4 || channels > 256) throw Error("super-resolution net: channels must be 4..256");
  if (blocks < 0 || blocks > 64) throw Error("super-resolution net: blocks must be 0..64");
}

SuperResolutionNetImpl::SuperResolutionNetImpl(const SuperResolutionNetConfig& c) : config(c) {
  config.validate();
  auto conv = [](int in, int out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)); };
  input = register_module("input", conv(3, config.channels));
  body = register_module("body", nn::ModuleList());
  for (int i = 0; i < 2 * config.blocks; ++i) body->push_back(conv(config.channels, config.channels));
  output = register_module("output", conv(config.channels, 3 * config.scale * config.scale));
  torch::NoGradGuard no_grad;
  output->weight.zero_();  // start as bicubic
  output->bias.zero_();
}

torch::Tensor SuperResolutionNetImpl::forward(const torch::Tensor& x) {
  const torch::Tensor features = input(x);
  torch::Tensor h = features;
  for (size_t i = 0; i < body->size(); i += 2)
    h = h + body[i + 1]->as<nn::Conv2d>()->forward(torch::relu(body[i]->as<nn::Conv2d>()->forward(h)));
  const torch::Tensor detail = F::pixel_shuffle(output(h + features), config.scale);
  return bicubic(float32(x), config.scale) + float32(detail);
}

double SuperResolutionNetImpl::flops_per_pixel() const {
  double weights = 0;  // every convolution runs at the input's resolution
  for (const torch::Tensor& w : {input->weight, output->weight}) weights += double(w.numel());
  for (const auto& conv : *body) weights += double(conv->as<nn::Conv2d>()->weight.numel());
  return 2 * weights;
}

torch::Tensor SuperResolutionNetImpl::bicubic(const torch::Tensor& x, int scale) {
  const std::vector<int64_t> size{x.size(2) * scale, x.size(3) * scale};
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(torch::kBicubic).align_corners(false));
}

SuperResolutionNet load_super_resolution_net(const std::filesystem::path& path) {
  return load_model<SuperResolutionNet, SuperResolutionNetConfig>(path, kSuperResolutionNetModel);
}

}  // namespace jl::models
