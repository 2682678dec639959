// TF.js layers models (model.json + binary weight shards, the format `tensorflowjs_converter` writes
// for Keras models), run on the CPU without TensorFlow or libtorch, so that pretrained networks
// published on npm — the @upscalerjs ESRGAN upscalers first — run here.
//
// Supported layers: InputLayer; Conv2D (same/valid padding with TF's asymmetric "same", strides,
// dilation, groups, bias, a fused activation); Activation (the Keras names); Concatenate; Add;
// UpSampling2D (nearest, and bilinear as TF.js computes it: no half-pixel centres); and the custom
// layers of the UpscalerJS models: MultiplyBeta (x * beta) and PixelShuffle2x/3x/4x/8x (TF's
// depth_to_space). Functional models with one input and one output, and Sequential models.
//
// The graph runs in TF's own NHWC layout with the weights as stored (models/nhwc_ops.h). Every
// problem is a jl::Error naming the file and the layer (its name and class), the weight and both
// shapes, or the shard and its expected size.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "models/nhwc_ops.h"

namespace jl::models {

namespace fs = std::filesystem;

struct TfjsLayer;  // one node of the graph (tfjs_model.cpp)

class TfjsModel {
 public:
  // Reads model.json and the shards it names (beside it).
  explicit TfjsModel(const fs::path& model_json);
  ~TfjsModel();
  TfjsModel(const TfjsModel&) = delete;
  TfjsModel& operator=(const TfjsModel&) = delete;

  // A picture in the model's input range -> the output picture. With `conv_flops`, adds the
  // floating-point operations of its convolutions (a multiply and an add per weight use). Safe to
  // call from several threads at once.
  NhwcImage forward(const NhwcImage& x, double* conv_flops = nullptr) const;

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

}  // namespace jl::models
