// The TF.js layers-model importer on tiny models written here (model.json + shards with known
// weights), against references computed independently in plain loops over NHWC arrays: every
// supported layer, TF's asymmetric "same" padding, depth_to_space's channel order, TF.js's bilinear
// resize; and the named errors for broken files.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "core/error.h"
#include "models/cpu_threads.h"
#include "models/tfjs_model.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::error_of;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An NHWC image of floats (batch 1).
struct Nhwc {
  int h = 0, w = 0, c = 0;
  std::vector<float> v;
  float& at(int y, int x, int k) { return v[size_t((y * w + x) * c + k)]; }
  float at(int y, int x, int k) const { return v[size_t((y * w + x) * c + k)]; }
};

Nhwc random_image(int h, int w, int c, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Nhwc im{h, w, c, std::vector<float>(size_t(h * w * c))};
  for (float& x : im.v) x = u(rng);
  return im;
}

std::vector<float> random_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5, 0.5);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Weight {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// Writes model.json (a Functional model of `layers`) and the weights split over `shards` files.
fs::path write_model(const fs::path& dir, const json& layers, const std::string& output, const std::vector<Weight>& weights,
                     int shards = 1) {
  std::string bytes;
  json entries = json::array();
  for (const Weight& w : weights) {
    bytes.append(reinterpret_cast<const char*>(w.values.data()), w.values.size() * 4);
    entries.push_back({{"name", w.name}, {"shape", w.shape}, {"dtype", "float32"}});
  }
  json paths = json::array();
  const size_t part = (bytes.size() + size_t(shards) - 1) / size_t(shards);
  for (int i = 0; i < shards; ++i) {
    const std::string name = "group1-shard" + std::to_string(i + 1) + "of" + std::to_string(shards) + ".bin";
    test::write_text_file(dir / name, bytes.substr(std::min(bytes.size(), size_t(i) * part), part));
    paths.push_back(name);
  }
  const json model = {
      {"format", "layers-model"},
      {"modelTopology",
       {{"model_config",
         {{"class_name", "Functional"},
          {"config", {{"layers", layers}, {"input_layers", {{"in", 0, 0}}}, {"output_layers", {{output, 0, 0}}}}}}}}},
      {"weightsManifest", {{{"paths", paths}, {"weights", entries}}}}};
  test::write_text_file(dir / "model.json", model.dump());
  return dir / "model.json";
}

json input_layer(int channels) {
  return {{"class_name", "InputLayer"}, {"name", "in"}, {"inbound_nodes", json::array()},
          {"config", {{"name", "in"}, {"batch_input_shape", {nullptr, nullptr, nullptr, channels}}}}};
}

json layer(const std::string& cls, const std::string& name, const std::vector<std::string>& inputs, json config = json::object()) {
  json refs = json::array();
  for (const std::string& i : inputs) refs.push_back({i, 0, 0, json::object()});
  config["name"] = name;
  return {{"class_name", cls}, {"name", name}, {"config", config}, {"inbound_nodes", {refs}}};
}

models::NhwcImage to_image(const Nhwc& im) {
  models::NhwcImage x(im.h, im.w, im.c);
  x.data = im.v;
  return x;
}

Nhwc from_image(const models::NhwcImage& x) { return {x.height, x.width, x.channels, x.data}; }

float max_difference(const Nhwc& a, const Nhwc& b) {
  REQUIRE(a.h == b.h);
  REQUIRE(a.w == b.w);
  REQUIRE(a.c == b.c);
  float d = 0;
  for (size_t i = 0; i < a.v.size(); ++i) d = std::max(d, std::abs(a.v[i] - b.v[i]));
  return d;
}

// TF's convolution, written out: "same" pads (total / 2) before and the rest after.
Nhwc reference_conv(const Nhwc& in, const std::vector<float>& kernel, const std::vector<float>& bias, int kh, int kw,
                    int filters, int stride, int dilation, int groups, bool same) {
  int out_h, out_w, pad_top = 0, pad_left = 0;
  if (same) {
    out_h = (in.h + stride - 1) / stride;
    out_w = (in.w + stride - 1) / stride;
    pad_top = std::max(0, (out_h - 1) * stride + (kh - 1) * dilation + 1 - in.h) / 2;
    pad_left = std::max(0, (out_w - 1) * stride + (kw - 1) * dilation + 1 - in.w) / 2;
  } else {
    out_h = (in.h - (kh - 1) * dilation - 1) / stride + 1;
    out_w = (in.w - (kw - 1) * dilation - 1) / stride + 1;
  }
  const int in_per_group = in.c / groups, out_per_group = filters / groups;
  Nhwc out{out_h, out_w, filters, std::vector<float>(size_t(out_h * out_w * filters))};
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < out_w; ++x)
      for (int f = 0; f < filters; ++f) {
        const int g = f / out_per_group;
        double sum = bias.empty() ? 0 : bias[size_t(f)];
        for (int i = 0; i < kh; ++i)
          for (int j = 0; j < kw; ++j) {
            const int sy = y * stride + i * dilation - pad_top, sx = x * stride + j * dilation - pad_left;
            if (sy < 0 || sx < 0 || sy >= in.h || sx >= in.w) continue;
            for (int k = 0; k < in_per_group; ++k)
              sum += double(in.at(sy, sx, g * in_per_group + k)) *
                     kernel[size_t(((i * kw + j) * in_per_group + k) * filters + f)];
          }
        out.at(y, x, f) = float(sum);
      }
  return out;
}

}  // namespace

