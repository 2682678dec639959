// Tiled upscaling: tiles blend into the whole-picture result (exactly when the context covers the
// network's reach, within 2/255 for the real UpscalerJS models), bicubic is OpenCV's, and the
// upscalers refuse what they cannot do.
#include <catch2/catch.hpp>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <random>

#include "core/error.h"
#include "models/model_store.h"
#include "models/sr_net.h"
#include "models/tfjs_model.h"
#include "pipelines/net_upscaler.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::error_of;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

double max_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  REQUIRE(a.size() == b.size());
  cv::Mat d;
  cv::absdiff(a, b, d);
  double m = 0;
  cv::minMaxLoc(d.reshape(1), nullptr, &m);
  return m;
}

// A small network with a known reach: three 3x3 convolutions (3 input pixels), nearest x2, one more
// 3x3 convolution (half an input pixel), as a TF.js model written here.
class TinyNetUpscaler : public Upscaler {
 public:
  explicit TinyNetUpscaler(const fs::path& dir) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-0.3f, 0.3f);
    std::string bytes;
    json layers = {{{"class_name", "InputLayer"}, {"name", "in"}, {"inbound_nodes", json::array()},
                    {"config", {{"name", "in"}, {"batch_input_shape", {nullptr, nullptr, nullptr, 3}}}}}};
    json weights = json::array();
    std::string previous = "in";
    int channels = 3;
    auto conv = [&](const std::string& name, int filters, const std::string& activation) {
      for (const char* what : {"kernel", "bias"}) {
        const std::vector<int64_t> shape =
            std::string(what) == "kernel" ? std::vector<int64_t>{3, 3, channels, filters} : std::vector<int64_t>{filters};
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        for (int64_t i = 0; i < n; ++i) {
          const float v = u(rng);
          bytes.append(reinterpret_cast<const char*>(&v), 4);
        }
        weights.push_back({{"name", name + "/" + what}, {"shape", shape}, {"dtype", "float32"}});
      }
      layers.push_back({{"class_name", "Conv2D"}, {"name", name},
                        {"config", {{"name", name}, {"filters", filters}, {"kernel_size", 3}, {"padding", "same"}, {"activation", activation}}},
                        {"inbound_nodes", {{{previous, 0, 0, json::object()}}}}});
      previous = name;
      channels = filters;
    };
    conv("a", 8, "relu");
    conv("b", 8, "relu");
    conv("c", 8, "tanh");
    layers.push_back({{"class_name", "UpSampling2D"}, {"name", "up"}, {"config", {{"name", "up"}, {"size", 2}}},
                      {"inbound_nodes", {{{previous, 0, 0, json::object()}}}}});
    previous = "up";
    conv("d", 3, "sigmoid");
    test::write_text_file(dir / "w.bin", bytes);
    const json model = {{"format", "layers-model"},
                        {"modelTopology", {{"class_name", "Functional"}, {"config", {{"layers", layers}}}}},
                        {"weightsManifest", {{{"paths", {"w.bin"}}, {"weights", weights}}}}};
    test::write_text_file(dir / "model.json", model.dump());
    model_ = std::make_shared<models::TfjsModel>(dir / "model.json");
  }
  int scale() const override { return 2; }
  std::string description() const override { return "tiny"; }
  double flops_per_pixel() const override { return 0; }
  cv::Mat run(const cv::Mat& rgb) const override {
    models::NhwcImage x(rgb.rows, rgb.cols, 3);
    std::memcpy(x.data.data(), rgb.clone().ptr<float>(), x.data.size() * sizeof(float));
    models::NhwcImage y = model_->forward(x);
    return cv::Mat(y.height, y.width, CV_32FC3, y.data.data()).clone();
  }

 private:
  std::shared_ptr<models::TfjsModel> model_;
};

}  // namespace

