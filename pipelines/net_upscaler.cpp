#include "pipelines/net_upscaler.h"

#include <torch/torch.h>

#include <cstring>

#include "core/error.h"
#include "models/model_store.h"
#include "models/sr_net.h"

namespace jl {
namespace {

class NetUpscaler : public Upscaler {
 public:
  NetUpscaler(std::shared_ptr<models::SuperResolutionNetImpl> net, std::string description)
      : net_(std::move(net)), description_(std::move(description)) {}
  int scale() const override { return net_->config.scale; }
  std::string description() const override { return description_; }
  cv::Mat run(const cv::Mat& rgb) const override {
    torch::NoGradGuard no_grad;  // not InferenceMode: a net in training is evaluated between steps
    const cv::Mat input = rgb.isContinuous() ? rgb : rgb.clone();
    const torch::Tensor x = torch::from_blob(const_cast<float*>(input.ptr<float>()), {1, input.rows, input.cols, 3}, torch::kFloat32)
                                .permute({0, 3, 1, 2})
                                .contiguous();
    const torch::Tensor y = net_->forward(x).permute({0, 2, 3, 1}).contiguous();
    cv::Mat out(int(y.size(1)), int(y.size(2)), CV_32FC3);
    std::memcpy(out.ptr<float>(), y.data_ptr<float>(), size_t(y.numel()) * sizeof(float));
    return out;
  }
  double flops_per_pixel() const override { return net_->flops_per_pixel(); }

 private:
  std::shared_ptr<models::SuperResolutionNetImpl> net_;
  std::string description_;
};

}  // namespace

std::shared_ptr<const Upscaler> net_upscaler(std::shared_ptr<models::SuperResolutionNetImpl> net, std::string description) {
  return std::make_shared<NetUpscaler>(std::move(net), std::move(description));
}

std::shared_ptr<const Upscaler> load_upscaler(const std::string& name, int scale, models::ModelStore& store) {
  if (!upscaler_needs_libtorch(name)) return load_file_upscaler(name, scale, store);
  check_upscaler(name, scale);
  const std::string checkpoint = upscaler_checkpoint(name, scale);
  auto net = store.get<models::SuperResolutionNetImpl>(
      checkpoint, [](const fs::path& path) { return models::load_super_resolution_net(path).ptr(); });
  if (net->config.scale != scale)
    throw Error(checkpoint + " is an x" + std::to_string(net->config.scale) + " upscaler, not x" + std::to_string(scale));
  return std::make_shared<NetUpscaler>(net, checkpoint);
}

UpscaleResult upscale(const UpscaleParams& params, models::ModelStore& store, const Callbacks& callbacks) {
  return upscale_with(load_upscaler, params, store, callbacks);
}

}  // namespace jl