TEST_CASE("tfjs Conv2D matches TF's convolution: same and valid, strides, dilation, groups, bias", "[models]") {
  struct Case {
    int kh, kw, stride, dilation, groups, in_c, filters;
    bool same, bias;
  };
  const std::vector<Case> cases = {
      {3, 3, 1, 1, 1, 3, 5, true, true},   {2, 2, 2, 1, 1, 3, 4, true, false},  // even kernel: the odd pad goes after
      {4, 3, 3, 1, 1, 2, 3, true, true},   {3, 3, 1, 2, 1, 3, 2, false, true},
      {3, 3, 2, 1, 2, 4, 6, true, true},   {1, 1, 1, 1, 1, 3, 2, false, true},
      {3, 3, 1, 2, 1, 3, 2, true, false}};
  int n = 0;
  for (const Case& t : cases) {
    INFO("case " << n);
    test::TempDir dir;
    const auto kernel = random_values(size_t(t.kh * t.kw * (t.in_c / t.groups) * t.filters), unsigned(10 + n));
    const auto bias = t.bias ? random_values(size_t(t.filters), unsigned(20 + n)) : std::vector<float>{};
    json config = {{"filters", t.filters}, {"kernel_size", {t.kh, t.kw}}, {"strides", {t.stride, t.stride}},
                   {"padding", t.same ? "same" : "valid"}, {"dilation_rate", {t.dilation, t.dilation}},
                   {"groups", t.groups}, {"use_bias", t.bias}, {"activation", "linear"}, {"data_format", "channels_last"}};
    std::vector<Weight> weights = {{"conv/kernel", {t.kh, t.kw, t.in_c / t.groups, t.filters}, kernel}};
    if (t.bias) weights.push_back({"conv/bias", {t.filters}, bias});
    const fs::path path = write_model(dir.path(), {input_layer(t.in_c), layer("Conv2D", "conv", {"in"}, config)}, "conv", weights,
                                      n % 2 + 1);
    models::TfjsModel model(path);
    const Nhwc in = random_image(9, 11, t.in_c, unsigned(n));
    const Nhwc want = reference_conv(in, kernel, bias, t.kh, t.kw, t.filters, t.stride, t.dilation, t.groups, t.same);
    double flops = 0;
    CHECK(max_difference(from_image(model.forward(to_image(in), &flops)), want) < 1e-5);
    CHECK(flops == 2.0 * want.h * want.w * t.filters * t.kh * t.kw * (t.in_c / t.groups));
    ++n;
  }
}