TEST_CASE("upscale: tiles with enough context give the whole-picture result", "[pipelines]") {
  test::TempDir dir;
  const TinyNetUpscaler tiny(dir.path());
  const cv::Mat picture = test::test_pattern(45, 38, 3);
  const cv::Mat whole = upscale_picture(picture, tiny, 0, 0);
  REQUIRE(whole.size() == cv::Size(90, 76));
  for (int tile : {16, 20, 45}) {
    INFO("tile " << tile);
    CHECK(max_abs_difference(upscale_picture(picture, tiny, tile, 8), whole) <= 1);
  }
  // Without context the seams show: the blending is what makes tiles agree, not luck.
  CHECK(max_abs_difference(upscale_picture(picture, tiny, 16, 0), whole) > 2);

  // Bicubic through the tiles is OpenCV's bicubic on the whole picture.
  models::ModelStore store;
  const auto bicubic = load_upscaler("bicubic", 3, store);
  cv::Mat expected;
  cv::resize(picture, expected, cv::Size(135, 114), 0, 0, cv::INTER_CUBIC);
  CHECK(max_abs_difference(upscale_picture(picture, *bicubic, 16, 8), expected) <= 1);
}

TEST_CASE("upscale: the UpscalerJS models tiled stay within 2/255 of the whole picture", "[pipelines][upscalerjs]") {
  models::ModelStore store;
  const cv::Mat picture = test::test_pattern(96, 80, 11);
  for (const char* name : {"slim", "thick"}) {
    INFO(name);
    const auto upscaler = load_upscaler(name, 2, store);
    const cv::Mat whole = upscale_picture(picture, *upscaler, 0, 0);
    CHECK(max_abs_difference(upscale_picture(picture, *upscaler, 32, 16), whole) <= 2);
  }
}

TEST_CASE("upscale: unknown upscalers, scales and settings are refused with the choices", "[pipelines]") {
  models::ModelStore store;
  CHECK_THAT(error_of([&] { load_upscaler("waifu", 2, store); }), Contains("unknown upscaler 'waifu'; one of photo, world, slim, medium, thick, bicubic"));
  CHECK_THAT(error_of([&] { load_upscaler("slim", 5, store); }), Contains("the slim upscaler offers x2, x3, x4, x8"));
  UpscaleParams p;
  p.input = fs::path(JL_SOURCE_DIR) / "examples" / "data" / "scene.png";
  p.output = "out.png";
  CHECK_NOTHROW(p.validate());
  p.tile = 8;
  CHECK_THAT(error_of([&] { p.validate(); }), Contains("--tile"));
  p.tile = 32;
  p.overlap = 20;
  CHECK_THAT(error_of([&] { p.validate(); }), Contains("--overlap"));
  p.overlap = 8;
  p.output = "out.mp4";
  CHECK_THAT(error_of([&] { p.validate(); }), Contains("the input is a picture, so the output must be one"));
  CHECK(upscaler_scales("medium") == std::vector<int>{2, 3, 4, 8});
}

TEST_CASE("upscale: an untrained SuperResolutionNet is bicubic, at every scale", "[pipelines]") {
  for (int scale : {2, 3, 4}) {
    models::SuperResolutionNetConfig config;
    config.scale = scale;
    config.channels = 8;
    config.blocks = 1;
    auto net = std::make_shared<models::SuperResolutionNetImpl>(config);
    const torch::Tensor x = torch::rand({1, 3, 10, 12});
    const torch::Tensor y = net->forward(x);
    CHECK(y.sizes() == torch::IntArrayRef({1, 3, 10 * scale, 12 * scale}));
    const torch::Tensor bicubic = torch::nn::functional::interpolate(
        x, torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{double(scale), double(scale)}).mode(torch::kBicubic).align_corners(false));
    CHECK(torch::allclose(y, bicubic, 1e-5, 1e-5));
    CHECK(net_upscaler(net, "test")->scale() == scale);
    // Convolutions 3->8, 8->8 twice, 8->3*scale^2, all 3x3 at the input's resolution; bias adds not counted.
    CHECK(net_upscaler(net, "test")->flops_per_pixel() == 2.0 * 9 * (3 * 8 + 2 * 8 * 8 + 8 * 3 * scale * scale));
  }
}
