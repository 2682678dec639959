// Frame interpolation: the endpoints are the inputs, a translation and an occluding square are
// reconstructed, video frame counts and times for factors and frame rates, scene cuts and duplicates,
// and bad inputs named.
#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/tensor_image.h"
#include "media_io/video.h"
#include "models/checkpoint.h"
#include "models/interpolation_net.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/interpolate/frame_interpolator.h"
#include "pipelines/interpolate/interpolate_eval.h"
#include "pipelines/interpolate/interpolate_video.h"
#include "pipelines/interpolate/learned_interpolation.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A textured strip and views of it shifted by `dx` pixels: a pure translation.
cv::Mat view(const cv::Mat& wide, double dx, int width) {
  cv::Mat out;
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, -dx, 0, 1, 0);
  cv::warpAffine(wide, out, shift, wide.size(), cv::INTER_CUBIC, cv::BORDER_REFLECT);
  return out(cv::Rect(16, 0, width, wide.rows)).clone();
}

// A red square at x over a textured background that stays put. (It moves 8 pixels between the
// frames: DIS finds motions up to about the object's size; beyond that the learned method must.)
cv::Mat square_over(const cv::Mat& background, int x) {
  cv::Mat out = background.clone();
  cv::rectangle(out, cv::Rect(x, 20, 16, 16), cv::Scalar(230, 30, 30), cv::FILLED);
  return out;
}

void write_frames(const fs::path& path, const std::vector<cv::Mat>& frames, double fps) {
  media::VideoWriteOptions options;
  options.fps = fps;
  media::VideoWriter writer(path, frames[0].cols, frames[0].rows, options);
  for (const cv::Mat& f : frames) writer.write(f);
  writer.close();
}

}  // namespace

TEST_CASE("interpolation: t = 0 and t = 1 are the inputs, a translation is reconstructed", "[pipelines]") {
  models::ModelStore store;  // the shipped models: `learned` is assets/models/interpolator.safetensors
  const auto classic = make_interpolator("classic", store);
  const auto learned = make_interpolator("learned", store);
  const auto blend = make_interpolator("blend", store);
  const cv::Mat wide = test::test_pattern(160, 96, 4);
  const cv::Mat a = view(wide, 0, 96), b = view(wide, 6, 96), middle = view(wide, 3, 96);
  for (const auto& method : {classic, learned, blend}) {
    const auto pair = method->pair(a, b);
    CHECK(cv::norm(pair->at(0), a, cv::NORM_INF) == 0);
    CHECK(cv::norm(pair->at(1), b, cv::NORM_INF) == 0);
  }
  // Away from the borders (where the content enters and leaves the view).
  const cv::Rect inner(8, 8, 80, 80);
  const double flow_psnr = test::psnr(classic->pair(a, b)->at(0.5)(inner), middle(inner));
  const double learned_psnr = test::psnr(learned->pair(a, b)->at(0.5)(inner), middle(inner));
  const double blend_psnr = test::psnr(blend->pair(a, b)->at(0.5)(inner), middle(inner));
  INFO("classic " << flow_psnr << " dB, learned " << learned_psnr << " dB, blend " << blend_psnr << " dB");
  CHECK(flow_psnr > 35);
  CHECK(flow_psnr > blend_psnr + 8);
  CHECK(learned_psnr > 35);
}

TEST_CASE("interpolation: a square moving over a texture, with what it covers and uncovers", "[pipelines]") {
  models::ModelStore store;
  const cv::Mat background = test::test_pattern(96, 64, 9);
  const cv::Mat a = square_over(background, 30), b = square_over(background, 38), middle = square_over(background, 34);
  const double classic = test::psnr(make_interpolator("classic", store)->pair(a, b)->at(0.5), middle);
  const double blend = test::psnr(make_interpolator("blend", store)->pair(a, b)->at(0.5), middle);
  INFO("classic " << classic << " dB, blend " << blend << " dB");
  CHECK(classic > 32);
  CHECK(classic > blend + 6);
}

