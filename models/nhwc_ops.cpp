#include "models/nhwc_ops.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>

#include "core/error.h"

namespace jl::models {

std::string NhwcImage::shape() const {
  return "[" + std::to_string(height) + "," + std::to_string(width) + "," + std::to_string(channels) + "]";
}

namespace {

// TF's "same" padding along one axis: the output size and the padding before (the rest goes after).
std::pair<int, int> same_output_and_padding(int in, int kernel, int stride, int dilation) {
  const int out = (in + stride - 1) / stride;
  const int total = std::max(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in);
  return {out, total / 2};
}

// Output pixels per matrix product (whole rows, at least one): small enough that a band's im2col
// matrix stays in the cache. thick x2 on a 256 px picture: 6.7 s with 256, 6.9-7.0 s with 128, 512
// and 1,024, 9.5 s with 4,096. Fixed, so a band's arithmetic never depends on the thread count.
constexpr int64_t kBandPixels = 256;

}  // namespace

NhwcImage conv2d(const NhwcImage& x, const std::vector<float>& kernel, const std::vector<float>& bias, int filters,
                 const Conv2dShape& s) {
  const int channels = x.channels, group_channels = channels / s.groups, group_filters = filters / s.groups;
  const int depth = s.kernel_h * s.kernel_w * group_channels;  // the matrix product's inner size
  if (kernel.size() != size_t(depth) * size_t(filters) || (!bias.empty() && bias.size() != size_t(filters)))
    throw Error("conv2d: the kernel does not match the input's " + std::to_string(channels) + " channels");
  int out_h, out_w, pad_top = 0, pad_left = 0;
  if (s.same_padding) {
    std::tie(out_h, pad_top) = same_output_and_padding(x.height, s.kernel_h, s.stride_h, s.dilation_h);
    std::tie(out_w, pad_left) = same_output_and_padding(x.width, s.kernel_w, s.stride_w, s.dilation_w);
  } else {
    out_h = (x.height - (s.kernel_h - 1) * s.dilation_h - 1) / s.stride_h + 1;
    out_w = (x.width - (s.kernel_w - 1) * s.dilation_w - 1) / s.stride_w + 1;
    if (x.height < (s.kernel_h - 1) * s.dilation_h + 1 || x.width < (s.kernel_w - 1) * s.dilation_w + 1) return {};
  }
  NhwcImage y(out_h, out_w, filters);
  if (out_h == 0 || out_w == 0) return y;
  // A 1x1, stride-1 convolution over all channels reads the input as it lies: no im2col.
  const bool pointwise = s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.groups == 1;
  const int band_rows = int(std::max<int64_t>(1, kBandPixels / out_w));
  const int bands = (out_h + band_rows - 1) / band_rows;

  cv::parallel_for_(cv::Range(0, bands), [&](const cv::Range& range) {
    std::vector<float> columns;
    for (int band = range.start; band < range.end; ++band) {
      const int row0 = band * band_rows, row1 = std::min(out_h, row0 + band_rows);
      const int pixels = (row1 - row0) * out_w;
      float* out = y.pixel(row0, 0);
      if (!bias.empty())
        for (int p = 0; p < pixels; ++p) std::memcpy(out + size_t(p) * size_t(filters), bias.data(), size_t(filters) * sizeof(float));
      for (int g = 0; g < s.groups; ++g) {
        const float* a = x.pixel(row0, 0);
        int lda = channels;
        if (!pointwise) {
          columns.assign(size_t(pixels) * size_t(depth), 0.0f);  // zeros stand for the padding
          float* column = columns.data();
          for (int oy = row0; oy < row1; ++oy)
            for (int ox = 0; ox < out_w; ++ox)
              for (int ky = 0; ky < s.kernel_h; ++ky) {
                const int iy = oy * s.stride_h - pad_top + ky * s.dilation_h;
                for (int kx = 0; kx < s.kernel_w; ++kx, column += group_channels) {
                  const int ix = ox * s.stride_w - pad_left + kx * s.dilation_w;
                  if (iy >= 0 && iy < x.height && ix >= 0 && ix < x.width)
                    std::memcpy(column, x.pixel(iy, ix) + g * group_channels, size_t(group_channels) * sizeof(float));
                }
              }
          a = columns.data();
          lda = depth;
        }
        // out[p, g's filters] += a[p, :] * kernel[:, g's filters]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, pixels, group_filters, depth, 1.0f, a, lda,
                    kernel.data() + g * group_filters, filters, bias.empty() ? 0.0f : 1.0f,
                    out + g * group_filters, filters);
      }
    }
  });
  return y;
}