TEST_CASE("tfjs nearest upsampling then a 3x3 convolution (run fused at low resolution) is exact", "[models]") {
  for (int s : {2, 3, 8}) {
    INFO("scale " << s);
    test::TempDir dir;
    const auto kernel = random_values(size_t(9 * 5 * 3), unsigned(s)), bias = random_values(3, unsigned(s + 1));
    const json conv = {{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}, {"activation", "relu"}};
    models::TfjsModel model(write_model(dir.path(),
                                        {input_layer(5), layer("UpSampling2D", "up", {"in"}, {{"size", {s, s}}}),
                                         layer("Conv2D", "c", {"up"}, conv)},
                                        "c", {{"c/kernel", {3, 3, 5, 3}, kernel}, {"c/bias", {3}, bias}}));
    const Nhwc in = random_image(5, 4, 5, unsigned(s));
    Nhwc up{5 * s, 4 * s, 5, std::vector<float>(size_t(5 * s * 4 * s * 5))};
    for (int y = 0; y < up.h; ++y)
      for (int x = 0; x < up.w; ++x)
        for (int k = 0; k < 5; ++k) up.at(y, x, k) = in.at(y / s, x / s, k);
    Nhwc want = reference_conv(up, kernel, bias, 3, 3, 3, 1, 1, 1, true);
    for (float& v : want.v) v = std::max(0.0f, v);
    double flops = 0;  // the fused convolution does the high-resolution one's work, no more
    CHECK(max_difference(from_image(model.forward(to_image(in), &flops)), want) < 1e-5);
    CHECK(flops == 2.0 * (5 * s) * (4 * s) * 3 * 9 * 5);
  }
}

TEST_CASE("tfjs depth_to_space keeps TF's channel order", "[models]") {
  for (int s : {2, 3, 4, 8}) {
    const int c = 3;
    Nhwc in = random_image(2, 3, c * s * s, unsigned(s));
    const Nhwc out = from_image(models::depth_to_space(to_image(in), s));
    REQUIRE(out.h == 2 * s);
    REQUIRE(out.c == c);
    float d = 0;
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        for (int i = 0; i < s; ++i)
          for (int j = 0; j < s; ++j)
            for (int k = 0; k < c; ++k) d = std::max(d, std::abs(out.at(y * s + i, x * s + j, k) - in.at(y, x, (i * s + j) * c + k)));
    CHECK(d == 0);
  }
}