TEST_CASE("interpolation: motion that speeds up follows the frames before and after the pair", "[pipelines]") {
  // The view moves on a parabola, x(s) = 4 s^2 + 6 s + 10 at frames s = -1, 0, 1, 2 (8, 10, 20, 38):
  // halfway from A to B it is at 14, where a straight line from A to B puts it at 15.
  models::ModelStore store;
  const auto classic = make_interpolator("classic", store);
  const cv::Mat wide = test::test_pattern(200, 64, 6);
  const cv::Mat before = view(wide, 8, 64), a = view(wide, 10, 64), b = view(wide, 20, 64), after = view(wide, 38, 64);
  const cv::Rect inner(8, 8, 48, 48);
  const cv::Mat middle = view(wide, 14, 64);

  const auto straight = classic->pair(a, b);
  const auto leading = classic->pair(before, a), pair = classic->pair(a, b), trailing = classic->pair(b, after);
  pair->set_neighbours(leading.get(), trailing.get(), 1, 1);
  const cv::Mat curved = pair->at(0.5);
  const double curved_psnr = test::psnr(curved(inner), middle(inner));
  const double straight_psnr = test::psnr(straight->at(0.5)(inner), middle(inner));
  INFO("with the neighbours " << curved_psnr << " dB, without " << straight_psnr << " dB");
  CHECK(curved_psnr > 33);
  CHECK(curved_psnr > straight_psnr + 3);  // measured: 41.5 against 37.8
  CHECK(cv::norm(pair->at(0), a, cv::NORM_INF) == 0);
  CHECK(cv::norm(pair->at(1), b, cv::NORM_INF) == 0);
  // Neighbours at a repeated timestamp or far away in time are left out: a straight line, no NaN.
  const auto odd_gaps = classic->pair(a, b);
  odd_gaps->set_neighbours(leading.get(), trailing.get(), 0, 100);
  CHECK(cv::norm(odd_gaps->at(0.5), straight->at(0.5), cv::NORM_INF) == 0);

  // A video does the same: its pairs are linked to their neighbours as they stream through.
  test::TempDir dir;
  write_frames(dir / "clip" / "f%05d.png", {before, a, b, after}, 24);
  InterpolateParams p;
  p.input = dir / "clip" / "f%05d.png";
  p.factor = 2;
  p.output = dir / "x2" / "f%05d.png";
  interpolate(p, store);
  const auto out = test::read_video_frames(p.output);
  REQUIRE(out.size() == 8);
  CHECK(cv::norm(out[3], curved, cv::NORM_INF) == 0);
}

