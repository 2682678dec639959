// The generators from the command line on tiny checkpoints: outputs with their parameters, numbered
// outputs, refusals, the watermark detector, inpainting; diffusion with previews, img2img, inpainting
// controls and outpainting.
#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>

#include "media_io/image.h"
#include "test_util.h"
#include "tiny_models.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::run_jielong;
using jl::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("cli txt2img, inpaint and watermark detect on tiny models", "[cli]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  const std::string models = " --models-dir '" + dir.path().string() + "'";
  std::string out;

  REQUIRE(run_jielong("txt2img --method maskgit --prompt 'a red circle' --seed 4 -o '" + (dir / "a.png").string() + "'" +
                          models,
                      &out) == 0);
  const media::Image a = media::read_image(dir / "a.png");
  CHECK_THAT(a.text.at("parameters"), Contains("a red circle") && Contains("Seed: 4") && Contains("Method: maskgit"));

  // Same command, same bytes; an existing output is refused without --overwrite.
  REQUIRE(run_jielong("txt2img --method maskgit --prompt 'a red circle' --seed 4 -o '" + (dir / "b.png").string() + "'" +
                          models,
                      &out) == 0);
  CHECK(test::read_text_file(dir / "a.png") == test::read_text_file(dir / "b.png"));
  CHECK(run_jielong("txt2img --prompt 'a red circle' -o '" + (dir / "a.png").string() + "'" + models, &out) == 1);
  CHECK_THAT(out, Contains("already exists"));
  CHECK(test::count_lines(out) == 1);

  // Several images: NAME-i.png, each with its own seed; JSON result lists them with judge verdicts.
  REQUIRE(run_jielong("txt2img --method ar --draft ar_draft --prompt 'a blue star' -n 2 --seed 7 --judge --json -o '" +
                          (dir / "many.png").string() + "'" + models,
                      &out) == 0);
  const nlohmann::json result = test::last_json(out);
  REQUIRE(result["outputs"].size() == 2);
  CHECK(result["outputs"][1]["seed"] == 8);
  CHECK(result["outputs"][1].contains("judge"));
  CHECK(result["stats"].contains("acceptance_rate"));
  CHECK(fs::exists(dir / "many-0.png"));
  CHECK(fs::exists(dir / "many-1.png"));

  // The cascade: generate, then upscale (bicubic here: the world upscaler is a trained checkpoint).
  REQUIRE(run_jielong("txt2img --method maskgit --prompt 'a red circle' --upscale 2 --upscaler bicubic -o '" + (dir / "big.png").string() +
                          "'" + models, &out) == 0);
  const media::Image big = media::read_image(dir / "big.png");
  CHECK(big.width() == 128);
  CHECK_THAT(big.text.at("parameters"), Contains("Upscale: 2x bicubic"));
  CHECK(run_jielong("txt2img --prompt 'a red circle' --upscale 5 -o '" + (dir / "c.png").string() + "'" + models, &out) == 2);
  CHECK_THAT(out, Contains("--upscale 5"));

  // Unknown words and bad flags: one line, non-zero.
  CHECK(run_jielong("txt2img --prompt 'a red dragon' -o '" + (dir / "c.png").string() + "'" + models, &out) != 0);
  CHECK_THAT(out, Contains("dragon"));
  CHECK(test::count_lines(out) == 1);
  CHECK(run_jielong("txt2img --method magic --prompt 'a red circle' -o '" + (dir / "c.png").string() + "'" + models, &out) == 2);
  CHECK_THAT(out, Contains("unknown method 'magic'"));
  CHECK_FALSE(fs::exists(dir / "c.png"));

  // Watermark: generate with a key, detect with the command (the tiny tokenizer does not round-trip
  // tokens, so only the report is checked here; the statistics are tested on tokens directly).
  REQUIRE(run_jielong("txt2img --method ar --prompt 'a red circle' --watermark k -o '" + (dir / "w.png").string() + "'" +
                          models,
                      &out) == 0);
  REQUIRE(run_jielong("watermark detect '" + (dir / "w.png").string() + "' --key k --json" + models, &out) == 0);
  CHECK(test::last_json(out).contains("z"));
  CHECK(run_jielong("watermark detect '" + (dir / "nothing.png").string() + "' --key k" + models, &out) == 1);

  // Inpainting keeps what lies outside the mask.
  const cv::Mat picture = test::test_pattern(64, 64, 1);
  media::write_image(dir / "in.png", media::Image{picture, {}});
  cv::Mat mask = cv::Mat::zeros(64, 64, CV_8UC3);
  cv::rectangle(mask, cv::Rect(16, 16, 16, 16), cv::Scalar(255, 255, 255), cv::FILLED);
  media::write_image(dir / "mask.png", media::Image{mask, {}});
  REQUIRE(run_jielong("inpaint --image '" + (dir / "in.png").string() + "' --mask '" + (dir / "mask.png").string() +
                          "' --prompt 'a green square' -o '" + (dir / "out.png").string() + "'" + models,
                      &out) == 0);
  const cv::Mat result_pixels = media::read_image(dir / "out.png").pixels;
  CHECK(cv::norm(result_pixels(cv::Rect(0, 0, 64, 16)), picture(cv::Rect(0, 0, 64, 16)), cv::NORM_INF) == 0);
  CHECK(cv::norm(result_pixels(cv::Rect(0, 32, 64, 32)), picture(cv::Rect(0, 32, 64, 32)), cv::NORM_INF) == 0);

  // Diffusion: previews of every step, img2img, inpainting with its controls, outpainting.
  REQUIRE(run_jielong("txt2img --method diffusion --sampler ddim --steps 3 --prompt 'a red circle' --preview-dir '" +
                          (dir / "previews").string() + "' -o '" + (dir / "d.png").string() + "'" + models,
                      &out) == 0);
  CHECK_THAT(media::read_image(dir / "d.png").text.at("parameters"), Contains("Sampler: DDIM") && Contains("Steps: 3"));
  CHECK(fs::exists(dir / "previews" / "step-001.png"));
  CHECK(fs::exists(dir / "previews" / "step-003.png"));
  CHECK(run_jielong("txt2img --method diffusion --steps 3 --prompt 'a red circle' --preview-dir '" + (dir / "previews").string() +
                        "' -o '" + (dir / "d2.png").string() + "'" + models,
                    &out) == 1);
  CHECK_THAT(out, Contains("already holds previews"));
  CHECK_FALSE(fs::exists(dir / "d2.png"));
  REQUIRE(run_jielong("txt2img --method diffusion --steps 2 --prompt 'a red circle' --init-image '" + (dir / "in.png").string() +
                          "' --strength 0.5 -o '" + (dir / "i2i.png").string() + "'" + models,
                      &out) == 0);
  REQUIRE(run_jielong("inpaint --method diffusion --steps 2 --image '" + (dir / "in.png").string() + "' --mask '" +
                          (dir / "mask.png").string() + "' --mask-blur 0 --masked-content fill --inpaint-area only_masked" +
                          " --prompt 'a green square' -o '" + (dir / "dout.png").string() + "'" + models,
                      &out) == 0);
  const cv::Mat inpainted = media::read_image(dir / "dout.png").pixels;
  CHECK(cv::norm(inpainted(cv::Rect(0, 40, 64, 24)), picture(cv::Rect(0, 40, 64, 24)), cv::NORM_INF) == 0);
  CHECK_THAT(media::read_image(dir / "dout.png").text.at("parameters"), Contains("Inpaint area: only_masked"));
  REQUIRE(run_jielong("inpaint --method diffusion --steps 2 --image '" + (dir / "in.png").string() +
                          "' --outpaint 8,8,0,16 --prompt 'a green square' -o '" + (dir / "wide.png").string() + "'" + models,
                      &out) == 0);
  CHECK(media::read_image(dir / "wide.png").width() == 80);
  CHECK(media::read_image(dir / "wide.png").height() == 80);
  CHECK(run_jielong("inpaint --method diffusion --image '" + (dir / "in.png").string() + "' --outpaint 8,8 --prompt 'a red circle' -o '" +
                        (dir / "bad.png").string() + "'" + models,
                    &out) == 2);
  CHECK_THAT(out, Contains("--outpaint takes L,R,T,B"));
  CHECK(run_jielong("txt2img --method diffusion --sampler heun --prompt 'a red circle' -o '" + (dir / "bad.png").string() + "'" + models,
                    &out) == 2);
  CHECK_THAT(out, Contains("unknown sampler 'heun'"));
  CHECK(run_jielong("inpaint --method maskgit --mask-blur 4 --image '" + (dir / "in.png").string() + "' --mask '" +
                        (dir / "mask.png").string() + "' --prompt 'a red circle' -o '" + (dir / "bad.png").string() + "'" + models,
                    &out) == 2);
  CHECK_THAT(out, Contains("work with --method diffusion"));
  CHECK_FALSE(fs::exists(dir / "bad.png"));

  // The inpainting benchmark runs on any generator (here 2 scenes on the tiny ones).
  REQUIRE(run_jielong("holdout inpaint --method diffusion --steps 2 --count 2 --json" + models, &out) == 0);
  CHECK(test::last_json(out)["count"] == 2);
  CHECK(test::last_json(out)["psnr_outside_mask"].get<double>() > 20);
  // --save-dir keeps what was judged, into a new folder only.
  const std::string save = " --save-dir '" + (dir / "judged").string() + "'";
  REQUIRE(run_jielong("holdout inpaint --method diffusion --steps 2 --count 2" + save + models, &out) == 0);
  for (const char* name : {"000-before.png", "000-mask.png", "001-before.png", "001-mask.png"}) CHECK(fs::exists(dir / "judged" / name));
  CHECK(fs::exists(dir / "judged" / "000-after-pass.png") != fs::exists(dir / "judged" / "000-after-fail.png"));
  CHECK(run_jielong("holdout inpaint --method diffusion --steps 2 --count 2" + save + models, &out) == 2);
  CHECK_THAT(out, Contains("is not empty"));
  // The text-to-image benchmark keeps its pictures the same way, each with its prompt.
  const std::string pictures = " --save-dir '" + (dir / "drawn").string() + "'";
  REQUIRE(run_jielong("holdout txt2img --method diffusion --steps 2 --count 2 --batch 1" + pictures + models, &out) == 0);
  for (const char* index : {"000", "001"}) {
    const fs::path pass = dir / "drawn" / (std::string(index) + "-pass.png"), fail = dir / "drawn" / (std::string(index) + "-fail.png");
    REQUIRE(fs::exists(pass) != fs::exists(fail));
    CHECK_FALSE(media::read_image(fs::exists(pass) ? pass : fail).text.at("parameters").empty());
  }
  CHECK(run_jielong("holdout txt2img --method diffusion --steps 2 --count 2" + pictures + models, &out) == 2);
  CHECK_THAT(out, Contains("is not empty"));
}
