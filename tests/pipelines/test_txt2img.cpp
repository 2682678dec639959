// txt2img and token inpainting on tiny random checkpoints through the ModelStore: reproducible bytes,
// named errors for mismatched models and bad prompts, and inpainting that leaves every pixel outside
// the patch-dilated mask as it was; the holdout evaluation's watermark figures.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "models/checkpoint.h"
#include "models/model_store.h"
#include "pipelines/holdout_eval.h"
#include "pipelines/inpaint.h"
#include "pipelines/txt2img.h"
#include "test_util.h"
#include "tiny_models.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::TempDir;

namespace {

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// A model of the given config with random weights (seeded, large enough that its pictures differ
// from any other's), saved as a checkpoint of that kind.
template <class Model, class Config>
void save_randomized(const std::filesystem::path& path, const Config& config, const char* kind) {
  Model model(config);
  test::randomize(*model, 9, 0.3);
  models::CheckpointInfo info;
  info.model = kind;
  info.config = config;
  models::save_checkpoint(path, *model, info);
}

// A copy of checkpoint `from` saved as `to`, its metadata recording `key` = `value` (as training
// records the tokenizer and text encoder a generator was trained with).
void copy_recording(const std::filesystem::path& dir, const std::string& from, const std::string& to,
                    const std::string& key, const std::string& value) {
  const models::Checkpoint original(dir / (from + ".safetensors"));
  models::CheckpointInfo info = original.info();
  info.extra[key] = value;
  std::map<std::string, at::Tensor> tensors;
  for (const std::string& name : original.names()) tensors[name] = original.tensor(name);
  models::save_tensors(dir / (to + ".safetensors"), tensors, info.to_metadata());
}

}  // namespace

TEST_CASE("txt2img: every method, reproducible per seed, with named errors", "[pipelines]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  models::ModelStore store(dir.path());
  Txt2ImgParams p;
  p.prompt = "a red circle in the top left";
  p.count = 2;
  p.seed = 10;

  for (const char* method : {"ar", "maskgit", "diffusion"}) {
    DYNAMIC_SECTION("method " << method) {
      p.method = parse_txt2img_method(method);
      const Txt2ImgResult first = txt2img(p, store);
      REQUIRE(first.images.size() == 2);
      CHECK(first.images[0].rgb.size() == cv::Size(64, 64));
      CHECK(first.images[1].seed == 11);
      CHECK_THAT(first.images[1].parameters, Contains("Seed: 11") && Contains(p.prompt));
      const Txt2ImgResult again = txt2img(p, store);
      CHECK(same_pixels(first.images[0].rgb, again.images[0].rgb));
      CHECK(same_pixels(first.images[1].rgb, again.images[1].rgb));
      CHECK_FALSE(same_pixels(first.images[0].rgb, first.images[1].rgb));
    }
  }
  SECTION("speculative decoding reports its acceptance rate") {
    p.method = Txt2ImgMethod::Ar;
    p.draft = "ar_draft";
    p.count = 1;
    const Txt2ImgResult result = txt2img(p, store);
    CHECK(result.stats.contains("acceptance_rate"));
    CHECK(result.stats["target_passes"].get<int64_t>() < 256);
  }
  SECTION("mismatches and bad prompts are named") {
    p.method = Txt2ImgMethod::MaskGit;
    p.model = "ar";
    CHECK_THROWS_WITH(txt2img(p, store), Contains("'ar' is an autoregressive generator"));
    p.model.clear();
    p.prompt = "a red dragon";
    CHECK_THROWS_WITH(txt2img(p, store), Contains("dragon"));
    p.prompt = "a red circle";
    p.tokenizer = "missing";
    CHECK_THROWS_WITH(txt2img(p, store), Contains("missing"));
    p.tokenizer = "tokenizer";
    p.draft = "ar_draft";
    CHECK_THROWS_AS(p.validate(), UsageError);  // speculative needs --method ar
    p.draft.clear();
    p.watermark.key = "k";
    CHECK_THROWS_WITH(p.validate(), Contains("--watermark works with --method ar"));
  }
  SECTION("a generator trained over another tokenizer is refused by name") {
    models::PatchTokenizerConfig other = test::tiny_tokenizer_config();
    other.codebook_size = 16;
    models::PatchTokenizer tokenizer(other);
    models::CheckpointInfo info;
    info.model = models::kPatchTokenizerModel;
    info.config = other;
    models::save_checkpoint(dir / "small_tokenizer.safetensors", *tokenizer, info);
    p.tokenizer = "small_tokenizer";
    CHECK_THROWS_WITH(txt2img(p, store), Contains("predicts 32 codes") && Contains("small_tokenizer"));
  }
  // The companions a generator's checkpoint records: its metadata key, the parameter that overrides
  // it, and how to make another one of that kind (randomized, so its pictures differ).
  struct Companion {
    std::string key, label;
    std::string Txt2ImgParams::*field;
    std::function<void(const std::filesystem::path&)> write_other;
  };
  const Companion companions[] = {
      {"text_encoder", "Text encoder", &Txt2ImgParams::text_encoder,
       [](const std::filesystem::path& path) {
         save_randomized<models::TextEncoder>(path, test::tiny_text_encoder_config(), models::kTextEncoderModel);
       }},
      {"tokenizer", "Tokenizer", &Txt2ImgParams::tokenizer, [](const std::filesystem::path& path) {
         save_randomized<models::PatchTokenizer>(path, test::tiny_tokenizer_config(), models::kPatchTokenizerModel);
       }}};
  for (const Companion& c : companions) {
    DYNAMIC_SECTION("a generator reads the " << c.key << " its checkpoint names, unless one is given") {
      const std::string other = c.key + "_other";
      c.write_other(dir / (other + ".safetensors"));
      copy_recording(dir.path(), "maskgit", "maskgit_other", c.key, other);
      p.method = Txt2ImgMethod::MaskGit;
      p.count = 1;
      p.model = "maskgit_other";
      const cv::Mat recorded = txt2img(p, store).images[0].rgb;
      p.model = "maskgit";
      CHECK_FALSE(same_pixels(txt2img(p, store).images[0].rgb, recorded));
      p.*c.field = other;
      CHECK(same_pixels(txt2img(p, store).images[0].rgb, recorded));
      CHECK_THAT(txt2img(p, store).images[0].parameters, Contains(c.label + ": " + other));
      std::filesystem::remove(dir / (other + ".safetensors"));
      p.model = "maskgit_other";
      (p.*c.field).clear();
      models::ModelStore fresh(dir.path());
      CHECK_THROWS_WITH(txt2img(p, fresh), Contains(other));
    }
  }
}