TEST_CASE("interpolate video: frame counts and times for --factor and --fps, cuts, duplicates, audio-free clips", "[pipelines]") {
  test::TempDir dir;
  models::ModelStore store;
  const cv::Mat wide = test::test_pattern(200, 64, 2);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 12; ++i) frames.push_back(view(wide, 3 * i, 64));
  write_frames(dir / "clip" / "f%05d.png", frames, 24);

  InterpolateParams p;
  p.input = dir / "clip" / "f%05d.png";
  SECTION("--factor 2 doubles the frames and keeps every source frame") {
    p.factor = 2;
    p.output = dir / "x2" / "f%05d.png";
    const InterpolateResult r = interpolate(p, store);
    CHECK(r.input_frames == 12);
    CHECK(r.output_frames == 24);
    CHECK(r.synthesized == 11);  // the last source frame is held for its interval
    CHECK(r.output_fps == 50);  // twice the 25 fps FFmpeg gives a PNG sequence
    const auto out = test::read_video_frames(p.output);
    REQUIRE(out.size() == 24);
    for (size_t i = 0; i < frames.size(); ++i) CHECK(cv::norm(out[2 * i], frames[i], cv::NORM_INF) == 0);
  }
  SECTION("24 -> 60 fps gives 2.5x the frames at increasing times") {
    write_frames(dir / "clip.mp4", frames, 24);  // (a PNG sequence has no frame rate of its own: FFmpeg reads 25)
    p.input = dir / "clip.mp4";
    p.fps = 60;
    p.output = dir / "60.mp4";
    const InterpolateResult r = interpolate(p, store);
    CHECK(r.output_frames == 30);
    std::vector<double> times;
    const auto out = test::read_video_frames(p.output, &times);
    CHECK(out.size() == 30);
    for (size_t i = 1; i < times.size(); ++i) CHECK(times[i] > times[i - 1]);
    CHECK(times.back() == Approx(29.0 / 60).margin(1e-3));
  }
  SECTION("a scene cut is held, not interpolated across") {
    const cv::Mat other = test::test_pattern(200, 64, 77);
    std::vector<cv::Mat> spliced(frames.begin(), frames.begin() + 6);
    for (int i = 0; i < 6; ++i) spliced.push_back(view(other, 3 * i, 64));
    write_frames(dir / "spliced" / "f%05d.png", spliced, 24);
    p.input = dir / "spliced" / "f%05d.png";
    p.factor = 2;
    p.output = dir / "cut" / "f%05d.png";
    const InterpolateResult r = interpolate(p, store);
    CHECK(r.scene_cuts == 1);
    const auto out = test::read_video_frames(p.output);
    REQUIRE(out.size() == 24);
    CHECK(cv::norm(out[11], spliced[5], cv::NORM_INF) == 0);  // the in-between at the cut repeats the frame before it
    CHECK(cv::norm(out[9], spliced[4], cv::NORM_INF) > 0);    // elsewhere frames are drawn
    // ... and the pair before the cut follows the pair before it, not the other scene.
    const auto classic = make_interpolator("classic", store);
    const auto leading = classic->pair(spliced[3], spliced[4]), last = classic->pair(spliced[4], spliced[5]);
    last->set_neighbours(leading.get(), nullptr, 1, 1);
    CHECK(cv::norm(out[9], last->at(0.5), cv::NORM_INF) == 0);
  }
  SECTION("duplicate frames are skipped and the motion spread over their span") {
    std::vector<cv::Mat> twos;
    for (int i = 0; i < 6; ++i) twos.insert(twos.end(), {frames[size_t(2 * i)], frames[size_t(2 * i)]});
    write_frames(dir / "twos" / "f%05d.png", twos, 24);
    p.input = dir / "twos" / "f%05d.png";
    p.factor = 2;
    p.output = dir / "twos-x2" / "f%05d.png";
    const InterpolateResult r = interpolate(p, store);
    CHECK(r.duplicates_skipped == 6);
    CHECK(r.output_frames == 24);
    const auto out = test::read_video_frames(p.output);
    REQUIRE(out.size() == 24);
    // Output frame 2 is at source time 1, halfway from frame 0 to its next distinct frame (source 2):
    // drawn, not a copy of either.
    CHECK(cv::norm(out[2], twos[0], cv::NORM_INF) > 0);
    CHECK(cv::norm(out[2], twos[2], cv::NORM_INF) > 0);
  }
}