bool is_keras_activation(const std::string& name) {
  static const std::vector<std::string> names = {"linear", "relu",     "relu6",    "elu",   "selu",        "sigmoid",
                                                 "hard_sigmoid", "tanh", "softplus", "softsign", "swish", "silu",
                                                 "gelu",     "exponential", "softmax", "mish"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

namespace {

float softplus(float v) { return v > 20 ? v : std::log1p(std::exp(v)); }

template <class F>
void each(NhwcImage& x, F f) {
  for (float& v : x.data) v = f(v);
}

}  // namespace

void activate(const std::string& name, NhwcImage& x) {
  if (name == "linear") return;
  if (name == "relu") return each(x, [](float v) { return std::max(v, 0.0f); });
  if (name == "relu6") return each(x, [](float v) { return std::clamp(v, 0.0f, 6.0f); });
  if (name == "elu") return each(x, [](float v) { return v > 0 ? v : std::expm1(v); });
  if (name == "selu") {
    constexpr float alpha = 1.6732632423543772f, scale = 1.0507009873554805f;
    return each(x, [](float v) { return scale * (v > 0 ? v : alpha * std::expm1(v)); });
  }
  if (name == "sigmoid") return each(x, [](float v) { return 1 / (1 + std::exp(-v)); });
  if (name == "hard_sigmoid") return each(x, [](float v) { return std::clamp(0.2f * v + 0.5f, 0.0f, 1.0f); });
  if (name == "tanh") return each(x, [](float v) { return std::tanh(v); });
  if (name == "softplus") return each(x, softplus);
  if (name == "softsign") return each(x, [](float v) { return v / (1 + std::abs(v)); });
  if (name == "swish" || name == "silu") return each(x, [](float v) { return v / (1 + std::exp(-v)); });
  if (name == "gelu") return each(x, [](float v) { return 0.5f * v * (1 + std::erf(v * float(M_SQRT1_2))); });
  if (name == "exponential") return each(x, [](float v) { return std::exp(v); });
  if (name == "mish") return each(x, [](float v) { return v * std::tanh(softplus(v)); });
  if (name == "softmax") {
    for (size_t p = 0; p < x.data.size(); p += size_t(x.channels)) {
      float* v = x.data.data() + p;
      const float top = *std::max_element(v, v + x.channels);
      float sum = 0;
      for (int c = 0; c < x.channels; ++c) sum += v[c] = std::exp(v[c] - top);
      for (int c = 0; c < x.channels; ++c) v[c] /= sum;
    }
    return;
  }
  throw Error("internal: activation " + name);
}

NhwcImage concatenate(const std::vector<const NhwcImage*>& parts, int axis) {
  if (parts.empty() || axis < 1 || axis > 3) throw Error("internal: concatenate along axis " + std::to_string(axis));
  auto sizes = [](const NhwcImage& x) { return std::array<int, 3>{x.height, x.width, x.channels}; };
  std::array<int, 3> total = sizes(*parts[0]);
  total[size_t(axis - 1)] = 0;
  for (const NhwcImage* p : parts) {
    std::array<int, 3> others = sizes(*p), first = sizes(*parts[0]);
    total[size_t(axis - 1)] += others[size_t(axis - 1)];
    others[size_t(axis - 1)] = first[size_t(axis - 1)] = 0;
    if (others != first)
      throw Error("cannot concatenate " + parts[0]->shape() + " and " + p->shape() + " along axis " + std::to_string(axis));
  }
  NhwcImage y(total[0], total[1], total[2]);
  // Each part contributes a chunk per "outer" index: per pixel (channels), per row (width), once (height).
  const size_t outer = axis == 1 ? 1 : axis == 2 ? size_t(y.height) : size_t(y.height) * size_t(y.width);
  float* out = y.data.data();
  for (size_t o = 0; o < outer; ++o)
    for (const NhwcImage* p : parts) {
      const size_t chunk = p->data.size() / outer;
      std::memcpy(out, p->data.data() + o * chunk, chunk * sizeof(float));
      out += chunk;
    }
  return y;
}

NhwcImage upsample_nearest(const NhwcImage& x, int fh, int fw) {
  NhwcImage y(x.height * fh, x.width * fw, x.channels);
  const size_t pixel_bytes = size_t(x.channels) * sizeof(float);
  for (int yy = 0; yy < y.height; ++yy)
    for (int xx = 0; xx < y.width; ++xx) std::memcpy(y.pixel(yy, xx), x.pixel(yy / fh, xx / fw), pixel_bytes);
  return y;
}

namespace {

// One axis of TF.js's bilinear resize: for each output index, the two source indices and the weight
// of the second.
struct LinearTaps {
  std::vector<int> lo, hi;
  std::vector<float> frac;
};

LinearTaps linear_taps(int in, int out) {
  LinearTaps t;
  for (int i = 0; i < out; ++i) {
    const double source = double(i) * double(in) / double(out);
    const int lo = std::min(int(std::floor(source)), in - 1);
    t.lo.push_back(lo);
    t.hi.push_back(std::min(lo + 1, in - 1));
    t.frac.push_back(float(source - lo));
  }
  return t;
}

}  // namespace

NhwcImage upsample_bilinear(const NhwcImage& x, int fh, int fw) {
  const int c = x.channels;
  const LinearTaps rows = linear_taps(x.height, x.height * fh), cols = linear_taps(x.width, x.width * fw);
  NhwcImage tall(x.height * fh, x.width, c);
  for (int yy = 0; yy < tall.height; ++yy)
    for (int xx = 0; xx < x.width; ++xx) {
      const float *a = x.pixel(rows.lo[size_t(yy)], xx), *b = x.pixel(rows.hi[size_t(yy)], xx);
      float* out = tall.pixel(yy, xx);
      for (int k = 0; k < c; ++k) out[k] = a[k] + (b[k] - a[k]) * rows.frac[size_t(yy)];
    }
  NhwcImage y(tall.height, x.width * fw, c);
  for (int yy = 0; yy < y.height; ++yy)
    for (int xx = 0; xx < y.width; ++xx) {
      const float *a = tall.pixel(yy, cols.lo[size_t(xx)]), *b = tall.pixel(yy, cols.hi[size_t(xx)]);
      float* out = y.pixel(yy, xx);
      for (int k = 0; k < c; ++k) out[k] = a[k] + (b[k] - a[k]) * cols.frac[size_t(xx)];
    }
  return y;
}

NhwcImage depth_to_space(const NhwcImage& x, int s) {
  if (s < 1 || x.channels % (s * s)) throw Error("depth_to_space: " + x.shape() + " does not split into " + std::to_string(s) + "x" +
                                                 std::to_string(s) + " blocks");
  const int c = x.channels / (s * s);
  NhwcImage y(x.height * s, x.width * s, c);
  const size_t pixel_bytes = size_t(c) * sizeof(float);
  for (int h = 0; h < x.height; ++h)
    for (int w = 0; w < x.width; ++w)
      for (int i = 0; i < s; ++i)
        for (int j = 0; j < s; ++j) std::memcpy(y.pixel(h * s + i, w * s + j), x.pixel(h, w) + (i * s + j) * c, pixel_bytes);
  return y;
}

}  // namespace jl::models