TEST_CASE("tfjs graph: activations, concatenate, add, upsampling, MultiplyBeta, PixelShuffle", "[models]") {
  test::TempDir dir;
  const auto k1 = random_values(3 * 4, 1), b1 = random_values(4, 2);
  const json one_by_one = {{"filters", 4}, {"kernel_size", {1, 1}}, {"padding", "valid"}, {"activation", "relu"}};
  const json layers = {input_layer(3),
                       layer("Conv2D", "c1", {"in"}, one_by_one),                       // relu(1x1 conv): 4 channels
                       layer("Activation", "sig", {"c1"}, {{"activation", "sigmoid"}}),  // 4
                       layer("Concatenate", "cat", {"in", "sig"}, {{"axis", 3}}),        // 7
                       layer("Concatenate", "cat2", {"cat", "in", "in"}, {{"axis", -1}}),  // 13, three inputs
                       layer("MultiplyBeta", "beta", {"cat2"}, {{"beta", 0.2}}),
                       layer("Add", "add", {"beta", "cat2"}),                            // 1.2 x
                       layer("UpSampling2D", "up", {"add"}, {{"size", {2, 3}}, {"interpolation", "nearest"}}),
                       layer("UpSampling2D", "bil", {"up"}, {{"size", {2, 2}}, {"interpolation", "bilinear"}}),
                       layer("Activation", "hs", {"bil"}, {{"activation", "hard_sigmoid"}}),
                       layer("Concatenate", "pre", {"hs", "hs", "hs", "hs"}, {{"axis", 3}}),  // 52 = 13 * 4
                       layer("PixelShuffle2x", "ps", {"pre"}, {{"scale", 2}})};
  models::TfjsModel model(write_model(dir.path(), layers, "ps", {{"c1/kernel", {1, 1, 3, 4}, k1}, {"c1/bias", {4}, b1}}));
  CHECK(model.scale() == 2 * 2 * 2);  // the first upsampling is not square; scale() follows heights
  CHECK(model.output_channels() == 13);

  const Nhwc in = random_image(2, 2, 3, 7);
  // The same graph by hand.
  Nhwc cat2{2, 2, 13, std::vector<float>(2 * 2 * 13)};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) {
      for (int k = 0; k < 3; ++k) cat2.at(y, x, k) = cat2.at(y, x, 7 + k) = cat2.at(y, x, 10 + k) = in.at(y, x, k);
      for (int f = 0; f < 4; ++f) {
        double s = b1[size_t(f)];
        for (int k = 0; k < 3; ++k) s += double(in.at(y, x, k)) * k1[size_t(k * 4 + f)];
        cat2.at(y, x, 3 + f) = float(1 / (1 + std::exp(-std::max(0.0, s))));
      }
    }
  Nhwc up{4, 6, 13, std::vector<float>(4 * 6 * 13)};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x)
      for (int k = 0; k < 13; ++k) up.at(y, x, k) = 1.2f * cat2.at(y / 2, x / 3, k);
  // TF.js bilinear without half-pixel centres: source = destination / 2.
  Nhwc bil{8, 12, 13, std::vector<float>(8 * 12 * 13)};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 12; ++x)
      for (int k = 0; k < 13; ++k) {
        const float sy = y / 2.0f, sx = x / 2.0f;
        const int y0 = int(sy), x0 = int(sx), y1 = std::min(y0 + 1, 3), x1 = std::min(x0 + 1, 5);
        const float fy = sy - y0, fx = sx - x0;
        const float top = up.at(y0, x0, k) + (up.at(y0, x1, k) - up.at(y0, x0, k)) * fx;
        const float bottom = up.at(y1, x0, k) + (up.at(y1, x1, k) - up.at(y1, x0, k)) * fx;
        bil.at(y, x, k) = std::clamp(0.2f * (top + (bottom - top) * fy) + 0.5f, 0.0f, 1.0f);
      }
  Nhwc want{16, 24, 13, std::vector<float>(16 * 24 * 13)};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x)
      for (int k = 0; k < 13; ++k) {
        // pre = [hs hs hs hs] on channels: channel (i*2 + j)*13 + k of pre is hs's channel k.
        want.at(y, x, k) = bil.at(y / 2, x / 2, k);
      }
  CHECK(max_difference(from_image(model.forward(to_image(in))), want) < 1e-5);
}

TEST_CASE("tfjs bilinear upsampling follows TF.js (no half-pixel centres)", "[models]") {
  test::TempDir dir;
  models::TfjsModel model(write_model(dir.path(),
                                      {input_layer(1), layer("UpSampling2D", "up", {"in"}, {{"size", 2}, {"interpolation", "bilinear"}})},
                                      "up", {}));
  models::NhwcImage x(1, 2, 1);
  x.data = {0.0f, 1.0f};
  const models::NhwcImage y = model.forward(x);
  REQUIRE(y.shape() == "[2,4,1]");
  CHECK(y.data == std::vector<float>{0.0f, 0.5f, 1.0f, 1.0f, 0.0f, 0.5f, 1.0f, 1.0f});
}