TEST_CASE("interpolate: two pictures, and bad inputs named", "[pipelines]") {
  test::TempDir dir;
  models::ModelStore store;
  const cv::Mat wide = test::test_pattern(160, 64, 5);
  media::write_image(dir / "a.png", {view(wide, 0, 64), {}});
  media::write_image(dir / "b.png", {view(wide, 4, 64), {}});
  InterpolateParams p;
  p.frames = {dir / "a.png", dir / "b.png"};
  p.t = 0.25;
  p.output = dir / "between.png";
  interpolate(p, store);
  const cv::Mat between = media::to_rgb8(media::read_image(p.output)).pixels;
  CHECK(test::psnr(between(cv::Rect(8, 8, 48, 48)), view(wide, 1, 64)(cv::Rect(8, 8, 48, 48))) > 30);
  CHECK_THAT(test::error_of([&] { interpolate(p, store); }), Contains("already exists"));

  media::write_image(dir / "small.png", {cv::Mat(32, 32, CV_8UC3, cv::Scalar(1, 2, 3)), {}});
  p.frames[1] = dir / "small.png";
  p.output = dir / "x.png";
  CHECK_THAT(test::error_of([&] { interpolate(p, store); }), Contains("differ in size"));
  p.frames[1] = dir / "missing.png";
  CHECK_THAT(test::error_of([&] { interpolate(p, store); }), Contains("missing.png"));
  test::write_text_file(dir / "broken.png", "not a picture");
  p.frames[1] = dir / "broken.png";
  CHECK_THAT(test::error_of([&] { interpolate(p, store); }), Contains("broken.png"));

  InterpolateParams v;
  write_frames(dir / "one" / "f%05d.png", {view(wide, 0, 64)}, 24);
  v.input = dir / "one" / "f%05d.png";
  v.output = dir / "out.mp4";
  v.factor = 2;
  CHECK_THAT(test::error_of([&] { interpolate(v, store); }), Contains("a single frame"));
  CHECK_FALSE(fs::exists(v.output));
  v.factor = 3;
  CHECK_THAT(test::error_of([&] { interpolate(v, store); }), Contains("--factor must be 2, 4 or 8"));
  v.factor = 0;
  CHECK_THAT(test::error_of([&] { interpolate(v, store); }), Contains("one of --factor"));
  v.fps = 30;
  v.method = "magic";
  CHECK_THAT(test::error_of([&] { interpolate(v, store); }), Contains("classic"));
}

TEST_CASE("interpolation scores: the even/odd protocol on ShapeWorld videos", "[pipelines]") {
  models::ModelStore store;
  const WorldInterpolationScore classic = score_on_holdout_videos(*make_interpolator("classic", store), 10);
  const WorldInterpolationScore blend = score_on_holdout_videos(*make_interpolator("blend", store), 10);
  INFO("classic " << classic.psnr << " dB, blend " << blend.psnr << " dB");
  CHECK(classic.videos == 10);
  CHECK(classic.ground_truth_pass == 1.0);
  CHECK(classic.psnr > blend.psnr + 5);
}

TEST_CASE("interpolation scores: at x4 each drawn frame is compared with the real one at its t", "[pipelines]") {
  // A fade: frame i is grey level 10 i, so the cross-fade between kept frames 4k and 4k + 4 at
  // t = j / 4 is exactly frame 4k + j, and any other frame would be 10 or more levels off.
  std::vector<cv::Mat> frames;
  for (int i = 0; i <= 12; ++i) frames.push_back(cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(10 * i)));
  models::ModelStore store;
  const auto blend = make_interpolator("blend", store);
  const InterpolationScore x4 = score_interpolation(frames, *blend, 4);
  CHECK(x4.frames == 9);  // 3 pairs of kept frames, 3 drawn between each
  REQUIRE(x4.psnr_at.size() == 3);
  for (double p : x4.psnr_at) CHECK(p > 100);
  // At x2 (kept 0, 2, ..., 12) the same holds with one drawn frame a pair.
  const InterpolationScore x2 = score_interpolation(frames, *blend);
  CHECK(x2.frames == 6);
  CHECK(x2.psnr > 100);
  CHECK_THAT(test::error_of([&] { score_interpolation(frames, *blend, 3); }), Contains("must be 2, 4 or 8"));
  CHECK_THAT(test::error_of([&] { score_interpolation(std::vector<cv::Mat>(frames.begin(), frames.begin() + 8), *blend, 8); }),
             Contains("at least 9 frames"));
}

