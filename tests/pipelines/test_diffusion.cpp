// Diffusion pipelines on tiny random checkpoints: guidance arithmetic, previews, img2img, and the
// inpainting controls (mask blur, masked content, whole picture or only masked, outpainting) with
// pixels outside the blurred mask left exactly as they were; bad masks named.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "models/checkpoint.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/diffusion/denoise.h"
#include "pipelines/inpaint.h"
#include "pipelines/inpaint_eval.h"
#include "world/holdout.h"
#include "pipelines/tokens/sampling.h"
#include "pipelines/txt2img.h"
#include "test_util.h"
#include "tiny_models.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  models::ModelStore store{dir.path()};
  Fixture() { test::write_tiny_models(dir.path()); }
};

// Pixels where the mask blurred by `blur` px is exactly zero: the composite must keep them.
cv::Mat untouched(const cv::Mat& mask, int blur) {
  cv::Mat soft;
  mask.convertTo(soft, CV_32F, 1.0 / 255);
  if (blur > 0) cv::GaussianBlur(soft, soft, cv::Size(0, 0), blur, blur, cv::BORDER_REPLICATE);
  // The pipeline zeroes weights below 1/512; a margin keeps this check independent of that choice.
  return soft < 1e-4f;
}

int changed_where(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat any = cv::Mat::zeros(a.size(), CV_8UC1);
  std::vector<cv::Mat> channels;
  cv::split(diff, channels);
  for (const cv::Mat& c : channels) any |= c > 0;
  return cv::countNonZero(any & where);
}

// Diffusion inpainting of `picture` under `mask` (both written to the fixture's folder), 3 steps.
InpaintParams diffusion_inpainting(const Fixture& f, const cv::Mat& picture, const cv::Mat& mask, const std::string& prompt) {
  media::write_image(f.dir / "in.png", media::Image{picture, {}});
  media::write_image(f.dir / "mask.png", media::Image{mask, {}});
  InpaintParams p;
  p.image = f.dir / "in.png";
  p.mask = f.dir / "mask.png";
  p.generation.method = Txt2ImgMethod::Diffusion;
  p.generation.prompt = prompt;
  p.generation.steps = 3;
  return p;
}

}  // namespace

TEST_CASE("diffusion: guidance at scale 1 is the conditional prediction, and previews come at every step", "[pipelines]") {
  Fixture f;
  const diffusion::DiffusionModels models = diffusion::load_diffusion_models(f.store, "diffusion", "tokenizer", "text_encoder");
  const Condition cond = encode_prompts(*models.text_encoder, {"a red circle"});
  const Condition other = encode_prompts(*models.text_encoder, {"a blue star"});
  diffusion::DenoiseOptions options;
  options.steps = 5;
  const std::vector<int64_t> shape{1, 4, 16, 16};
  auto run = [&](const Condition& uncond, double scale, const Callbacks& callbacks = {}) {
    options.cfg_scale = scale;
    std::vector<at::Generator> generators = tokens::image_generators(3, 1);
    return diffusion::denoise(models, cond, uncond, options, shape, {}, generators, callbacks);
  };
  // uncond + s (cond - uncond) with uncond == cond is cond at any scale: the guided batch of two
  // gives what the unguided batch of one gives.
  const torch::Tensor alone = run(other, 1.0);
  CHECK(torch::allclose(run(cond, 4.0), alone, 1e-4, 1e-5));
  CHECK_FALSE(torch::allclose(run(other, 4.0), alone, 1e-3, 1e-3));

  int steps = 0;
  Callbacks bar;  // a plain progress bar: steps reported, no preview decoded
  bar.progress = [&](int64_t, int64_t, const cv::Mat* preview) {
    CHECK(preview == nullptr);
    ++steps;
  };
  run(other, 2.0, bar);
  CHECK(steps == 5);

  int previews = 0;
  Callbacks callbacks;
  callbacks.wants_preview = true;
  callbacks.progress = [&](int64_t step, int64_t total, const cv::Mat* preview) {
    CHECK(total == 5);
    CHECK(step == previews + 1);
    REQUIRE(preview);
    CHECK(preview->size() == cv::Size(64, 64));
    ++previews;
  };
  run(other, 2.0, callbacks);
  CHECK(previews == 5);
}

