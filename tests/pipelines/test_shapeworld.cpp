// The ShapeWorld tasks end to end through files: what `world render` writes, `judge` accepts — for
// every holdout prompt, images as PNG and videos through the H.264 encoder.
#include <catch2/catch.hpp>
#include <fstream>

#include "core/error.h"
#include "media_io/image.h"
#include "pipelines/shapeworld.h"
#include "test_util.h"
#include "world/caption.h"
#include "world/holdout.h"

using namespace jl;
using Catch::Matchers::Contains;

TEST_CASE("every holdout prompt rendered to a file is accepted by the judge", "[pipelines][slow]") {
  test::TempDir dir;
  std::string misses;
  int rendered = 0;
  auto render_and_judge = [&](const world::SceneSpec& spec, const std::string& extension) {
    WorldRenderParams p;
    p.prompt = world::canonical_caption(spec);
    p.output = dir / (std::to_string(rendered) + extension);
    p.seed = uint64_t(rendered++);
    world_render(p);
    const auto j = judge_file(p.prompt, p.output);
    if (!j.at("pass").get<bool>()) misses += p.prompt + ": " + j.at("clauses").dump() + "\n";
  };
  for (const auto& spec : world::holdout_images()) render_and_judge(spec, ".png");
  const int images = rendered;
  for (const auto& spec : world::holdout_videos()) render_and_judge(spec, ".mp4");
  const int videos = rendered - images;
  INFO(misses);
  CHECK(images >= 500);
  CHECK(videos >= 200);
  CHECK(misses.empty());
}

TEST_CASE("world sample writes image and caption pairs and eval scores them", "[pipelines]") {
  test::TempDir dir;
  WorldSampleParams p;
  p.count = 6;
  p.out_dir = dir / "data";
  p.seed = 5;
  CHECK(world_sample(p) == 6);
  std::ofstream prompts(dir / "prompts.txt");
  for (int i = 0; i < 6; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%05d", i);
    const std::string caption = test::read_text_file(p.out_dir / (std::string(name) + ".txt"));
    REQUIRE(fs::exists(p.out_dir / (std::string(name) + ".png")));
    REQUIRE(!caption.empty());
    CHECK_FALSE(world::is_holdout(world::parse_prompt(caption.substr(0, caption.size() - 1))));
    prompts << caption;  // line i is judged against 0000i.png
  }
  // A second column names the file: an empty gray canvas, which no object prompt can pass.
  media::write_image(p.out_dir / "blank.png", {cv::Mat(64, 64, CV_8UC3, cv::Scalar(128, 128, 128)), {}});
  prompts << "a red circle\tblank\n";
  prompts.close();
  EvalParams e{dir / "prompts.txt", p.out_dir};
  const auto r = evaluate(e);
  CHECK(r.at("prompts") == 7);
  CHECK(r.at("passed") == 6);
  CHECK(r.at("clauses").at("object").at("total").get<int>() >= 7);
  REQUIRE(r.at("failures").size() == 1);
  CHECK(r.at("failures")[0].at("index") == 6);
  CHECK_THAT(r.at("failures")[0].at("file").get<std::string>(), Contains("blank.png"));
  // Refuses to overwrite a dataset without overwrite, before writing anything.
  REQUIRE_THROWS_WITH(world_sample(p), Contains("already exists"));
  p.overwrite = true;
  CHECK(world_sample(p) == 6);
}

TEST_CASE("eval reports missing files and bad prompt lists", "[pipelines]") {
  test::TempDir dir;
  fs::create_directory(dir / "empty");
  test::write_text_file(dir / "p.txt", "a red circle\n");
  auto r = evaluate({dir / "p.txt", dir / "empty"});
  CHECK(r.at("passed") == 0);
  CHECK_THAT(r.at("failures")[0].at("error").get<std::string>(), Contains("no file with stem 0"));
  test::write_text_file(dir / "bad.txt", "a red dog\n");
  REQUIRE_THROWS_WITH(evaluate({dir / "bad.txt", dir / "empty"}), Contains("unknown word 'dog'"));
  test::write_text_file(dir / "none.txt", "# only a comment\n\n");
  REQUIRE_THROWS_WITH(evaluate({dir / "none.txt", dir / "empty"}), Contains("has no lines to evaluate"));
  REQUIRE_THROWS_WITH(evaluate({dir / "missing.txt", dir / "empty"}), Contains("cannot open"));
}