TEST_CASE("txt2img token previews: AR rows and MaskGIT steps, gray where undecided, only when wanted", "[pipelines]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  models::ModelStore store(dir.path());
  Txt2ImgParams p;
  p.prompt = "a red circle";
  p.seed = 3;
  for (const char* method : {"ar", "maskgit"}) {
    DYNAMIC_SECTION("method " << method) {
      p.method = parse_txt2img_method(method);
      Callbacks bar;  // a plain progress bar: no picture is decoded for it
      int steps = 0;
      bar.progress = [&](int64_t, int64_t, const cv::Mat* preview) {
        CHECK(preview == nullptr);
        ++steps;
      };
      const Txt2ImgResult plain = txt2img(p, store, bar);
      CHECK(steps > 0);

      std::vector<cv::Mat> previews;
      Callbacks watching;
      watching.wants_preview = true;
      watching.progress = [&](int64_t, int64_t, const cv::Mat* preview) {
        if (preview) previews.push_back(preview->clone());
      };
      const Txt2ImgResult shown = txt2img(p, store, watching);
      CHECK(same_pixels(plain.images[0].rgb, shown.images[0].rgb));  // watching changes nothing
      REQUIRE(previews.size() >= 2);
      // Before the end some patches are still open (the gray of undecided tokens); the last preview
      // is the picture itself.
      const cv::Mat& early = previews.front();
      CHECK(cv::countNonZero(early.reshape(1) == 96) >= 3 * 8 * 8);
      CHECK(same_pixels(previews.back(), shown.images[0].rgb));
    }
  }
}

TEST_CASE("txt2img guidance and temperature: the method's defaults unless given", "[pipelines]") {
  Txt2ImgParams p;
  p.method = Txt2ImgMethod::Ar;
  CHECK(p.guidance() == 2.0);
  CHECK(p.sampling_temperature() == 0.5);
  p.method = Txt2ImgMethod::MaskGit;
  CHECK(p.guidance() == 2.0);
  CHECK(p.sampling_temperature() == 0.5);
  p.method = Txt2ImgMethod::Diffusion;
  CHECK(p.guidance() == 3.0);
  p.method = Txt2ImgMethod::MaskGit;
  p.cfg_scale = 1.5;
  p.temperature = 0;  // greedy is a value, not "unset"
  CHECK(p.guidance() == 1.5);
  CHECK(p.sampling_temperature() == 0.0);
  CHECK_THAT(p.to_string(), Contains("CFG scale: 1.5") && Contains("Temperature: 0"));
  p.cfg_scale = 60;
  CHECK_THROWS_WITH(p.validate(), Contains("--cfg-scale"));
}