TEST_CASE("diffusion: every sampler is reproducible, and img2img starts from the picture", "[pipelines]") {
  Fixture f;
  Txt2ImgParams p;
  p.method = Txt2ImgMethod::Diffusion;
  p.prompt = "a red circle";
  p.steps = 4;
  for (const std::string& name : samplers::sampler_names()) {
    p.sampler = samplers::parse_sampler(name);
    const cv::Mat a = txt2img(p, f.store).images[0].rgb;
    const cv::Mat b = txt2img(p, f.store).images[0].rgb;
    INFO(name);
    CHECK(cv::norm(a, b, cv::NORM_INF) == 0);
    CHECK_THAT(txt2img(p, f.store).images[0].parameters, Contains(samplers::label_of(p.sampler)));
  }
  const cv::Mat init = test::test_pattern(96, 80, 2);  // any size: resized to the canvas
  media::write_image(f.dir / "init.png", media::Image{init, {}});
  p.init_image = f.dir / "init.png";
  p.strength = 0.5;
  const Txt2ImgResult result = txt2img(p, f.store);
  CHECK(result.images[0].rgb.size() == cv::Size(64, 64));
  CHECK_THAT(result.images[0].parameters, Contains("Init image: init.png") && Contains("Denoising strength: 0.5"));
  p.method = Txt2ImgMethod::MaskGit;
  CHECK_THROWS_WITH(txt2img(p, f.store), Contains("--init-image (img2img) works with --method diffusion"));
  p.method = Txt2ImgMethod::Diffusion;
  p.strength = 0;
  CHECK_THROWS_WITH(txt2img(p, f.store), Contains("--strength must be in (0, 1]"));
  p.init_image = f.dir / "missing.png";
  p.strength = 0.5;
  CHECK_THROWS_AS(txt2img(p, f.store), Error);
}

TEST_CASE("diffusion denoiser: the same prediction at any thread count", "[pipelines]") {
  // A one-core Slurm task and a two-core run must draw the same picture from the same seed. At the
  // shipped model's sizes libtorch's 1x1 convolution summed differently with 1 and 2 threads, and on
  // AMD EPYC so did OpenBLAS's matrix products (runtime.cpp keeps OpenBLAS at one thread).
  const models::UNetDenoiserConfig config;  // the shipped model's sizes, random weights
  models::UNetDenoiser denoiser(config);
  test::randomize(*denoiser, 4, 0.05);
  denoiser->eval();
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({2, config.latent_channels, 16, 16});
  const torch::Tensor time = torch::tensor({700.0f, 30.0f});
  const torch::Tensor text = torch::randn({2, config.text_len, config.text_dim});
  const torch::Tensor padding = torch::zeros({2, config.text_len}, torch::kBool);
  set_threads(1);
  const torch::Tensor one = denoiser->forward(x, time, text, padding);
  const torch::Tensor one_again = denoiser->forward(x, time, text, padding);
  set_threads(2);
  const torch::Tensor two = denoiser->forward(x, time, text, padding);
  const torch::Tensor two_again = denoiser->forward(x, time, text, padding);
  CHECK(torch::equal(one, one_again));
  CHECK(torch::equal(two, two_again));
  CHECK((one - two).abs().max().item<double>() == 0);  // the size of any difference, when there is one
}

TEST_CASE("inpainting denoiser: starts as the text-to-image model and reads the known latents", "[pipelines]") {
  models::UNetDenoiserConfig config = test::tiny_denoiser_config();
  models::UNetDenoiser text_to_image(config);
  test::randomize(*text_to_image, 2, 0.2);
  config.inpainting = true;
  models::UNetDenoiser inpainting(config);
  {
    torch::NoGradGuard no_grad;
    for (const auto& item : text_to_image->named_parameters()) inpainting->named_parameters()[item.key()].copy_(item.value());
  }
  CHECK(inpainting->named_parameters().size() == text_to_image->named_parameters().size() + 2);  // known_input weight, bias
  torch::NoGradGuard no_grad;
  const int64_t c = config.latent_channels, s = config.latent_size;
  const torch::Tensor x = torch::randn({2, c, s, s}), time = torch::tensor({500.0f, 10.0f});
  const torch::Tensor text = torch::randn({2, config.text_len, config.text_dim});
  const torch::Tensor padding = torch::zeros({2, config.text_len}, torch::kBool);
  const torch::Tensor known = torch::cat({torch::randn({2, c, s, s}), torch::ones({2, 1, s, s})}, 1);
  // The new input starts at zero: the same prediction as the model it extends, whatever is known.
  const torch::Tensor reference = text_to_image->forward(x, time, text, padding);
  CHECK(torch::equal(inpainting->forward(x, time, text, padding, known), reference));
  CHECK(torch::equal(inpainting->forward(x, time, text, padding), reference));
  inpainting->named_parameters()["known_input.weight"].normal_(0, 0.1);
  CHECK_FALSE(torch::allclose(inpainting->forward(x, time, text, padding, known), reference));
  CHECK_THROWS_WITH(text_to_image->forward(x, time, text, padding, known), Contains("text-to-image model"));
  CHECK_THROWS_WITH(inpainting->forward(x, time, text, padding, known.narrow(1, 0, c)), Contains("known latents and mask"));
  // The config says so in the checkpoint; a text-to-image config is written as before it existed.
  CHECK(nlohmann::json(config).at("inpainting") == true);
  config.inpainting = false;
  CHECK_FALSE(nlohmann::json(config).contains("inpainting"));
  CHECK_FALSE(nlohmann::json(config).get<models::UNetDenoiserConfig>().inpainting);
}