TEST_CASE("learned interpolation: the network redraws only the tiles where the frames disagree", "[pipelines]") {
  // 256 x 192: twelve tiles of 64; the square moves within the top-left one over a still background.
  const cv::Mat background = test::test_pattern(256, 192, 4);
  const cv::Mat a = square_over(background, 24), b = square_over(background, 40);
  models::InterpolationNetConfig config;
  config.channels = {8, 16};  // it sees 9 pixels around: its windows' 16-pixel margins hide their edges
  auto net = std::make_shared<models::InterpolationNetImpl>(config);
  {
    torch::NoGradGuard no_grad;
    torch::manual_seed(3);
    for (torch::Tensor& p : net->parameters()) p.normal_(0, 0.03);
    // and A's flow corrected by 3 pixels everywhere: wherever it runs, even the still background
    // changes (the small random outputs alone cannot move its samples by a level)
    net->named_parameters()["head.bias"][0].fill_(3);
  }
  const auto pair = learned_interpolator(net)->pair(a, b);
  const cv::Mat learned = pair->at(0.5), classic = classic_interpolator()->pair(a, b)->at(0.5);
  const cv::Rect moving(0, 0, 64, 64);
  cv::Mat outside(a.size(), CV_8U, cv::Scalar(255));
  outside(moving).setTo(0);
  cv::Mat differs;
  cv::absdiff(learned, classic, differs);
  cv::cvtColor(differs, differs, cv::COLOR_RGB2GRAY);
  differs = differs > 0;
  CHECK(cv::countNonZero(differs(moving)) > 100);
  CHECK(cv::countNonZero(differs & outside) == 0);
  // The redrawn tile is what the network draws over the whole frame (away from the frame's edges,
  // where a window repeats the edge and the whole frame's convolutions pad with zeros).
  const PairFlows& flows = dynamic_cast<const FlowPair&>(*pair).flows();
  const FlowsAt at = flows_at(flows, 0.5);
  torch::NoGradGuard no_grad;
  const BFloat16Autocast autocast(cpu_has_bfloat16());
  const cv::Mat whole = media::tensor_to_image(synthesize(*net, interpolation_inputs(flows, at, warp_with_neighbours_to(flows, at), 0.5))[0]);
  const cv::Rect inner(16, 16, 48, 48);
  CHECK(cv::norm(learned(inner), whole(inner), cv::NORM_INF) <= 2);
}

TEST_CASE("learned interpolation: an untrained network is the classic method, and its checkpoint is found by name", "[pipelines]") {
  const cv::Mat background = test::test_pattern(80, 64, 9);
  const cv::Mat a = square_over(background, 30), b = square_over(background, 38);
  models::InterpolationNetConfig config;
  config.channels = {8, 16};
  const auto untrained = learned_interpolator(std::make_shared<models::InterpolationNetImpl>(config));
  const auto classic = classic_interpolator();
  const cv::Mat before = square_over(background, 24), after = square_over(background, 50);
  for (bool neighbours : {false, true})
    for (double t : {0.0, 0.3, 0.5, 1.0}) {
      INFO("t = " << t << (neighbours ? ", with the frames before and after" : ""));
      std::vector<std::unique_ptr<FramePair>> pairs;
      for (const auto* method : {untrained.get(), classic.get()}) {
        pairs.push_back(method->pair(a, b));
        if (neighbours) pairs.back()->set_neighbours(method->pair(before, a).get(), method->pair(b, after).get(), 1, 1);
      }
      // (OpenCV's remap interpolates with 5-bit fixed-point weights, grid_sample in float: 2/255 apart at most)
      CHECK(cv::norm(pairs[0]->at(t), pairs[1]->at(t), cv::NORM_INF) <= 2);
    }
  // The store finds the checkpoint named "interpolator" (here one in --models-dir, which comes before
  // the shipped folder).
  test::TempDir dir;
  models::ModelStore store(dir.path());
  models::InterpolationNet net(config);
  models::CheckpointInfo info;
  info.model = models::kInterpolationNetModel;
  info.config = config;
  models::save_checkpoint(dir / "interpolator.safetensors", *net, info);
  CHECK(store.find(kInterpolatorCheckpoint) == dir / "interpolator.safetensors");
  CHECK(make_interpolator("learned", store)->name() == "learned");
}
