// What the studio keeps besides the document: settings between runs, the gallery and its saved
// files, the parameters text read back for "reuse parameters", and the worker thread.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <opencv2/core.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "pipelines/txt2img.h"
#include "studio/gui/gallery.h"
#include "studio/gui/settings.h"
#include "studio/gui/worker.h"
#include "test_util.h"

using namespace jl;
using namespace jl::test;

TEST_CASE("parameters text: to_string and from_string agree", "[studio]") {
  Txt2ImgParams p;
  p.prompt = "two small green triangles on a black background";
  p.negative_prompt = "a red circle";
  p.method = Txt2ImgMethod::Diffusion;
  p.steps = 30;
  p.sampler = samplers::SamplerKind::Ddim;
  p.eta = 0.5;
  p.cfg_scale = 4.5;
  p.seed = 1234567890123ULL;
  p.upscale = 4;
  p.upscaler = "world";
  const Txt2ImgParams back = Txt2ImgParams::from_string(p.to_string());
  CHECK(back.to_string() == p.to_string());
  CHECK(back.model.empty());  // the method's own model stays implicit

  Txt2ImgParams ar;
  ar.prompt = "a red circle";
  ar.method = Txt2ImgMethod::Ar;
  ar.draft = "ar_draft";
  ar.gamma = 2;
  ar.temperature = 0.7;
  ar.top_k = 50;
  ar.top_p = 0.9;
  CHECK(Txt2ImgParams::from_string(ar.to_string()).to_string() == ar.to_string());

  // Another tool's keys are skipped; damaged values are named.
  CHECK(Txt2ImgParams::from_string("a red circle\nSteps: 20, Sampler: Euler a, Size: 512x512, Seed: 7").seed == 7);
  CHECK_THROWS_WITH(Txt2ImgParams::from_string(""), Catch::Contains("no prompt"));
  CHECK_THROWS_WITH(Txt2ImgParams::from_string("a red circle\nSeed: x1"), Catch::Contains("Seed is 'x1'"));
  CHECK_THROWS_WITH(Txt2ImgParams::from_string("a red circle\nCFG scale: lots"), Catch::Contains("CFG scale"));
}

TEST_CASE("settings: saved and read back, and a damaged file gives the defaults and says so", "[studio]") {
  TempDir dir;
  gui::StudioSettings s;
  s.generation.prompt = "a large blue square";
  s.generation.method = Txt2ImgMethod::Ar;
  s.speculative = true;
  s.generation.cfg_scale = 3.5;
  s.generation.count = 4;
  s.random_seed = false;
  s.generation.seed = 99;
  s.inpaint.generation.method = Txt2ImgMethod::Diffusion;
  s.inpaint.area = InpaintArea::OnlyMasked;
  s.inpaint.mask_blur = 5;
  s.upscaler = "photo";
  s.upscale_scale = 4;
  s.brush_size = 33;
  s.output_dir = dir / "out";
  s.window_width = 1600;
  gui::save_settings(dir / "cfg" / "studio.json", s);

  std::string problem;
  const gui::StudioSettings back = gui::load_settings(dir / "cfg" / "studio.json", &problem);
  CHECK(problem.empty());
  CHECK(back.generation.prompt == s.generation.prompt);
  CHECK(back.generation.method == Txt2ImgMethod::Ar);
  CHECK(back.speculative);
  CHECK(back.generation.cfg_scale == 3.5);
  CHECK_FALSE(back.generation.temperature.has_value());
  CHECK(back.generation.count == 4);
  CHECK_FALSE(back.random_seed);
  CHECK(back.generation.seed == 99);
  CHECK(back.inpaint.generation.method == Txt2ImgMethod::Diffusion);
  CHECK(back.inpaint.area == InpaintArea::OnlyMasked);
  CHECK(back.inpaint.mask_blur == 5);
  CHECK(back.upscaler == "photo");
  CHECK(back.upscale_scale == 4);
  CHECK(back.brush_size == 33);
  CHECK(back.output_dir == dir / "out");
  CHECK(back.window_width == 1600);

  write_text_file(dir / "odd.json", "{\"brush\": {\"size\": -5, \"hardness\": 7}, \"generation\": {\"count\": 100000}}");
  const gui::StudioSettings odd = gui::load_settings(dir / "odd.json", &problem);
  CHECK(odd.brush_size == 1);
  CHECK(odd.brush_hardness == 1);
  CHECK(odd.generation.count == 16);
  CHECK(gui::load_settings(dir / "none.json", &problem).generation.prompt == gui::StudioSettings().generation.prompt);
  CHECK(problem.empty());  // no file yet: the defaults, quietly
  for (const std::string& damaged : {std::string("{\"generation\": {\"method\": \"paint\"}}"), std::string("[1, 2"), std::string("")}) {
    write_text_file(dir / "bad.json", damaged);
    problem.clear();
    const gui::StudioSettings defaults = gui::load_settings(dir / "bad.json", &problem);
    CHECK(defaults.generation.method == Txt2ImgMethod::MaskGit);
    CHECK_THAT(problem, Catch::Contains("bad.json") && Catch::Contains("defaults"));
  }
}