TEST_CASE("diffusion inpainting uses diffusion_inpaint when there is one", "[pipelines]") {
  Fixture f;
  models::UNetDenoiserConfig config = test::tiny_denoiser_config();
  config.inpainting = true;
  models::UNetDenoiser denoiser(config);
  test::randomize(*denoiser, 6, 0.2);
  models::CheckpointInfo info;
  info.model = models::kUNetDenoiserModel;
  info.config = config;
  info.extra["text_encoder"] = "text_encoder";
  const cv::Mat picture = test::test_pattern(64, 64, 3);
  cv::Mat mask = cv::Mat::zeros(64, 64, CV_8UC1);
  mask(cv::Rect(20, 20, 16, 16)) = 255;
  InpaintParams p = diffusion_inpainting(f, picture, mask, "a red circle");
  CHECK_THAT(inpaint(p, f.store)[0].parameters, Contains("Model: diffusion,"));  // none shipped in this store
  models::save_checkpoint(f.dir / "diffusion_inpaint.safetensors", *denoiser, info);
  const std::vector<GeneratedImage> result = inpaint(p, f.store);
  CHECK_THAT(result[0].parameters, Contains("Model: diffusion_inpaint,"));
  CHECK(changed_where(result[0].rgb, picture, untouched(mask, p.mask_blur)) == 0);
  p.generation.model = "diffusion";  // --model still chooses
  CHECK_THAT(inpaint(p, f.store)[0].parameters, Contains("Model: diffusion,"));
}

TEST_CASE("diffusion inpainting keeps every pixel outside the blurred mask", "[pipelines]") {
  Fixture f;
  const cv::Mat picture = test::test_pattern(80, 72, 1);
  cv::Mat mask = cv::Mat::zeros(72, 80, CV_8UC1);
  cv::circle(mask, cv::Point(30, 40), 9, cv::Scalar(255), cv::FILLED);
  InpaintParams p = diffusion_inpainting(f, picture, mask, "a green square");
  p.generation.strength = 1;
  for (MaskedContent content : {MaskedContent::Original, MaskedContent::Fill, MaskedContent::LatentNoise})
    for (InpaintArea area : {InpaintArea::WholePicture, InpaintArea::OnlyMasked})
      for (int blur : {0, 3}) {
        p.masked_content = content;
        p.area = area;
        p.mask_blur = blur;
        const std::vector<GeneratedImage> out = inpaint(p, f.store);
        REQUIRE(out.size() == 1);
        const cv::Mat& result = out[0].rgb;
        INFO(name_of(content) << " " << name_of(area) << " blur " << blur);
        REQUIRE(result.size() == picture.size());
        CHECK(changed_where(result, picture, untouched(mask, blur)) == 0);
        CHECK(changed_where(result, picture, mask) > 50);  // the masked area was redrawn
        CHECK_THAT(out[0].parameters, Contains(std::string("Masked content: ") + name_of(content)));
      }

  SECTION("outpainting extends the canvas and keeps the picture away from the border") {
    p.mask.clear();
    p.mask_blur = 2;
    p.outpaint = {16, 8, 0, 24};
    const cv::Mat result = inpaint(p, f.store)[0].rgb;
    REQUIRE(result.size() == cv::Size(80 + 16 + 8, 72 + 24));
    cv::Mat border = cv::Mat::zeros(72, 80, CV_8UC1);
    cv::copyMakeBorder(border, border, 0, 24, 16, 8, cv::BORDER_CONSTANT, 255);
    const cv::Mat kept = untouched(border, 2);
    cv::Mat original_at = cv::Mat::zeros(result.size(), CV_8UC3);
    picture.copyTo(original_at(cv::Rect(16, 0, 80, 72)));
    CHECK(changed_where(result, original_at, kept) == 0);
    CHECK(cv::countNonZero(kept) > 60 * 60);
  }
}