TEST_CASE("token inpainting changes only the patch-dilated mask", "[pipelines]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  models::ModelStore store(dir.path());
  // Not the model's size: the tokens are made at 64x64, the composite at the input's size.
  const cv::Mat picture = test::test_pattern(80, 72, 3);
  media::write_image(dir / "in.png", media::Image{picture, {}});
  cv::Mat mask = cv::Mat::zeros(72, 80, CV_8UC3);
  cv::rectangle(mask, cv::Rect(30, 20, 17, 9), cv::Scalar(255, 255, 255), cv::FILLED);
  media::write_image(dir / "mask.png", media::Image{mask, {}});

  InpaintParams params;
  params.image = dir / "in.png";
  params.mask = dir / "mask.png";
  params.generation.prompt = "a blue star";
  params.generation.count = 2;
  const std::vector<GeneratedImage> out = inpaint(params, store);
  REQUIRE(out.size() == 2);
  // Patch-dilated mask: token (x * 16 / 80, y * 16 / 72) for every masked pixel.
  cv::Mat tokens = cv::Mat::zeros(16, 16, CV_8UC1);
  for (int y = 20; y < 29; ++y)
    for (int x = 30; x < 47; ++x) tokens.at<uint8_t>(y * 16 / 72, x * 16 / 80) = 255;
  cv::Mat region;
  cv::resize(tokens, region, cv::Size(80, 72), 0, 0, cv::INTER_NEAREST);
  for (const GeneratedImage& image : out) {
    REQUIRE(image.rgb.size() == picture.size());
    cv::Mat outside_out, outside_in;
    image.rgb.copyTo(outside_out, ~region);
    picture.copyTo(outside_in, ~region);
    CHECK(same_pixels(outside_out, outside_in));
    CHECK_FALSE(same_pixels(image.rgb, picture));  // the region was regenerated
    for (int y = 20; y < 29; ++y)  // every masked pixel lies in the region
      for (int x = 30; x < 47; ++x) CHECK(region.at<uint8_t>(y, x) == 255);
  }
  SECTION("bad masks and methods are named") {
    cv::Mat small = cv::Mat::zeros(10, 10, CV_8UC3);
    media::write_image(dir / "small.png", media::Image{small, {}});
    params.mask = dir / "small.png";
    CHECK_THROWS_WITH(inpaint(params, store), Contains("is 10x10 but the image is 80x72"));
    media::write_image(dir / "empty.png", media::Image{cv::Mat::zeros(72, 80, CV_8UC3), {}});
    params.mask = dir / "empty.png";
    CHECK_THROWS_WITH(inpaint(params, store), Contains("selects nothing"));
    params.generation.method = Txt2ImgMethod::Ar;
    CHECK_THROWS_WITH(params.validate(), Contains("needs --method maskgit"));
  }
}

TEST_CASE("holdout with a watermark key: the score of the pictures and of the tokens as drawn", "[pipelines]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  models::ModelStore store(dir.path());
  HoldoutParams p;
  p.generation.method = Txt2ImgMethod::Ar;
  p.generation.watermark.key = "k";
  p.count = 6;
  p.batch = 3;
  const nlohmann::json marked = evaluate_txt2img_holdout(p, store)["watermark"];
  // The tiny model is flat enough for the green list to steer most choices: the drawn tokens carry
  // the mark whatever the (random) tokenizer's round trip keeps.
  CHECK(marked["drawn_mean_z"].get<double>() > 4);
  CHECK(marked["tokens_kept"].get<double>() >= 0);
  CHECK(marked["tokens_kept"].get<double>() <= 1);
  // Testing unmarked pictures for the key finds nothing in their tokens either.
  p.generation.watermark.key.clear();
  p.detect_key = "k";
  const nlohmann::json plain = evaluate_txt2img_holdout(p, store)["watermark"];
  CHECK(std::abs(plain["drawn_mean_z"].get<double>()) < 2);
  CHECK(plain["key_detected"].get<double>() == 0);
}
