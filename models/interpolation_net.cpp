#include "models/interpolation_net.h"

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

namespace nn = torch::nn;

void InterpolationNetConfig::validate() const {
  if (channels.empty() || channels.size() > 5) throw Error("interpolation net: channels needs 1 to 5 levels");
  for (int c : channels)
    if (c < 4 || c > 512) throw Error("interpolation net: every channel count must be in 4..512");
  if (scale != 1 && scale != 2 && scale != 4) throw Error("interpolation net: scale must be 1, 2 or 4");
}

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int stride = 1) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1)); }

// Two 3x3 convolutions with leaky ReLUs; the first may halve the side.
nn::Sequential stage(int64_t in, int64_t out, int stride) {
  return nn::Sequential(conv(in, out, stride), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1)), conv(out, out),
                        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1)));
}

}  // namespace

InterpolationNetImpl::InterpolationNetImpl(const InterpolationNetConfig& c) : config(c) {
  config.validate();
  const std::vector<int>& ch = config.channels;
  down = register_module("down", nn::ModuleList());
  up = register_module("up", nn::ModuleList());
  for (size_t level = 0; level < ch.size(); ++level) down->push_back(stage(level ? ch[level - 1] : kInputs, ch[level], level ? 2 : 1));
  for (size_t level = ch.size() - 1; level > 0; --level) up->push_back(stage(ch[level] + ch[level - 1], ch[level - 1], 1));
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(ch[0], kOutputs, 3).padding(1)));
  torch::NoGradGuard no_grad;
  head->weight.zero_();  // untrained: no correction at all, the classic method
  head->bias.zero_();
}

torch::Tensor InterpolationNetImpl::forward(const torch::Tensor& x) {
  const int64_t m = config.multiple();
  if (x.dim() != 4 || x.size(1) != kInputs || x.size(2) % m || x.size(3) % m)
    throw Error("interpolation net: expected [B, " + std::to_string(kInputs) + ", H, W] with H and W multiples of " +
                std::to_string(m) + ", got " + c10::str(x.sizes()));
  std::vector<torch::Tensor> skips;
  torch::Tensor h = config.scale > 1 ? torch::avg_pool2d(x, config.scale) : x;
  for (const auto& s : *down) {
    h = s->as<nn::Sequential>()->forward(h);
    skips.push_back(h);
  }
  skips.pop_back();
  for (const auto& s : *up) {
    const torch::Tensor& skip = skips.back();
    h = torch::upsample_nearest2d(h, {skip.size(2), skip.size(3)});
    h = s->as<nn::Sequential>()->forward(torch::cat({h, skip}, 1));
    skips.pop_back();
  }
  const torch::Tensor out = head(h);
  if (config.scale == 1) return out;
  return torch::nn::functional::interpolate(
      out, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{x.size(2), x.size(3)}).mode(torch::kBilinear).align_corners(false));
}

InterpolationNet load_interpolation_net(const std::filesystem::path& path) {
  return load_model<InterpolationNet, InterpolationNetConfig>(path, kInterpolationNetModel);
}

}  // namespace jl::models