TEST_CASE("gallery: saves numbered PNGs with their parameters, never over a file, and lists the folder", "[studio]") {
  TempDir dir;
  gui::Gallery gallery;
  Txt2ImgParams p;
  p.prompt = "a red circle";
  p.seed = 42;
  gui::GalleryItem& first = const_cast<gui::GalleryItem&>(gallery.add(test_pattern(16, 16, 1), p.to_string(), "txt2img"));
  REQUIRE(first.params.has_value());
  CHECK(first.params->seed == 42);
  const fs::path a = gallery.save(first, dir / "out");
  CHECK(a.filename() == "00001-42.png");
  CHECK(first.file == a);
  write_text_file(dir / "out" / "00007-extra.png", "not a picture");  // numbering continues after it
  gui::GalleryItem second = gallery.session().front();
  const fs::path b = gallery.save(second, dir / "out");
  CHECK(b.filename() == "00008-42.png");
  const media::Image read = media::read_image(b);
  CHECK(read.text.at("parameters") == p.to_string());
  CHECK(cv::norm(read.pixels, test_pattern(16, 16, 1), cv::NORM_INF) == 0);

  media::Image mask;
  mask.pixels = cv::Mat::zeros(16, 16, CV_8UC1);
  media::write_image(dir / "out" / "00009.mask.png", mask);  // a saved mask is not a result
  int skipped = 0;
  gallery.scan_folder(dir / "out", 100, &skipped);
  CHECK(gallery.folder().size() == 2);
  CHECK(skipped == 1);  // the broken file is counted, not shown
  CHECK(gallery.folder().front().params.has_value());
  gallery.scan_folder(dir / "out", 1);
  CHECK(gallery.folder().size() == 1);
  CHECK(gallery.find(gallery.folder().front().id) != nullptr);
  CHECK(gallery.find(999999) == nullptr);
  CHECK_THROWS_WITH(gui::read_picture(dir / "out" / "00007-extra.png"), Catch::Contains("00007-extra.png"));
}

TEST_CASE("worker: progress, results on the UI thread, errors and cancelling", "[studio]") {
  gui::Worker worker;
  int applied = 0;
  REQUIRE(worker.start("count", [&](const Callbacks& cb) -> std::function<void()> {
    const cv::Mat preview(4, 4, CV_8UC3, cv::Scalar(1, 2, 3));
    for (int i = 1; i <= 3; ++i) cb.report(i, 3, &preview);
    return [&applied] { ++applied; };
  }));
  worker.wait();
  CHECK(applied == 0);  // nothing happens to the UI's state until it collects
  CHECK(worker.take_preview().at<cv::Vec3b>(0, 0) == cv::Vec3b(1, 2, 3));
  CHECK(worker.take_preview().empty());
  std::vector<gui::Worker::Outcome> done = worker.collect();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ok);
  CHECK(applied == 1);
  CHECK_FALSE(worker.status().busy);

  REQUIRE(worker.start("fail", [](const Callbacks&) -> std::function<void()> { throw Error("model 'x' not found"); }));
  worker.wait();
  done = worker.collect();
  REQUIRE(done.size() == 1);
  CHECK_FALSE(done[0].ok);
  CHECK(done[0].error == "model 'x' not found");

  std::atomic<bool> started{false};
  REQUIRE(worker.start("long", [&](const Callbacks& cb) -> std::function<void()> {
    started = true;
    for (int i = 0; i < 1000; ++i) {
      cb.report(i, 1000);
      cb.throw_if_cancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return nullptr;
  }));
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(worker.status().busy);
  CHECK_FALSE(worker.start("second", [](const Callbacks&) -> std::function<void()> { return nullptr; }));  // one at a time
  worker.cancel();
  worker.wait();
  done = worker.collect();
  REQUIRE(done.size() == 1);
  CHECK(done[0].cancelled);
  CHECK(done[0].error == "cancelled");
}