TEST_CASE("inpainting: bad masks and options are named", "[pipelines]") {
  Fixture f;
  media::write_image(f.dir / "in.png", media::Image{test::test_pattern(64, 64, 1), {}});
  media::write_image(f.dir / "small.png", media::Image{cv::Mat(32, 32, CV_8UC1, cv::Scalar(255)), {}});
  media::write_image(f.dir / "black.png", media::Image{cv::Mat::zeros(64, 64, CV_8UC1), {}});
  media::write_image(f.dir / "white.png", media::Image{cv::Mat(64, 64, CV_8UC1, cv::Scalar(255)), {}});
  cv::Mat red = cv::Mat::zeros(64, 64, CV_8UC3);
  red(cv::Rect(10, 10, 20, 20)).setTo(cv::Scalar(0, 0, 255));  // a coloured mask: any channel > 127 counts
  media::write_image(f.dir / "red.png", media::Image{red, {}});
  InpaintParams p;
  p.image = f.dir / "in.png";
  p.generation.method = Txt2ImgMethod::Diffusion;
  p.generation.prompt = "a red circle";
  p.generation.steps = 2;
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("give --mask") && Contains("--outpaint"));
  p.mask = f.dir / "small.png";
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("is 32x32 but the image is 64x64"));
  p.mask = f.dir / "black.png";
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("selects nothing"));
  p.mask = f.dir / "nothing.png";
  CHECK_THROWS_AS(inpaint(p, f.store), Error);
  p.mask = f.dir / "white.png";  // all white: everything is redrawn (txt2img from the picture's start)
  CHECK(inpaint(p, f.store).size() == 1);
  p.mask = f.dir / "red.png";
  const cv::Mat result = inpaint(p, f.store)[0].rgb;
  const cv::Mat original = media::read_image(f.dir / "in.png").pixels;
  CHECK(cv::norm(result(cv::Rect(40, 40, 24, 24)), original(cv::Rect(40, 40, 24, 24)), cv::NORM_INF) == 0);
  CHECK(cv::norm(result(cv::Rect(14, 14, 12, 12)), original(cv::Rect(14, 14, 12, 12)), cv::NORM_INF) > 0);

  // Whole-picture inpainting has a size limit (the denoiser's attention over all of it); only_masked has none.
  media::write_image(f.dir / "big.png", media::Image{test::test_pattern(320, 240, 1), {}});
  cv::Mat big_mask = cv::Mat::zeros(240, 320, CV_8UC1);
  big_mask(cv::Rect(100, 80, 30, 30)).setTo(255);
  media::write_image(f.dir / "big_mask.png", media::Image{big_mask, {}});
  p.image = f.dir / "big.png";
  p.mask = f.dir / "big_mask.png";
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("use --inpaint-area only_masked"));
  p.area = InpaintArea::OnlyMasked;
  CHECK(inpaint(p, f.store)[0].rgb.size() == cv::Size(320, 240));
  p.area = InpaintArea::WholePicture;

  p.generation.method = Txt2ImgMethod::MaskGit;
  p.outpaint = {8, 8, 8, 8};
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("work with --method diffusion"));
  p.generation.method = Txt2ImgMethod::Ar;
  p.outpaint = {0, 0, 0, 0};
  CHECK_THROWS_WITH(inpaint(p, f.store), Contains("needs --method maskgit or diffusion"));
  CHECK_THROWS_WITH(parse_masked_content("blur"), Contains("original, fill, latent_noise"));
  CHECK_THROWS_WITH(parse_inpaint_area("some"), Contains("whole, only_masked"));
}

TEST_CASE("inpainting benchmark cases: one object gets a new color and shape, under its mask", "[pipelines]") {
  for (int i = 0; i < 40; ++i) {
    const InpaintCase edit = inpaint_case(i, 64);
    const world::SceneSpec& before = world::holdout_images()[size_t(i)];
    REQUIRE(edit.spec.objects.size() == before.objects.size());
    const size_t k = size_t(i) % before.objects.size();
    CHECK(edit.spec.objects[k].color != before.objects[k].color);
    CHECK(edit.spec.objects[k].shape != before.objects[k].shape);
    CHECK(edit.spec.relation == before.relation);
    CHECK(edit.spec.background == before.background);
    if (before.objects.size() == 2) CHECK_FALSE(edit.spec.objects[0] == edit.spec.objects[1]);
    // The mask covers the object: outside it the picture shows only the background and the other object.
    const int masked = cv::countNonZero(edit.mask);
    CHECK(masked >= 14 * 14);
    CHECK(masked < 40 * 40);
  }
  CHECK(inpaint_case(3, 64).mask.size() == cv::Size(64, 64));
}