TEST_CASE("tfjs importer errors name the file, the layer, the weight and the shapes", "[models]") {
  test::TempDir dir;
  const json conv = {{"filters", 2}, {"kernel_size", 3}, {"padding", "same"}};
  const std::vector<Weight> weights = {{"c/kernel", {3, 3, 3, 2}, random_values(54, 1)}, {"c/bias", {2}, {0.1f, 0.2f}}};
  const json layers = {input_layer(3), layer("Conv2D", "c", {"in"}, conv)};
  const fs::path path = write_model(dir.path(), layers, "c", weights, 2);
  CHECK_NOTHROW(models::TfjsModel(path));

  CHECK_THAT(error_of([&] { models::TfjsModel(dir / "none.json"); }), Contains("none.json: no such model file"));
  test::write_text_file(dir / "bad.json", "{\"format\": ");
  CHECK_THAT(error_of([&] { models::TfjsModel(dir / "bad.json"); }), Contains("bad.json: not valid JSON"));

  fs::remove(dir / "group1-shard2of2.bin");
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("group1-shard2of2.bin is missing"));
  write_model(dir.path(), layers, "c", weights, 2);
  const std::string shard = test::read_text_file(dir / "group1-shard2of2.bin");
  test::write_text_file(dir / "group1-shard2of2.bin", shard.substr(0, shard.size() - 4));
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("a shard is truncated"));
  test::write_text_file(dir / "group1-shard2of2.bin", shard + "1234");
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("but the manifest describes"));

  write_model(dir.path(), layers, "c", {{"c/kernel", {3, 3, 4, 2}, random_values(72, 1)}, {"c/bias", {2}, {0.1f, 0.2f}}});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }),
             Contains("layer c (Conv2D): weight c/kernel: got [3,3,4,2], expected [3,3,3,2]"));
  write_model(dir.path(), layers, "c", {{"c/kernel", {3, 3, 3, 2}, random_values(54, 1)}});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("layer c (Conv2D): the weight c/bias is not in the manifest"));
  write_model(dir.path(), layers, "c", {weights[0], weights[1], {"d/kernel", {1}, {1.0f}}});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("weight d/kernel belongs to no layer"));

  write_model(dir.path(), {input_layer(3), layer("LSTM", "rnn", {"in"})}, "rnn", {});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("layer rnn (LSTM): unsupported layer class LSTM"));
  write_model(dir.path(), {input_layer(3), layer("Activation", "a", {"in"}, {{"activation", "wiggle"}})}, "a", {});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("layer a (Activation): unknown activation \"wiggle\""));
  write_model(dir.path(), {input_layer(3), layer("Add", "a", {"in", "nowhere"})}, "a", {});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("its input nowhere is not defined before it"));
  write_model(dir.path(), {input_layer(3), layer("PixelShuffle2x", "p", {"in"}, {{"scale", 2}})}, "p", {});
  CHECK_THAT(error_of([&] { models::TfjsModel{path}; }), Contains("3 channels do not split into 2x2 blocks"));

  write_model(dir.path(), layers, "c", weights);
  models::TfjsModel model(path);
  CHECK_THAT(error_of([&] { model.forward(models::NhwcImage(8, 8, 4)); }), Contains("expects a picture of 3 channels, got [8,8,4]"));
  CHECK_THAT(error_of([&] { model.forward(models::NhwcImage(0, 8, 3)); }), Contains("got [0,8,3]"));
}

TEST_CASE("tfjs concatenation along height and width", "[models]") {
  test::TempDir dir;
  for (int axis : {1, 2, -2}) {
    INFO("axis " << axis);
    models::TfjsModel model(write_model(dir.path(),
                                        {input_layer(2), layer("Activation", "a", {"in"}, {{"activation", "relu"}}),
                                         layer("Concatenate", "cat", {"in", "a"}, {{"axis", axis}})},
                                        "cat", {}));
    const Nhwc in = random_image(3, 4, 2, 5);
    const Nhwc out = from_image(model.forward(to_image(in)));
    const bool rows = axis == 1;
    REQUIRE(out.h == (rows ? 6 : 3));
    REQUIRE(out.w == (rows ? 4 : 8));
    REQUIRE(out.c == 2);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x)
        for (int k = 0; k < 2; ++k) {
          CHECK(out.at(y, x, k) == in.at(y, x, k));
          CHECK(out.at(rows ? y + 3 : y, rows ? x : x + 4, k) == std::max(0.0f, in.at(y, x, k)));
        }
  }
}

TEST_CASE("tfjs convolutions give the same bits on any number of threads", "[models]") {
  test::TempDir dir;
  const json conv = {{"filters", 16}, {"kernel_size", 3}, {"padding", "same"}, {"activation", "relu"}};
  models::TfjsModel model(write_model(dir.path(), {input_layer(8), layer("Conv2D", "c", {"in"}, conv)}, "c",
                                      {{"c/kernel", {3, 3, 8, 16}, random_values(9 * 8 * 16, 3)}, {"c/bias", {16}, random_values(16, 4)}}));
  const models::NhwcImage in = to_image(random_image(70, 90, 8, 9));  // several bands of rows
  set_cpu_threads(1);
  const models::NhwcImage one = model.forward(in);
  set_cpu_threads(3);
  const models::NhwcImage three = model.forward(in);
  set_cpu_threads(0);
  CHECK(one.data == three.data);
}
