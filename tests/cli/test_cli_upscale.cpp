// `jielong upscale` end to end with the UpscalerJS models from the models cache: pictures with their
// parameters, folders, a video whose audio is kept, a batch item, and one-line refusals.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/video.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::run_jielong;
namespace fs = std::filesystem;

namespace {
std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }
}  // namespace

TEST_CASE("cli upscale: every UpscalerJS model, folders, video with audio, batch", "[cli][upscalerjs]") {
  test::TempDir dir;
  media::write_image(dir / "in.png", media::Image{test::test_pattern(24, 20, 2), {}});
  std::string out;
  for (const char* model : {"slim", "medium", "thick", "bicubic"}) {
    INFO(model);
    const fs::path result = dir / (std::string(model) + ".png");
    REQUIRE(run_jielong("upscale " + quoted(dir / "in.png") + " -o " + quoted(result) + " --model " + model + " --scale 2", &out) == 0);
    const media::Image image = media::read_image(result);
    CHECK(image.width() == 48);
    CHECK(image.height() == 40);
    CHECK_THAT(image.text.at("parameters"), Contains(std::string("Upscaler: ") + model) && Contains("Scale: 2"));
  }
  // An upscaler looks like its source: the learned ones are close to bicubic, not noise.
  CHECK(test::psnr(media::read_image(dir / "slim.png").pixels, media::read_image(dir / "bicubic.png").pixels) > 25);

  // A folder of pictures into a folder; a video with its soundtrack.
  fs::create_directories(dir / "pics");
  media::write_image(dir / "pics" / "a.png", media::Image{test::test_pattern(16, 16, 1), {}});
  media::write_image(dir / "pics" / "b.jpg", media::Image{test::test_pattern(20, 12, 2), {}});
  REQUIRE(run_jielong("upscale " + quoted(dir / "pics") + " -o " + quoted(dir / "big") + " --scale 3", &out) == 0);
  CHECK(media::read_image(dir / "big" / "a.png").width() == 48);
  CHECK(media::read_image(dir / "big" / "b.jpg").height() == 36);
  {
    media::VideoWriteOptions options;
    options.fps = 8;
    const media::Audio tone = test::test_tone(44100, 1, 0.5);
    options.audio = &tone;
    media::VideoWriter writer(dir / "clip.mp4", 32, 24, options);
    for (int i = 0; i < 4; ++i) writer.write(test::test_pattern(32, 24, i));
    writer.close();
  }
  REQUIRE(run_jielong("upscale " + quoted(dir / "clip.mp4") + " -o " + quoted(dir / "clip_x2.mp4") + " --scale 2 --json", &out) == 0);
  CHECK(test::last_json(out)["pictures"] == 4);
  media::VideoReader reader(dir / "clip_x2.mp4");
  CHECK(reader.info().width == 64);
  CHECK(reader.info().has_audio);

  // The same as a batch item.
  test::write_text_file(dir / "jobs.json", R"([{"task": "upscale", "input": "in.png", "model": "slim", "scale": 2, "output": "up.png"}])");
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "batch"), &out) == 0);
  CHECK(test::read_text_file(dir / "batch" / "up.png") == test::read_text_file(dir / "slim.png"));
}

TEST_CASE("cli upscale: bad requests exit non-zero with one line and write nothing", "[cli]") {
  test::TempDir dir;
  media::write_image(dir / "in.png", media::Image{test::test_pattern(24, 20, 2), {}});
  std::string out;
  auto refused = [&](const std::string& args, int code, const std::string& says) {
    INFO(args);
    CHECK(run_jielong("upscale " + args, &out) == code);
    CHECK_THAT(out, Contains(says));
    CHECK(test::count_lines(out) == 1);
  };
  const std::string in = quoted(dir / "in.png");
  refused(in + " -o " + quoted(dir / "o.png") + " --model waifu", 2, "unknown upscaler 'waifu'");
  refused(in + " -o " + quoted(dir / "o.png") + " --scale 5", 2, "offers x2, x3, x4, x8");
  refused(in + " -o " + quoted(dir / "o.mp4"), 2, "the output must be one");
  refused(quoted(dir / "none.png") + " -o " + quoted(dir / "o.png"), 1, "no such file");
  refused(in + " -o " + quoted(dir / "in.png"), 1, "already exists");
  CHECK_FALSE(fs::exists(dir / "o.png"));
  // A model that is not in the cache says how to fetch it.
  const std::string command = "env JIELONG_CACHE=" + (dir / "cache").string() + " " + std::string(JL_BINARY) + " upscale " + in +
                              " -o " + quoted(dir / "o.png") + " --model slim 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[1024] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  CHECK(WEXITSTATUS(::pclose(pipe)) == 1);
  CHECK_THAT(std::string(buffer, n), Contains("fetch-upscalerjs.sh"));
  CHECK_FALSE(fs::exists(dir / "o.png"));
}

