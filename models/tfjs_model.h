// TF.js layers models (model.json + binary weight shards, the format `tensorflowjs_converter` writes
// for Keras models) rebuilt as a libtorch graph, so that pretrained networks published on npm — the
// @upscalerjs ESRGAN upscalers first — run here without TensorFlow.
//
// Supported layers: InputLayer; Conv2D (same/valid padding with TF's asymmetric "same", strides,
// dilation, groups, bias, a fused activation); Activation (the Keras names); Concatenate; Add;
// UpSampling2D (nearest, and bilinear as TF.js computes it: no half-pixel centres); and the custom
// layers of the UpscalerJS models: MultiplyBeta (x * beta) and PixelShuffle2x/3x/4x/8x (TF's
// depth_to_space in NHWC, whose channel order is not torch's pixel_shuffle's). Functional models with
// one input and one output, and Sequential models.
//
// The graph runs in NCHW: kernels are converted from HWIO once at load, channel axes are mapped. Every
// problem is a jl::Error naming the file and the layer (its name and class), the weight and both
// shapes, or the shard and its expected size.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

namespace jl::models {

namespace fs = std::filesystem;

struct TfjsLayer;  // one node of the graph (tfjs_model.cpp)

class TfjsModelImpl : public torch::nn::Module {
 public:
  // Reads model.json and the shards it names (beside it).
  explicit TfjsModelImpl(const fs::path& model_json);
  ~TfjsModelImpl() override;

  // x: [N, C, H, W] float32 in the model's input range -> [N, C', H', W']. With `conv_flops`, adds
  // the floating-point operations of its convolutions (a multiply and an add per weight use).
  torch::Tensor forward(const torch::Tensor& x, double* conv_flops = nullptr);

  const fs::path& path() const { return path_; }
  int input_channels() const { return input_channels_; }
  int output_channels() const { return output_channels_; }
  size_t layer_count() const;
  // How many times the output is larger than the input (1 when the graph does not resize).
  int scale() const { return scale_; }

 private:
  void fuse_upsampling();  // nearest upsampling followed by a 3x3 convolution -> one low-resolution convolution

  fs::path path_;
  std::vector<TfjsLayer> layers_;  // in an order where every input comes before its use
  int input_channels_ = 0;
  int output_channels_ = 0;
  int scale_ = 1;
};
TORCH_MODULE(TfjsModel);

// TF's depth_to_space on an NCHW tensor: output[c, h*s+i, w*s+j] = input[(i*s + j)*C + c, h, w].
torch::Tensor depth_to_space_nhwc_order(const torch::Tensor& x, int64_t scale);

}  // namespace jl::models
