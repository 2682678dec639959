// Float32 pictures in TensorFlow's layout (height x width x channels, row-major, one picture) and the
// operations a TF.js layers model needs on them (models/tfjs_model.h), on the CPU without libtorch.
// Why not libtorch: `jielong upscale` with an UpscalerJS model runs in a process that never loads it
// (studio/cli/front_main.cpp), because loading libtorch alone takes 0.3 s, most of the time a small
// picture needs. Working in TF's own layout also means the weights are used as stored.
//
// Convolutions are matrix products (im2col, then OpenBLAS's sgemm on one thread) over bands of output
// rows of a fixed size, run in parallel by OpenCV's thread pool: each band is computed alike whatever
// the number of threads, so results do not depend on it.
#pragma once

#include <string>
#include <vector>

namespace jl::models {

struct NhwcImage {
  int height = 0, width = 0, channels = 0;
  std::vector<float> data;  // height * width * channels

  NhwcImage() = default;
  NhwcImage(int h, int w, int c) : height(h), width(w), channels(c), data(size_t(h) * size_t(w) * size_t(c), 0.0f) {}
  float* pixel(int y, int x) { return data.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels); }
  const float* pixel(int y, int x) const { return data.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels); }
  std::string shape() const;  // "[H,W,C]"
};

struct Conv2dShape {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
  bool same_padding = false;  // TF's "same": the odd pixel of padding goes after; else "valid"
};

// kernel: [kernel_h, kernel_w, channels / groups, filters] as TF stores it (HWIO); bias: [filters]
// or empty. The result is empty (0 x 0) where a "valid" window does not fit.
NhwcImage conv2d(const NhwcImage& x, const std::vector<float>& kernel, const std::vector<float>& bias, int filters,
                 const Conv2dShape& shape);

// The Keras activations as TF.js computes them (hard_sigmoid is clip(0.2 x + 0.5, 0, 1); gelu the
// exact, erf form; softmax over the channels), in place.
bool is_keras_activation(const std::string& name);
void activate(const std::string& name, NhwcImage& x);

// Along NHWC axis 1 (height), 2 (width) or 3 (channels); the other sizes must agree (jl::Error).
NhwcImage concatenate(const std::vector<const NhwcImage*>& parts, int axis);

NhwcImage upsample_nearest(const NhwcImage& x, int factor_h, int factor_w);
// TF.js's resizeBilinear as UpSampling2D calls it: no half-pixel centres (source = destination *
// in / out), rows then columns.
NhwcImage upsample_bilinear(const NhwcImage& x, int factor_h, int factor_w);

// TF's depth_to_space: out[h*s + i, w*s + j, c] = in[h, w, (i*s + j)*C + c] (not the channel order
// of torch's pixel_shuffle).
NhwcImage depth_to_space(const NhwcImage& x, int s);

}  // namespace jl::models