TEST_CASE("cli: train upscalers (photo and world) briefly, then upscale and evaluate with them", "[cli][training]") {
  test::TempDir dir;
  fs::create_directories(dir / "photos");
  fs::create_directories(dir / "models");
  for (int i = 0; i < 8; ++i) media::write_image(dir / "photos" / ("p" + std::to_string(i) + ".png"), media::Image{test::test_pattern(200, 180, i), {}});
  const std::string tiny = " --model-config '{\"channels\": 8, \"blocks\": 1}' --steps 3 --batch 2 --threads 1";
  std::string out;
  REQUIRE(run_jielong("train upscaler --data photo --scale 2 --photos " + quoted(dir / "photos") + " -o " +
                          quoted(dir / "models" / "photo_x2.safetensors") + " --run-dir " + quoted(dir / "run1") + tiny + " --json", &out) == 0);
  CHECK(test::last_json(out)["eval"].contains("psnr_gain_over_bicubic"));
  REQUIRE(run_jielong("train upscaler --data world --scale 4 -o " + quoted(dir / "models" / "world_x4.safetensors") + " --run-dir " +
                          quoted(dir / "run2") + tiny + " --eval-count 3 --json", &out) == 0);
  CHECK(test::last_json(out)["eval"]["count"] == 3);

  const std::string models = " --models-dir " + quoted(dir / "models");
  REQUIRE(run_jielong("upscale " + quoted(dir / "photos" / "p0.png") + " -o " + quoted(dir / "w.png") + " --model world --scale 4" + models, &out) == 0);
  CHECK(media::read_image(dir / "w.png").width() == 800);
  REQUIRE(run_jielong("holdout upscale --model world --count 2 --json" + models, &out) == 0);
  CHECK(test::last_json(out)["count"] == 2);
  REQUIRE(run_jielong("eval-upscale --photos " + quoted(dir / "photos") + " --models photo,bicubic --scales 2 --json" + models, &out) == 0);
  const nlohmann::json rows = test::last_json(out)["results"];
  REQUIRE(rows.size() == 2);
  CHECK(rows[1]["gain_over_bicubic"] == 0);
  // A checkpoint whose scale is not the one its name promises is named.
  fs::create_directories(dir / "wrong");
  fs::copy_file(dir / "models" / "world_x4.safetensors", dir / "wrong" / "photo_x2.safetensors");
  CHECK(run_jielong("upscale " + quoted(dir / "photos" / "p0.png") + " -o " + quoted(dir / "w2.png") + " --model photo --scale 2" +
                        " --models-dir " + quoted(dir / "wrong"), &out) == 1);
  CHECK_THAT(out, Contains("photo_x2 is an x4 upscaler, not x2"));
  CHECK_FALSE(fs::exists(dir / "w2.png"));
  CHECK(run_jielong("train upscaler --data faces -o " + quoted(dir / "x.safetensors") + tiny, &out) == 2);
  CHECK_THAT(out, Contains("--data must be photo or world"));
}

TEST_CASE("cli: `jielong` runs UpscalerJS and bicubic upscaling without libtorch and hands the rest to jielong-full", "[cli]") {
  test::TempDir dir;
  // The program users run does not load libtorch at all.
  std::string libraries;
  REQUIRE(test::run_shell("ldd " + quoted(JL_BINARY), &libraries) == 0);
  CHECK_THAT(libraries, Contains("libopencv_core"));
  CHECK_THAT(libraries, !Contains("libtorch") && !Contains("libc10"));
  // A copy of it alone, without jielong-full beside it: upscaling with bicubic (or, with the models
  // cache, slim, medium, thick) runs; anything else needs jielong-full and says so.
  fs::copy_file(JL_BINARY, dir / "jielong");
  fs::permissions(dir / "jielong", fs::perms::owner_all);
  media::write_image(dir / "in.png", media::Image{test::test_pattern(24, 20, 2), {}});
  std::string out;
  CHECK(test::run_shell(quoted(dir / "jielong") + " upscale " + quoted(dir / "in.png") + " -o " + quoted(dir / "big.png") +
                            " --model bicubic --scale 2 --json 2>&1", &out) == 0);
  CHECK(media::read_image(dir / "big.png").width() == 48);
  CHECK_THAT(out, Contains("\"megapixels_per_second\""));
  for (const std::string& args : std::vector<std::string>{"version", "upscale " + quoted(dir / "in.png") + " -o " + quoted(dir / "p.png") + " --model photo --scale 2",
                                 "upscale --help", "--version", "upscale --no-such-flag"}) {
    INFO(args);
    CHECK(test::run_shell(quoted(dir / "jielong") + " " + args + " 2>&1", &out) == 1);
    CHECK_THAT(out, Contains("cannot start " + (dir / "jielong-full").string()) && Contains("make build"));
  }
  CHECK_FALSE(fs::exists(dir / "p.png"));
  // Through the real pair, the same command lines get jielong-full's answers.
  CHECK(run_jielong("upscale " + quoted(dir / "in.png") + " -o " + quoted(dir / "q.png") + " --no-such-flag", &out) == 2);
  CHECK_THAT(out, Contains("--no-such-flag"));
  CHECK(run_jielong("--version", &out) == 0);
  CHECK_THAT(out, Contains(std::string("jielong ") + JL_VERSION_STRING));
}
